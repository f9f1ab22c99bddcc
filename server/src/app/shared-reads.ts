import type { FlowRun } from "../domain/flow-run.js";
import type { RunFilter } from "./ports.js";

interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
}

/** Runs per batched query: an `$in` list this long stays a cheap primary-key query. */
const MAX_BATCH = 500;

/**
 * Reads of one kind that go out one query at a time: callers arriving while a query runs wait for it
 * to finish and share the next one, so a thousand callers cost two queries in flight at most, however
 * slow the store is. A caller never joins a query that has already started: every stream subscribes to
 * the event hub before it reads, so the query that answers it starts after its subscription, and no
 * change can fall between the two.
 */
class ReadQueue<T> {
  private waiting: Waiter<T>[] = [];
  private running = false;
  private scheduled = false;

  constructor(private readonly query: () => Promise<T>) {}

  read(): Promise<T> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.schedule();
    });
  }

  get idle(): boolean {
    return !this.running && !this.scheduled && this.waiting.length === 0;
  }

  private schedule(): void {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    // The next turn: callers of this turn (a burst of connections) share the query.
    setImmediate(() => this.run());
  }

  private run(): void {
    this.scheduled = false;
    const waiters = this.waiting;
    this.waiting = [];
    this.running = true;
    this.query().then(
      (value) => this.settle(waiters, (w) => w.resolve(value)),
      (err: unknown) => this.settle(waiters, (w) => w.reject(err)),
    );
  }

  private settle(waiters: Waiter<T>[], each: (w: Waiter<T>) => void): void {
    this.running = false;
    for (const w of waiters) each(w);
    if (this.waiting.length > 0) this.schedule();
  }
}

/**
 * The store reads streams make as they open, shared: a thousand streams opened at once (clients
 * reconnecting after a restart, a page of watchers) cost a handful of queries, not one each, and
 * streams of the same run or filter share the very same run objects, so an event is encoded once for
 * all of them (http/event-frames.ts).
 */
export class SharedReads {
  /** Run ids asked for and not yet read, and who waits on each. */
  private pendingRuns = new Map<string, Waiter<FlowRun | undefined>[]>();
  private readonly runBatches: ReadQueue<void>;
  private readonly lists = new Map<string, ReadQueue<readonly FlowRun[]>>();

  constructor(
    private readonly store: {
      get(id: string): Promise<FlowRun | undefined>;
      findByIds(ids: readonly string[]): Promise<FlowRun[]>;
      list(filter: RunFilter, offset: number, limit: number): Promise<FlowRun[]>;
    },
  ) {
    this.runBatches = new ReadQueue(() => this.readPendingRuns());
  }

  /** One run by id, read together with the others asked for meanwhile. */
  run(id: string): Promise<FlowRun | undefined> {
    return new Promise((resolve, reject) => {
      const waiters = this.pendingRuns.get(id);
      if (waiters) waiters.push({ resolve, reject });
      else this.pendingRuns.set(id, [{ resolve, reject }]);
      // Settles (and resolves the waiters above) when the batch holding this id has been read.
      this.runBatches.read().catch(() => undefined);
    });
  }

  /**
   * The newest `limit` runs matching `filter` (never to be modified: callers share the array), one
   * query for all the callers asking for the same filter meanwhile.
   */
  list(filter: RunFilter, limit: number): Promise<readonly FlowRun[]> {
    const key = JSON.stringify([filter, limit]);
    const queue = this.lists.get(key) ?? new ReadQueue<readonly FlowRun[]>(() => this.store.list(filter, 0, limit));
    this.lists.set(key, queue);
    const reading = queue.read();
    // Queues of filters nobody is reading go, so the map holds only filters in use.
    const forget = (): void => {
      if (queue.idle && this.lists.get(key) === queue) this.lists.delete(key);
    };
    reading.then(forget, forget);
    return reading;
  }

  /** Reads every pending id, in batches of MAX_BATCH, and answers their waiters. */
  private async readPendingRuns(): Promise<void> {
    const pending = this.pendingRuns;
    this.pendingRuns = new Map();
    const ids = [...pending.keys()];
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += MAX_BATCH) chunks.push(ids.slice(i, i + MAX_BATCH));
    await Promise.all(
      chunks.map(async (chunk) => {
        try {
          // A lone read stays the point lookup it always was.
          const found =
            chunk.length === 1 ? [await this.store.get(chunk[0]!)].filter((r) => r !== undefined) : await this.store.findByIds(chunk);
          const byId = new Map(found.map((r) => [r.id, r]));
          for (const id of chunk) for (const w of pending.get(id)!) w.resolve(byId.get(id));
        } catch (err) {
          for (const id of chunk) for (const w of pending.get(id)!) w.reject(err);
        }
      }),
    );
  }
}
