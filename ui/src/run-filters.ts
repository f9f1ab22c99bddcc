/**
 * The runs list's filters live in the page's query string (so a filtered view can be shared as a
 * link), under the same names GET /api/runs takes them.
 */
import { isFinalState, STATE_TYPES, type RunJson, type StateTypeName } from "./api.ts";

export const FILTER_NAMES = ["state", "flow", "deployment", "search", "createdAfter", "createdBefore"] as const;
export type FilterName = (typeof FILTER_NAMES)[number];

/** Runs per page; `?pageSize=` overrides it (up to the server's 500). */
export const DEFAULT_PAGE_SIZE = 100;

export interface RunFilters {
  state: StateTypeName | undefined;
  /** Only the filters, as the API takes them: the list, the counts and the stream use the same. */
  params: URLSearchParams;
  pageSize: number;
}

export function filtersFromSearch(search: string): RunFilters {
  const q = new URLSearchParams(search);
  const params = new URLSearchParams();
  for (const name of FILTER_NAMES) {
    const value = q.get(name)?.trim();
    if (value) params.set(name, value);
  }
  const stateText = params.get("state")?.toUpperCase();
  const state = STATE_TYPES.find((t) => t === stateText);
  if (state) params.set("state", state);
  else params.delete("state");
  const size = Number(q.get("pageSize"));
  return { state, params, pageSize: Number.isInteger(size) && size >= 1 && size <= 500 ? size : DEFAULT_PAGE_SIZE };
}

/** The list's path with `changes` applied (an empty value removes a filter); the page size is kept. */
export function pathWith(search: string, changes: Partial<Record<FilterName, string>>): string {
  const q = new URLSearchParams(search);
  for (const [name, value] of Object.entries(changes)) {
    if (value) q.set(name, value);
    else q.delete(name);
  }
  q.delete("pageToken");
  const text = q.toString();
  return text ? `/?${text}` : "/";
}

/** An ISO time as a datetime-local input shows it (the browser's time zone), and back. */
export function isoToLocalInput(iso: string | null): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const pad = (n: number): string => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function localInputToIso(local: string): string {
  if (!local) return "";
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? "" : d.toISOString();
}

/** Whether a run (from the live stream) belongs in the list as filtered: the server's rules, for runs that change. */
export function matches(run: RunJson, filters: RunFilters): boolean {
  const p = filters.params;
  if (filters.state && run.state?.type !== filters.state) return false;
  if (p.get("flow") && run.flowName !== p.get("flow")) return false;
  if (p.get("deployment") && run.deploymentId !== p.get("deployment")) return false;
  const search = p.get("search");
  if (search && !run.name.toLowerCase().includes(search.toLowerCase())) return false;
  const after = p.get("createdAfter");
  if (after && Date.parse(run.createdAt) < Date.parse(after)) return false;
  const before = p.get("createdBefore");
  if (before && Date.parse(run.createdAt) >= Date.parse(before)) return false;
  return true;
}

/** When the run first ran, and for how long it ran (until its final state, or until now). */
export function runTimes(run: RunJson, now: number): { startedAt: string | undefined; duration: number | undefined } {
  const startedAt = run.startedAt ?? undefined;
  if (!startedAt) return { startedAt, duration: undefined };
  const final = run.state && isFinalState(run.state.type) ? run.state.timestamp : undefined;
  return { startedAt, duration: (final ? Date.parse(final) : now) - Date.parse(startedAt) };
}
