import type { WatchEvent } from "../app/run-streams.js";
import type { FlowRun } from "../domain/flow-run.js";
import type { MyDecisionJson } from "./api-types.js";
import { watchEventToJson, type ActionScopes } from "./json.js";
import { sseFrame } from "./sse.js";

/**
 * The `state` frames of the run event streams (GET /api/events, GET /api/runs/:id/events), encoded
 * once per event and per view of it, and shared by every stream that sends it. A run change reaches
 * every stream as the same run object (the event hub hands one event to all its listeners; streams
 * opening together share their reads), so a thousand watchers of a change cost one JSON.stringify
 * and one buffer, not a thousand.
 *
 * A view is what differs between callers: the actions their scopes allow, their own decision on the
 * pause, whether the event is a stream's initial one, and the state before. Frames live as long as
 * their run object (a WeakMap): nothing outlives the events still being sent.
 */
export class EventFrames {
  private readonly byRun = new WeakMap<FlowRun, Map<string, Buffer>>();

  frame(e: WatchEvent, allowed: ActionScopes, myDecision: MyDecisionJson | undefined): Buffer {
    const view = [
      e.initial ? "i" : "c",
      e.previousState ? `${e.previousState.id}:${e.previousState.type}` : "",
      `${allowed.resume ? 1 : 0}${allowed.suspend ? 1 : 0}${allowed.cancel ? 1 : 0}`,
      myDecision ? JSON.stringify(myDecision) : "",
    ].join("|");
    let frames = this.byRun.get(e.run);
    if (!frames) {
      frames = new Map();
      this.byRun.set(e.run, frames);
    }
    let frame = frames.get(view);
    if (!frame) {
      frame = sseFrame(
        "state",
        watchEventToJson(e, allowed, () => myDecision),
      );
      frames.set(view, frame);
    }
    return frame;
  }
}
