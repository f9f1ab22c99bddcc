import type { StreamStatus } from "../use-event-stream.ts";

const TEXT: Record<StreamStatus, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  failed: "Not updating",
};

/** Whether what is on screen is being kept current. */
export function LiveIndicator({ status }: { status: StreamStatus }) {
  return (
    <span className={`live live-${status}`} role="status" aria-label={`Updates: ${TEXT[status]}`}>
      {TEXT[status]}
    </span>
  );
}
