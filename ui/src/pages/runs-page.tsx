import { useEffect, useRef, useState, type ChangeEvent } from "react";
import { allEventsUrl, getRunCounts, listRuns, STATE_TYPES, type RunCountsJson, type RunJson, type StateTypeName } from "../api.ts";
import { LiveIndicator } from "../components/live-indicator.tsx";
import { RunFilterForm } from "../components/run-filter-form.tsx";
import { StateBadge } from "../components/state-badge.tsx";
import { filtersFromSearch, matches, pathWith, runTimes, type RunFilters } from "../run-filters.ts";
import { Link, navigate } from "../router.tsx";
import { formatDuration, formatTimestamp, useNow } from "../time.ts";
import { useEventStream } from "../use-event-stream.ts";

interface Loaded {
  /** The filters (as a query string) these runs were read for. */
  key: string;
  byId: Map<string, RunJson>;
  /** The next page's token; "" when every matching run is loaded. */
  nextPageToken: string;
  loading: boolean;
  error: string | undefined;
}

/**
 * Flow runs, newest first, a page at a time ("Load more" reads the next), filtered by the address's
 * query and kept current by the event stream: runs shown change state in place, new matching runs
 * appear on top, and the counts by state follow.
 */
export function RunsPage() {
  const filters = filtersFromSearch(window.location.search);
  const key = `${filters.params.toString()}|${filters.pageSize}`;
  const [loaded, setLoaded] = useState<Loaded>({ key, byId: new Map(), nextPageToken: "", loading: true, error: undefined });
  const counts = useRunCounts(filters);

  const load = (pageToken: string, signal?: AbortSignal): void => {
    setLoaded((prev) => ({ ...prev, loading: true, error: undefined }));
    listRuns(filters.params, filters.pageSize, pageToken, signal).then(
      (page) =>
        setLoaded((prev) => {
          if (prev.key !== key) return prev;
          const byId = new Map(pageToken ? prev.byId : []);
          for (const run of page.runs) if ((byId.get(run.id)?.version ?? 0) < run.version) byId.set(run.id, run);
          return { key, byId, nextPageToken: page.nextPageToken, loading: false, error: undefined };
        }),
      (err: unknown) => {
        if (signal?.aborted) return;
        setLoaded((prev) =>
          prev.key === key ? { ...prev, loading: false, error: err instanceof Error ? err.message : String(err) } : prev,
        );
      },
    );
  };
  useEffect(() => {
    const controller = new AbortController();
    setLoaded({ key, byId: new Map(), nextPageToken: "", loading: true, error: undefined });
    load("", controller.signal);
    return () => controller.abort();
  }, [key]);

  const url = allEventsUrl([], withoutState(filters.params));
  const status = useEventStream(url, (e) => {
    setLoaded((prev) => {
      if (prev.key !== key) return prev;
      const known = prev.byId.get(e.run.id);
      // The stream first sends the newest runs it has: only those already read here are updated, so
      // paging stays in step with the list; a run created later is new, and goes on top.
      if (!known && (e.initial || !matches(e.run, { ...filters, state: undefined }))) return prev;
      if (known && known.version >= e.run.version) return prev;
      const byId = new Map(prev.byId);
      byId.set(e.run.id, e.run);
      return { ...prev, byId };
    });
    // Counts change with a new run or a change of state type (not with a new approval, say).
    if (!e.initial && e.previousState?.type !== e.run.state?.type) counts.refresh();
  });
  const now = useNow();
  const shown = loaded.key === key ? [...loaded.byId.values()] : [];
  const rows = shown
    // A run that left the filtered state stays known (it may come back), but is not shown.
    .filter((r) => !filters.state || r.state?.type === filters.state)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id));
  const filtered = [...filters.params.keys()].some((k) => k !== "state");

  const onState = (e: ChangeEvent<HTMLSelectElement>): void => navigate(pathWith(window.location.search, { state: e.target.value }));

  return (
    <main className="wide">
      <div className="page-header">
        <h1>Flow runs</h1>
        <LiveIndicator status={status} />
      </div>
      <RunFilterForm filters={filters} />
      <div className="toolbar">
        <label htmlFor="state-filter">State</label>
        <select id="state-filter" value={filters.state ?? ""} onChange={onState}>
          <option value="">All states</option>
          {STATE_TYPES.map((t) => (
            <option key={t} value={t}>
              {title(t)}
            </option>
          ))}
        </select>
      </div>
      <StateCounts counts={counts.value} current={filters.state} />
      {loaded.error ? (
        <p role="alert" className="error">
          {loaded.error}
        </p>
      ) : null}
      {rows.length === 0 ? (
        <p className="empty">{emptyText(loaded.loading, filters, filtered)}</p>
      ) : (
        <table className="runs">
          <caption className="visually-hidden">Flow runs, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Flow</th>
              <th scope="col">State</th>
              <th scope="col">Started</th>
              <th scope="col">Duration</th>
              <th scope="col">In state for</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((run) => {
              const { startedAt, duration } = runTimes(run, now);
              return (
                <tr key={run.id} data-run-id={run.id}>
                  <td data-label="Run">
                    <Link href={`/runs/${run.id}`}>{run.name}</Link>
                  </td>
                  <td data-label="Flow">{run.flowName}</td>
                  <td data-label="State">
                    <StateBadge state={run.state} />
                  </td>
                  <td data-label="Started">{startedAt ? formatTimestamp(startedAt) : "—"}</td>
                  <td data-label="Duration">{duration === undefined ? "—" : formatDuration(duration)}</td>
                  <td data-label="In state for">{run.state ? formatDuration(now - Date.parse(run.state.timestamp)) : "—"}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <p className="paging">
        <span className="muted" aria-live="polite">
          {rows.length > 0
            ? `Showing ${rows.length}${counts.value ? ` of ${filters.state ? counts.value.counts[filters.state] : counts.value.total}` : ""}`
            : ""}
        </span>
        {loaded.nextPageToken ? (
          <button type="button" disabled={loaded.loading} onClick={() => load(loaded.nextPageToken)}>
            {loaded.loading ? "Loading…" : "Load more"}
          </button>
        ) : null}
      </p>
    </main>
  );
}

/** "All 12 · Running 3 · Paused 1": each a link to the list in that state (the other filters kept). */
function StateCounts({ counts, current }: { counts: RunCountsJson | undefined; current: StateTypeName | undefined }) {
  if (!counts) return null;
  const present = STATE_TYPES.filter((t) => counts.counts[t] > 0);
  return (
    <nav aria-label="Run counts" className="state-counts">
      <ul>
        <li>
          <Link href={pathWith(window.location.search, { state: "" })} aria-current={current ? undefined : "true"} data-count-state="ALL">
            All <span className="count">{counts.total}</span>
          </Link>
        </li>
        {present.map((t) => (
          <li key={t}>
            <Link
              href={pathWith(window.location.search, { state: t })}
              aria-current={current === t ? "true" : undefined}
              data-count-state={t}
            >
              {title(t)} <span className="count">{counts.counts[t]}</span>
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** The counts for the filters (state aside), read again shortly after runs change, at most one read at a time. */
function useRunCounts(filters: RunFilters): { value: RunCountsJson | undefined; refresh: () => void } {
  const key = withoutState(filters.params).toString();
  const [value, setValue] = useState<{ key: string; counts: RunCountsJson } | undefined>();
  const [generation, setGeneration] = useState(0);
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => {
    const controller = new AbortController();
    getRunCounts(new URLSearchParams(key), controller.signal).then(
      (counts) => setValue({ key, counts }),
      () => undefined,
    );
    return () => controller.abort();
  }, [key, generation]);
  useEffect(() => () => clearTimeout(pending.current), []);
  const refresh = (): void => {
    // Coalesced: a burst of changes (many runs starting at once) costs one read a second at most,
    // the store counting every matching run each time.
    if (pending.current !== undefined) return;
    pending.current = setTimeout(() => {
      pending.current = undefined;
      setGeneration((g) => g + 1);
    }, 1000);
  };
  return { value: value?.key === key ? value.counts : undefined, refresh };
}

function withoutState(params: URLSearchParams): URLSearchParams {
  const q = new URLSearchParams(params);
  q.delete("state");
  return q;
}

function title(t: StateTypeName): string {
  return t.charAt(0) + t.slice(1).toLowerCase();
}

function emptyText(loading: boolean, filters: RunFilters, filtered: boolean): string {
  if (loading) return "Loading…";
  if (filtered) return "No runs match these filters.";
  return filters.state ? `No ${filters.state.toLowerCase()} runs.` : "No flow runs yet.";
}
