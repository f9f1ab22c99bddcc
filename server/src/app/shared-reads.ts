import type { FlowRun } from "../domain/flow-run.js";
import type { RunFilter } from "./ports.js";

interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
}

/** Runs per batched query: an `$in` list this long stays a cheap primary-key query. */
const MAX_BATCH = 500;

/**
 * The store reads streams make as they open, shared: a thousand streams opened at once (clients
 * reconnecting after a restart, a page of watchers) cost a handful of queries, not one each, and
 * streams of the same run or filter share the very same run objects, so an event is encoded once for
 * all of them (http/event-frames.ts).
 *
 * A read joins a batch only until the batch's query starts (the next turn of the event loop), never
 * one already under way: every stream subscribes to the event hub before it reads, so the query that
 * answers it always starts after its subscription, and no change can fall between the two.
 */
export class SharedReads {
  private runs = new Map<string, Waiter<FlowRun | undefined>[]>();
  private lists = new Map<string, { filter: RunFilter; limit: number; waiters: Waiter<readonly FlowRun[]>[] }>();
  private scheduled = false;

  constructor(
    private readonly store: {
      get(id: string): Promise<FlowRun | undefined>;
      findByIds(ids: readonly string[]): Promise<FlowRun[]>;
      list(filter: RunFilter, offset: number, limit: number): Promise<FlowRun[]>;
    },
  ) {}

  /** One run by id, read together with the others asked for in the same turn. */
  run(id: string): Promise<FlowRun | undefined> {
    return new Promise((resolve, reject) => {
      const waiters = this.runs.get(id);
      if (waiters) waiters.push({ resolve, reject });
      else this.runs.set(id, [{ resolve, reject }]);
      this.schedule();
    });
  }

  /**
   * The newest `limit` runs matching `filter` (never to be modified: callers share the array), one
   * query for every caller asking for the same filter in the same turn.
   */
  list(filter: RunFilter, limit: number): Promise<readonly FlowRun[]> {
    const key = JSON.stringify([filter, limit]);
    return new Promise((resolve, reject) => {
      const entry = this.lists.get(key);
      if (entry) entry.waiters.push({ resolve, reject });
      else this.lists.set(key, { filter, limit, waiters: [{ resolve, reject }] });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const runs = this.runs;
    const lists = this.lists;
    this.runs = new Map();
    this.lists = new Map();
    const ids = [...runs.keys()];
    for (let i = 0; i < ids.length; i += MAX_BATCH) {
      const chunk = ids.slice(i, i + MAX_BATCH);
      // A lone read stays the point lookup it always was.
      const read = chunk.length === 1 ? this.store.get(chunk[0]!).then((r) => (r ? [r] : [])) : this.store.findByIds(chunk);
      read.then(
        (found) => {
          const byId = new Map(found.map((r) => [r.id, r]));
          for (const id of chunk) for (const w of runs.get(id)!) w.resolve(byId.get(id));
        },
        (err: unknown) => {
          for (const id of chunk) for (const w of runs.get(id)!) w.reject(err);
        },
      );
    }
    for (const { filter, limit, waiters } of lists.values()) {
      this.store.list(filter, 0, limit).then(
        (found) => {
          for (const w of waiters) w.resolve(found);
        },
        (err: unknown) => {
          for (const w of waiters) w.reject(err);
        },
      );
    }
  }
}
