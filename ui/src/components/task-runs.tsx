import { useEffect, useState } from "react";
import { listTaskRuns, type TaskRunJson } from "../api.ts";
import { formatDuration, formatTimestamp, useNow } from "../time.ts";
import { StateBadge } from "./state-badge.tsx";

/**
 * A run's task runs, oldest first: name, state, start, duration, whether the result came from the
 * cache, and how many times each ran. Read again whenever the run changes (`version`), or on Refresh.
 */
export function TaskRuns({ runId, version }: { runId: string; version: number }) {
  const [taskRuns, setTaskRuns] = useState<TaskRunJson[] | undefined>();
  const [nextPageToken, setNextPageToken] = useState("");
  const [error, setError] = useState<string | undefined>();
  const [generation, setGeneration] = useState(0);
  const now = useNow();
  useEffect(() => {
    const controller = new AbortController();
    listTaskRuns(runId, "", controller.signal).then(
      (page) => {
        setTaskRuns(page.taskRuns);
        setNextPageToken(page.nextPageToken);
        setError(undefined);
      },
      (err: unknown) => {
        if (!controller.signal.aborted) setError(err instanceof Error ? err.message : String(err));
      },
    );
    return () => controller.abort();
  }, [runId, version, generation]);
  const more = (): void => {
    listTaskRuns(runId, nextPageToken).then(
      (page) => {
        setTaskRuns((prev) => [...(prev ?? []), ...page.taskRuns]);
        setNextPageToken(page.nextPageToken);
      },
      (err: unknown) => setError(err instanceof Error ? err.message : String(err)),
    );
  };

  return (
    <section aria-labelledby="task-runs-heading">
      <div className="section-header">
        <h2 id="task-runs-heading">Task runs</h2>
        <button type="button" onClick={() => setGeneration((g) => g + 1)}>
          Refresh
        </button>
      </div>
      {error ? (
        <p role="alert" className="error">
          {error}
        </p>
      ) : null}
      {taskRuns === undefined ? (
        <p className="empty">Loading…</p>
      ) : taskRuns.length === 0 ? (
        <p className="empty">None.</p>
      ) : (
        <table className="runs task-runs">
          <caption className="visually-hidden">Task runs, oldest first</caption>
          <thead>
            <tr>
              <th scope="col">Task</th>
              <th scope="col">State</th>
              <th scope="col">Started</th>
              <th scope="col">Duration</th>
              <th scope="col">Result</th>
              <th scope="col">Runs</th>
            </tr>
          </thead>
          <tbody>
            {taskRuns.map((t) => (
              <tr key={t.id} data-task-run-id={t.id}>
                <td data-label="Task">{t.name}</td>
                <td data-label="State">
                  <StateBadge state={t.state} />
                </td>
                <td data-label="Started">{formatTimestamp(t.startedAt)}</td>
                <td data-label="Duration">{formatDuration((t.endedAt ? Date.parse(t.endedAt) : now) - Date.parse(t.startedAt))}</td>
                <td data-label="Result">{t.cached ? "Cached" : t.hasResult ? "Stored" : "—"}</td>
                <td data-label="Runs">{t.runCount > 1 ? `${t.runCount} (${t.runCount - 1} retried)` : t.runCount}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {nextPageToken ? (
        <button type="button" onClick={more}>
          Load more task runs
        </button>
      ) : null}
    </section>
  );
}
