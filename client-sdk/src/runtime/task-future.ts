/** What `task.submit()` returns: the task is already running; this is how to wait for it. */
import { State } from "./state.js";

export class TaskFuture<R> {
  private current: State<R> = State.pending<R>();
  private readonly final: Promise<State<R>>;

  /** `run` reports RUNNING through `onRunning` and resolves with the final state (it never rejects). */
  constructor(run: (onRunning: () => void) => Promise<State<R>>) {
    this.final = run(() => {
      this.current = State.running<R>();
    }).then((s) => (this.current = s));
  }

  /** The state now: Pending, Running, then the final state. */
  get state(): State<R> {
    return this.current;
  }

  /** Waits for the final state; the signal stops the waiting, not the task. */
  wait(opts: { signal?: AbortSignal } = {}): Promise<State<R>> {
    const { signal } = opts;
    if (!signal) return this.final;
    signal.throwIfAborted();
    return new Promise((resolve, reject) => {
      // Rejects with the signal's reason as given, like throwIfAborted() above and every other SDK wait.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the reason is the caller's to choose
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      void this.final.then((s) => {
        signal.removeEventListener("abort", onAbort);
        resolve(s);
      });
    });
  }

  /** Waits and returns the value. @throws the task's error when it failed */
  async result(opts: { signal?: AbortSignal } = {}): Promise<R> {
    return (await this.wait(opts)).result();
  }
}

/** What `waitFor` accepts: futures, or any promise. */
export type Waitable = TaskFuture<unknown> | PromiseLike<unknown>;

/** Waits for each dependency; resolves false if any failed. */
export async function dependenciesCompleted(waitFor: readonly Waitable[], signal?: AbortSignal): Promise<boolean> {
  let ok = true;
  for (const w of waitFor) {
    if (w instanceof TaskFuture) {
      if (!(await w.wait(signal ? { signal } : {})).isCompleted()) ok = false;
    } else {
      try {
        await w;
      } catch {
        ok = false;
      }
    }
  }
  return ok;
}
