import type { RunJson } from "../api.ts";
import { formatDuration, formatTimestamp, useNow } from "../time.ts";
import { StateBadge } from "./state-badge.tsx";

/** Every state the run has been in (the server keeps the latest 100), oldest first, with how long each lasted. */
export function StateTimeline({ run }: { run: RunJson }) {
  const now = useNow();
  const states = run.state ? [...run.stateHistory, run.state] : run.stateHistory;
  if (states.length === 0) return <p className="empty">No states yet.</p>;
  return (
    <ol className="timeline">
      {states.map((s, i) => {
        const next = states[i + 1];
        const end = next ? Date.parse(next.timestamp) : now;
        return (
          <li key={s.id}>
            <StateBadge state={s} />
            <time dateTime={s.timestamp}>{formatTimestamp(s.timestamp)}</time>
            <span className="duration">
              {next ? `for ${formatDuration(end - Date.parse(s.timestamp))}` : `now, for ${formatDuration(end - Date.parse(s.timestamp))}`}
            </span>
            {s.message ? <p className="state-message">{s.message}</p> : null}
          </li>
        );
      })}
    </ol>
  );
}
