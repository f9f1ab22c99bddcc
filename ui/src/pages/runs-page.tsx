import { useState, type ChangeEvent } from "react";
import { allEventsUrl, STATE_TYPES, type RunJson, type StateTypeName } from "../api.ts";
import { LiveIndicator } from "../components/live-indicator.tsx";
import { StateBadge } from "../components/state-badge.tsx";
import { Link, navigate } from "../router.tsx";
import { formatDuration, useNow } from "../time.ts";
import { useEventStream } from "../use-event-stream.ts";

/** The newest runs (up to 500, as the server's watch sends them), kept current by the event stream. */
export function RunsPage() {
  const stateFilter = stateFromQuery(window.location.search);
  const url = allEventsUrl(stateFilter ? [stateFilter] : []);
  // Keyed by the stream's URL, so a new filter starts from the new stream's first events.
  const [runs, setRuns] = useState<{ url: string; byId: Map<string, RunJson> }>({ url, byId: new Map() });
  const status = useEventStream(url, (e) =>
    setRuns((prev) => {
      const byId = new Map(prev.url === url ? prev.byId : []);
      const known = byId.get(e.run.id);
      if (!known || known.version < e.run.version) byId.set(e.run.id, e.run);
      return { url, byId };
    }),
  );
  const now = useNow();
  const shown = [...(runs.url === url ? runs.byId.values() : [])]
    // The stream also reports runs leaving the filtered state, so that they can be dropped here.
    .filter((r) => !stateFilter || r.state?.type === stateFilter)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id));

  const onFilter = (e: ChangeEvent<HTMLSelectElement>): void => {
    navigate(e.target.value ? `/?state=${e.target.value}` : "/");
  };

  return (
    <main>
      <div className="page-header">
        <h1>Flow runs</h1>
        <LiveIndicator status={status} />
      </div>
      <div className="toolbar">
        <label htmlFor="state-filter">State</label>
        <select id="state-filter" value={stateFilter ?? ""} onChange={onFilter}>
          <option value="">All states</option>
          {STATE_TYPES.map((t) => (
            <option key={t} value={t}>
              {t.charAt(0) + t.slice(1).toLowerCase()}
            </option>
          ))}
        </select>
      </div>
      {shown.length === 0 ? (
        <p className="empty">
          {status === "live" ? (stateFilter ? `No ${stateFilter.toLowerCase()} runs.` : "No flow runs yet.") : "Loading…"}
        </p>
      ) : (
        <table className="runs">
          <caption className="visually-hidden">Flow runs, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Flow</th>
              <th scope="col">State</th>
              <th scope="col">In state for</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((run) => (
              <tr key={run.id} data-run-id={run.id}>
                <td data-label="Run">
                  <Link href={`/runs/${run.id}`}>{run.name}</Link>
                </td>
                <td data-label="Flow">{run.flowName}</td>
                <td data-label="State">
                  <StateBadge state={run.state} />
                </td>
                <td data-label="In state for">{run.state ? formatDuration(now - Date.parse(run.state.timestamp)) : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}

function stateFromQuery(search: string): StateTypeName | undefined {
  const value = new URLSearchParams(search).get("state")?.toUpperCase();
  return STATE_TYPES.find((t) => t === value);
}
