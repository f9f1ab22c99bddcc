import { useCallback, useEffect, useState } from "react";
import { getRunAudit, type AuditEntryJson, type RunJson, type StateJson } from "./api.ts";

/** The newest entries read: a run's page shows its latest 100 states, each made by at most one call. */
const PAGE_SIZE = 100;
/** Waits before asking again for an entry the trail does not have yet (see below), in ms. */
const RETRY_DELAYS_MS = [250, 500, 1000, 2000, 4000];

/**
 * The run's audit trail, newest first, read again whenever the run changes (`run.version`) or when
 * `refresh` is called (after this page's own action: its reply comes after the entry is written).
 *
 * The server tells open pages of a change as soon as it is stored, and writes the call's audit entry
 * just after: a page that reads the trail on the change's event can be a moment early. There is no
 * event for the entry itself, so when the run's state follows a pause and was made by a call (not by
 * the server), yet no entry names it, the trail is read again a few times with growing waits.
 */
export function useRunAudit(run: RunJson | undefined, previous: StateJson | undefined): { entries: AuditEntryJson[]; refresh: () => void } {
  const [entries, setEntries] = useState<AuditEntryJson[]>([]);
  const [nonce, setNonce] = useState(0);
  const refresh = useCallback(() => setNonce((n) => n + 1), []);
  const runId = run?.id;
  const version = run?.version;
  const awaited = run ? stateAwaitingEntry(run, previous) : undefined;

  useEffect(() => {
    setEntries([]);
  }, [runId]);

  useEffect(() => {
    if (runId === undefined) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = (attempt: number): void => {
      getRunAudit(runId, PAGE_SIZE, controller.signal).then(
        (page) => {
          if (controller.signal.aborted) return;
          setEntries(page.entries);
          const delay = RETRY_DELAYS_MS[attempt];
          if (awaited && delay !== undefined && !page.entries.some((e) => e.stateAfter?.id === awaited)) {
            timer = setTimeout(() => read(attempt + 1), delay);
          }
        },
        // The timeline still names who caused each state (the run's own `by`); only the details wait.
        () => undefined,
      );
    };
    read(0);
    return () => {
      controller.abort();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [runId, version, nonce, awaited]);

  return { entries, refresh };
}

/** The id of the run's current state when a call's audit entry should name it: a call (not the server) ended a pause. */
function stateAwaitingEntry(run: RunJson, previous: StateJson | undefined): string | undefined {
  const state = run.state;
  if (!state?.by || state.by.channel === "server" || state.type === "PAUSED" || previous?.type !== "PAUSED") return undefined;
  return state.id;
}
