import { useEffect, useRef, useState } from "react";
import { getSession, type WatchEventJson } from "./api.ts";

export type StreamStatus = "connecting" | "live" | "reconnecting" | "failed";

/**
 * Follows a Server-Sent Events URL of the API. EventSource reconnects by itself after a drop; each
 * (re)connection starts with the current state, so nothing missed while away stays missed. A 4xx
 * (unknown run, say) closes the source for good: status "failed". EventSource does not say which
 * status closed it, so the session is asked again: if it ended, the app goes to the sign-in page.
 */
export function useEventStream(url: string | undefined, onEvent: (e: WatchEventJson) => void): StreamStatus {
  const [status, setStatus] = useState<StreamStatus>("connecting");
  // The latest callback, without reconnecting whenever the caller re-renders.
  const handler = useRef(onEvent);
  handler.current = onEvent;
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
    source.addEventListener("state", (m) => handler.current(JSON.parse((m as MessageEvent<string>).data) as WatchEventJson));
    return () => source.close();
  }, [url]);
  return status;
}
