/**
 * The paused runs the signed-in principal may decide now (GET /api/runs?awaiting=me), for the header's
 * count and the "Awaiting me" page: read once, then again whenever a stream the page has open reports
 * a run entering, changing in or leaving PAUSED (RUN_EVENT), and when the tab comes back into view.
 * No stream of its own: the "Awaiting me" page opens one of paused runs, the runs list follows every
 * run, a run's page its run.
 */
import { createContext, useContext, useEffect, useRef, useState } from "react";
import { listAwaitingMe, type RunJson, type WatchEventJson } from "./api.ts";
import { RUN_EVENT } from "./use-event-stream.ts";

export interface AwaitingMe {
  /** Newest pause first; undefined until the first answer. */
  runs: RunJson[] | undefined;
  /** The last read's refusal or failure, if it failed (the runs shown are then the previous answer's). */
  error: string | undefined;
  /** Reads the list again (the Awaiting me page, when its stream (re)connects). */
  reload: () => void;
}

const NOTHING: AwaitingMe = { runs: undefined, error: undefined, reload: () => undefined };

export function useAwaitingMeState(enabled: boolean): AwaitingMe {
  const [answer, setAnswer] = useState<{ runs: RunJson[] | undefined; error: string | undefined }>({ runs: undefined, error: undefined });
  const reload = useRef<() => void>(() => undefined);
  // One function for the page's lifetime, whichever read it starts.
  const stableReload = useRef(() => reload.current()).current;

  useEffect(() => {
    setAnswer({ runs: undefined, error: undefined });
    if (!enabled) return;
    const controller = new AbortController();
    // One read at a time; changes that arrive meanwhile (a stream's first events describe every run
    // it follows) ask for one more read after it, not one each.
    let reading = false;
    let again = false;
    const read = async (): Promise<void> => {
      if (reading) {
        again = true;
        return;
      }
      reading = true;
      try {
        do {
          again = false;
          try {
            const page = await listAwaitingMe(controller.signal);
            if (!controller.signal.aborted) setAnswer({ runs: newestPauseFirst(page.runs), error: undefined });
          } catch (err) {
            if (controller.signal.aborted) return;
            setAnswer((prev) => ({ runs: prev.runs, error: err instanceof Error ? err.message : String(err) }));
          }
        } while (again && !controller.signal.aborted);
      } finally {
        reading = false;
      }
    };
    const onRunEvent = (e: Event): void => {
      const { run, previousState } = (e as CustomEvent<WatchEventJson>).detail;
      if (run.state?.type === "PAUSED" || previousState?.type === "PAUSED") void read();
    };
    const onVisible = (): void => {
      if (document.visibilityState === "visible") void read();
    };
    reload.current = () => void read();
    window.addEventListener(RUN_EVENT, onRunEvent);
    document.addEventListener("visibilitychange", onVisible);
    void read();
    return () => {
      controller.abort();
      reload.current = () => undefined;
      window.removeEventListener(RUN_EVENT, onRunEvent);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [enabled]);

  return enabled ? { ...answer, reload: stableReload } : NOTHING;
}

/** Newest pause first (the run's creation breaks ties), so the decision waited on least long is on top. */
function newestPauseFirst(runs: readonly RunJson[]): RunJson[] {
  const since = (r: RunJson): string => r.pause?.createdAt ?? r.state?.timestamp ?? r.createdAt;
  return [...runs].sort((a, b) => since(b).localeCompare(since(a)) || b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id));
}

export const AwaitingMeContext = createContext<AwaitingMe>(NOTHING);

export function useAwaitingMe(): AwaitingMe {
  return useContext(AwaitingMeContext);
}
