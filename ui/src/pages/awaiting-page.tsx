import { useEffect } from "react";
import { allEventsUrl } from "../api.ts";
import { progressText } from "../approval-text.ts";
import { LiveIndicator } from "../components/live-indicator.tsx";
import { Link } from "../router.tsx";
import { formatDuration, useNow } from "../time.ts";
import { useAwaitingMe } from "../use-awaiting-me.tsx";
import { useEventStream } from "../use-event-stream.ts";

/** /awaiting: the paused runs the signed-in principal may approve or reject now, newest pause first. */
export function AwaitingPage() {
  const { runs, error, reload } = useAwaitingMe();
  // The paused runs' stream: each of its events (RUN_EVENT) has the list read again; and once more on
  // every (re)connection, for what changed while it was away.
  const status = useEventStream(allEventsUrl(["PAUSED"]), () => undefined);
  useEffect(() => {
    if (status === "live") reload();
  }, [status, reload]);
  const now = useNow();
  return (
    <main>
      <p>
        <Link href="/">← All runs</Link>
      </p>
      <div className="page-header">
        <h1>Awaiting me</h1>
        <LiveIndicator status={status} />
      </div>
      <p className="muted">
        Paused runs whose approval policy names you or one of your groups (or anyone who may resume runs), and that you have not approved
        yet.
      </p>
      {error ? (
        <p role="alert" className="error">
          {error}
        </p>
      ) : null}
      {runs === undefined ? (
        error ? null : (
          <p aria-busy="true">Loading…</p>
        )
      ) : runs.length === 0 ? (
        <p className="empty">Nothing awaits you.</p>
      ) : (
        <table className="runs awaiting">
          <caption className="visually-hidden">Runs awaiting your decision, newest pause first</caption>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Flow</th>
              <th scope="col">Waiting for</th>
              <th scope="col">Paused for</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => (
              <tr key={run.id} data-run-id={run.id}>
                <td data-label="Run">
                  <Link href={`/runs/${run.id}`}>{run.name}</Link>
                </td>
                <td data-label="Flow">{run.flowName}</td>
                <td data-label="Waiting for">{run.pause ? (progressText(run.pause) ?? "one resume") : "—"}</td>
                <td data-label="Paused for">{run.pause ? formatDuration(now - Date.parse(run.pause.createdAt)) : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
