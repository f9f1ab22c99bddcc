import type { StreamStatus } from "../use-event-stream.ts";

const TEXT: Record<StreamStatus, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  failed: "Not updating",
  // A run in a final state changes no more: there is nothing to follow, and nothing wrong.
  ended: "Final",
};

/** Whether what is on screen is being kept current. */
export function LiveIndicator({ status }: { status: StreamStatus }) {
  return (
    <span className={`live live-${status}`} role="status" aria-label={`Updates: ${TEXT[status]}`}>
      {TEXT[status]}
    </span>
  );
}
