import type { StateJson } from "./api.ts";

/**
 * The states a run page has learnt the run left, oldest first: from the run's own read (GET
 * /api/runs/:id answers its latest 100) and from each event's `previousState`, in whatever order they
 * arrive. Each state once (by id), ordered by when it began, the latest `limit`.
 */
export function withPastStates(known: readonly StateJson[], learnt: readonly StateJson[], limit = 100): StateJson[] {
  const byId = new Map(known.map((s) => [s.id, s]));
  for (const s of learnt) byId.set(s.id, s);
  return [...byId.values()].sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp)).slice(-limit);
}

/** The past states of `current`'s run: every one but the state it is in now (a run can be read mid-change). */
export function pastOf(history: readonly StateJson[], current: StateJson | null): StateJson[] {
  return current ? history.filter((s) => s.id !== current.id) : [...history];
}
