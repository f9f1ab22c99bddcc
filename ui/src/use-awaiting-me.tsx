/**
 * The paused runs the signed-in principal may decide now (GET /api/runs?awaiting=me), for the header's
 * count and the "Awaiting me" page: read once, then again whenever a run enters, changes in or leaves
 * PAUSED (the server's event stream of paused runs), so both stay current without polling.
 */
import { createContext, useContext, useEffect, useRef, useState } from "react";
import { allEventsUrl, listAwaitingMe, type RunJson } from "./api.ts";
import { useEventStream, type StreamStatus } from "./use-event-stream.ts";

export interface AwaitingMe {
  /** Newest pause first; undefined until the first answer. */
  runs: RunJson[] | undefined;
  /** The last read's refusal or failure, if it failed (the runs shown are then the previous answer's). */
  error: string | undefined;
  status: StreamStatus;
}

const NOTHING: AwaitingMe = { runs: undefined, error: undefined, status: "connecting" };

export function useAwaitingMeState(enabled: boolean): AwaitingMe {
  const [answer, setAnswer] = useState<{ runs: RunJson[] | undefined; error: string | undefined }>({ runs: undefined, error: undefined });
  const reload = useRef<() => void>(() => undefined);

  useEffect(() => {
    setAnswer({ runs: undefined, error: undefined });
    if (!enabled) return;
    const controller = new AbortController();
    // One read at a time; changes that arrive meanwhile ask for one more read after it, not one each.
    let reading = false;
    let again = false;
    const read = async (): Promise<void> => {
      if (reading) {
        again = true;
        return;
      }
      reading = true;
      try {
        do {
          again = false;
          try {
            const page = await listAwaitingMe(controller.signal);
            if (!controller.signal.aborted) setAnswer({ runs: newestPauseFirst(page.runs), error: undefined });
          } catch (err) {
            if (controller.signal.aborted) return;
            setAnswer((prev) => ({ runs: prev.runs, error: err instanceof Error ? err.message : String(err) }));
          }
        } while (again && !controller.signal.aborted);
      } finally {
        reading = false;
      }
    };
    reload.current = () => void read();
    void read();
    return () => {
      controller.abort();
      reload.current = () => undefined;
    };
  }, [enabled]);

  // The stream's first events on each (re)connection describe every paused run as it is: one read
  // when it opens covers them, and covers whatever changed while it was away.
  const status = useEventStream(enabled ? allEventsUrl(["PAUSED"]) : undefined, (e) => {
    if (!e.initial) reload.current();
  });
  const wasLive = useRef(false);
  useEffect(() => {
    if (status === "live" && !wasLive.current) reload.current();
    wasLive.current = status === "live";
  }, [status]);

  return enabled ? { ...answer, status } : NOTHING;
}

/** Newest pause first (the run's creation breaks ties), so the decision waited on least long is on top. */
function newestPauseFirst(runs: readonly RunJson[]): RunJson[] {
  const since = (r: RunJson): string => r.pause?.createdAt ?? r.state?.timestamp ?? r.createdAt;
  return [...runs].sort((a, b) => since(b).localeCompare(since(a)) || b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id));
}

export const AwaitingMeContext = createContext<AwaitingMe>(NOTHING);

export function useAwaitingMe(): AwaitingMe {
  return useContext(AwaitingMeContext);
}
