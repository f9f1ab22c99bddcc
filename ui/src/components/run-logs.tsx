import { useEffect, useLayoutEffect, useRef, useState } from "react";
import { LOG_LEVELS, listTaskRuns, type LogJson, type LogLevelName } from "../api.ts";
import { useRunLogs, type LogStreamStatus } from "../use-run-logs.ts";

const LEVEL_CHOICES: Record<LogLevelName, string> = {
  debug: "Debug and above (all)",
  info: "Info and above",
  warning: "Warning and above",
  error: "Error and above",
  critical: "Critical only",
};

const STATUS_TEXT: Record<LogStreamStatus, string> = {
  loading: "Loading…",
  live: "Following new lines.",
  reconnecting: "Reconnecting…",
  failed: "Not following new lines.",
  ended: "The run is final: every line is shown.",
};

/**
 * A run's logs, oldest at the top and new lines arriving at the bottom (kept in view while the
 * reader is at the bottom), at a chosen level and above. Lines of a task run carry its name.
 */
export function RunLogs({ runId }: { runId: string }) {
  const [level, setLevel] = useState<LogLevelName>("debug");
  const logs = useRunLogs(runId, level);
  const names = useTaskRunNames(runId, logs.lines);
  const [loadingOlder, setLoadingOlder] = useState(false);

  // Stays at the bottom if it was there: a reader scrolled up to read is not pulled away.
  const box = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  useLayoutEffect(() => {
    const el = box.current;
    if (el && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [logs.lines]);

  const older = (): void => {
    setLoadingOlder(true);
    const el = box.current;
    const fromBottom = el ? el.scrollHeight - el.scrollTop : 0;
    void logs.loadOlder().finally(() => {
      setLoadingOlder(false);
      // The lines in view stay in view as older ones are added above them.
      requestAnimationFrame(() => {
        if (el) el.scrollTop = el.scrollHeight - fromBottom;
      });
    });
  };

  return (
    <section aria-labelledby="logs-heading" className="run-logs">
      <div className="section-header">
        <h2 id="logs-heading">Logs</h2>
        <label className="log-level-filter">
          Minimum level{" "}
          <select value={level} onChange={(e) => setLevel(e.target.value as LogLevelName)}>
            {LOG_LEVELS.map((l) => (
              <option key={l} value={l}>
                {LEVEL_CHOICES[l]}
              </option>
            ))}
          </select>
        </label>
      </div>
      {logs.error ? (
        <p role="alert" className="error">
          {logs.error}
        </p>
      ) : null}
      {logs.hasOlder ? (
        <button type="button" disabled={loadingOlder} onClick={older}>
          Load older lines
        </button>
      ) : logs.trimmedCount > 0 && logs.status !== "loading" ? (
        <p className="muted">The server no longer keeps this run&apos;s oldest {logs.trimmedCount} lines.</p>
      ) : null}
      {logs.status !== "loading" && logs.lines.length === 0 ? (
        <p className="empty">{level === "debug" ? "No lines yet." : "No lines at this level yet."}</p>
      ) : null}
      <div
        ref={box}
        className="log-lines"
        role="log"
        aria-label="Log lines, oldest first"
        // Scrollable, so reachable from the keyboard.
        tabIndex={0}
        hidden={logs.lines.length === 0}
        onScroll={(e) => {
          const el = e.currentTarget;
          atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 8;
        }}
      >
        <ol>
          {logs.lines.map((l) => (
            <LogLine key={l.sequence} line={l} taskRunName={l.taskRunId ? (names.get(l.taskRunId) ?? "task run") : undefined} />
          ))}
        </ol>
      </div>
      <p className="muted log-status">{STATUS_TEXT[logs.status]}</p>
    </section>
  );
}

function LogLine({ line, taskRunName }: { line: LogJson; taskRunName: string | undefined }) {
  const at = new Date(line.timestamp);
  return (
    <li className={`log-line log-${line.level.toLowerCase()}`} data-sequence={line.sequence}>
      <time dateTime={line.timestamp} title={at.toISOString()}>
        {at.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" })}
      </time>{" "}
      <span className="log-level">{line.level}</span> {taskRunName ? <span className="log-task">{taskRunName}</span> : null}{" "}
      <span className="log-message">{line.message}</span>
    </li>
  );
}

/**
 * Names of the task runs the lines mention, read (all of the run's task runs) whenever a line names
 * one not known yet; an id asked about once is not asked about again.
 */
function useTaskRunNames(runId: string, lines: readonly LogJson[]): Map<string, string> {
  const [names, setNames] = useState<{ runId: string; byId: Map<string, string> }>({ runId, byId: new Map() });
  const asked = useRef({ runId, ids: new Set<string>() });
  if (asked.current.runId !== runId) asked.current = { runId, ids: new Set() };
  const unknown = [...new Set(lines.flatMap((l) => (l.taskRunId && !asked.current.ids.has(l.taskRunId) ? [l.taskRunId] : [])))];
  const key = unknown.sort().join(",");
  useEffect(() => {
    if (!key) return;
    const ids = asked.current.ids;
    for (const id of key.split(",")) ids.add(id);
    // Not aborted when the next render finds nothing unknown (that is this read's doing): a reply
    // for another run is dropped instead.
    void (async () => {
      const found = new Map<string, string>();
      let pageToken = "";
      do {
        const page = await listTaskRuns(runId, pageToken);
        for (const t of page.taskRuns) found.set(t.id, t.name);
        pageToken = page.nextPageToken;
      } while (pageToken);
      setNames((prev) => (asked.current.ids === ids ? { runId, byId: found } : prev));
    })().catch(() => {
      // Without names, the lines still say they are a task run's; the next line asks again.
      for (const id of key.split(",")) ids.delete(id);
    });
  }, [runId, key]);
  return names.runId === runId ? names.byId : new Map<string, string>();
}
