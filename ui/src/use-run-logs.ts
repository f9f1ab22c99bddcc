import { useCallback, useEffect, useReducer, useRef, useState } from "react";
import { listRunLogs, runLogEventsUrl, type LogEventJson, type LogJson, type LogLevelName } from "./api.ts";

/** Lines kept while following: past this, the oldest go (Load older brings them back). */
export const MAX_LINES = 2_000;
const PAGE_SIZE = 200;
/** Pages read when looking for the lines just before the oldest kept one (after they were dropped). */
const SCAN_PAGE_SIZE = 1_000;

/** "ended": the run is final and every line was sent; nothing more will come. */
export type LogStreamStatus = "loading" | "live" | "reconnecting" | "failed" | "ended";

interface LogView {
  /** Oldest first. */
  lines: LogJson[];
  /** Continues newest-first paging before `lines[0]`; "" when there is none (or it no longer fits, below). */
  olderToken: string;
  /** Lines before `lines[0]` were dropped to stay within `limit`: `olderToken` does not follow on from it. */
  droppedOlder: boolean;
  /** Lines kept: MAX_LINES, or more once a person asked for older ones. */
  limit: number;
  /** How many of the run's oldest lines the server no longer keeps. */
  trimmedCount: number;
}

type Action =
  | { kind: "reset" }
  | { kind: "first"; newestFirst: LogJson[]; token: string; trimmedCount: number }
  | { kind: "live"; lines: LogJson[] }
  | { kind: "older"; newestFirst: LogJson[]; token: string };

const EMPTY: LogView = { lines: [], olderToken: "", droppedOlder: false, limit: MAX_LINES, trimmedCount: 0 };

function reduce(view: LogView, a: Action): LogView {
  switch (a.kind) {
    case "reset":
      return EMPTY;
    case "first":
      return { ...EMPTY, lines: [...a.newestFirst].reverse(), olderToken: a.token, trimmedCount: a.trimmedCount };
    case "live": {
      const lines = [...view.lines, ...a.lines];
      if (lines.length <= view.limit) return { ...view, lines };
      return { ...view, lines: lines.slice(lines.length - view.limit), olderToken: "", droppedOlder: true };
    }
    case "older": {
      const lines = [...[...a.newestFirst].reverse(), ...view.lines];
      // Asked for: kept, whatever the limit; following new lines then drops from the top down to this.
      return { ...view, lines, olderToken: a.token, droppedOlder: false, limit: Math.max(view.limit, lines.length) };
    }
  }
}

export interface RunLogs {
  lines: LogJson[];
  status: LogStreamStatus;
  error: string | undefined;
  /** Older lines can be read (Load older). */
  hasOlder: boolean;
  trimmedCount: number;
  loadOlder(): Promise<void>;
}

/**
 * A run's log lines at `level` and above: the newest page, then new lines as the server stores them
 * (Server-Sent Events from the page's last sequence number), at most MAX_LINES of them in memory.
 * The stream is closed at its `end` event (the run is final and every line was sent), before the
 * server's close, so EventSource does not take that for a drop and reconnect: a browser has six
 * connections per server, and the run page already holds one for the run.
 */
export function useRunLogs(runId: string, level: LogLevelName): RunLogs {
  const [view, dispatch] = useReducer(reduce, EMPTY);
  const [status, setStatus] = useState<LogStreamStatus>("loading");
  const [error, setError] = useState<string | undefined>();
  // Which (run, level) the answers in flight are for: a late one for an earlier choice is dropped.
  const generation = useRef(0);
  const viewRef = useRef(view);
  viewRef.current = view;

  useEffect(() => {
    const gen = ++generation.current;
    const controller = new AbortController();
    let source: EventSource | undefined;
    dispatch({ kind: "reset" });
    setStatus("loading");
    setError(undefined);
    listRunLogs(runId, { level, pageSize: PAGE_SIZE, pageToken: "" }, controller.signal).then(
      (page) => {
        if (gen !== generation.current) return;
        dispatch({ kind: "first", newestFirst: page.logs, token: page.nextPageToken, trimmedCount: page.trimmedCount });
        // The newest sequence number seen: a reconnection replays from the URL's `after`, so what
        // was already shown is skipped here.
        let seen = page.lastSequence;
        const es = new EventSource(runLogEventsUrl(runId, level, page.lastSequence));
        source = es;
        const take = (m: MessageEvent<string>): void => {
          const e = JSON.parse(m.data) as LogEventJson;
          const fresh = e.logs.filter((l) => l.sequence > seen);
          seen = Math.max(seen, e.lastSequence);
          if (fresh.length > 0) dispatch({ kind: "live", lines: fresh });
        };
        es.addEventListener("open", () => setStatus("live"));
        es.addEventListener("error", () => setStatus(es.readyState === EventSource.CLOSED ? "failed" : "reconnecting"));
        es.addEventListener("logs", (m) => take(m as MessageEvent<string>));
        es.addEventListener("end", (m) => {
          take(m as MessageEvent<string>);
          es.close();
          setStatus("ended");
        });
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setError(err instanceof Error ? err.message : String(err));
        setStatus("failed");
      },
    );
    return () => {
      controller.abort();
      source?.close();
    };
  }, [runId, level]);

  const loadOlder = useCallback(async (): Promise<void> => {
    const gen = generation.current;
    const current = viewRef.current;
    try {
      if (current.olderToken) {
        const page = await listRunLogs(runId, { level, pageSize: PAGE_SIZE, pageToken: current.olderToken });
        if (gen === generation.current) dispatch({ kind: "older", newestFirst: page.logs, token: page.nextPageToken });
        return;
      }
      if (!current.droppedOlder || current.lines.length === 0) return;
      // The lines just before the oldest kept one were dropped: page down from the newest to them.
      const oldestKept = current.lines[0]!.sequence;
      let pageToken = "";
      for (;;) {
        const page = await listRunLogs(runId, { level, pageSize: SCAN_PAGE_SIZE, pageToken });
        if (gen !== generation.current) return;
        const older = page.logs.filter((l) => l.sequence < oldestKept);
        if (older.length > 0 || !page.nextPageToken) {
          dispatch({ kind: "older", newestFirst: older, token: page.nextPageToken });
          return;
        }
        pageToken = page.nextPageToken;
      }
    } catch (err) {
      if (gen === generation.current) setError(err instanceof Error ? err.message : String(err));
    }
  }, [runId, level]);

  return {
    lines: view.lines,
    status,
    error,
    hasOlder: view.olderToken !== "" || view.droppedOlder,
    trimmedCount: view.trimmedCount,
    loadOlder,
  };
}
