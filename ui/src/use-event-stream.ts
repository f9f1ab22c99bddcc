import { useEffect, useRef, useState } from "react";
import { getSession, type WatchEventJson } from "./api.ts";

/**
 * Fired on window with each event any page's stream receives (a CustomEvent whose detail is the
 * WatchEventJson), so that what depends on runs elsewhere on the page (the header's "Awaiting me"
 * count) follows the streams the page has open instead of opening one more: a browser keeps at most
 * six connections to a server, and each open stream holds one.
 */
export const RUN_EVENT = "flowgate:run-event";

/** "ended": the last event came (a run reached a final state); nothing more will, so nothing is followed. */
export type StreamStatus = "connecting" | "live" | "reconnecting" | "failed" | "ended";

/**
 * Follows a Server-Sent Events URL of the API. EventSource reconnects by itself after a drop; each
 * (re)connection starts with the current state, so nothing missed while away stays missed. A 4xx
 * (unknown run, say) closes the source for good: status "failed". EventSource does not say which
 * status closed it, so the session is asked again: if it ended, the app goes to the sign-in page.
 *
 * `isLast` tells an event after which the server ends the stream for good (a run's final state):
 * the source is then closed here, since EventSource would otherwise take the server's end for a drop
 * and reopen the stream every few seconds, showing "Reconnecting…" on a page that is complete.
 */
export function useEventStream(
  url: string | undefined,
  onEvent: (e: WatchEventJson) => void,
  isLast: (e: WatchEventJson) => boolean = () => false,
): StreamStatus {
  const [status, setStatus] = useState<StreamStatus>("connecting");
  // The latest callbacks, without reconnecting whenever the caller re-renders.
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const last = useRef(isLast);
  last.current = isLast;
  useEffect(() => {
    if (!url) return;
    setStatus("connecting");
    const source = new EventSource(url);
    source.addEventListener("open", () => setStatus("live"));
    source.addEventListener("error", () => {
      const closed = source.readyState === EventSource.CLOSED;
      setStatus(closed ? "failed" : "reconnecting");
      if (closed) getSession().catch(() => undefined);
    });
    source.addEventListener("state", (m) => {
      const event = JSON.parse((m as MessageEvent<string>).data) as WatchEventJson;
      handler.current(event);
      window.dispatchEvent(new CustomEvent<WatchEventJson>(RUN_EVENT, { detail: event }));
      if (last.current(event)) {
        // Closed before the server's end arrives, so no "error" (and no reconnection) follows.
        source.close();
        setStatus("ended");
      }
    });
    return () => source.close();
  }, [url]);
  return status;
}
