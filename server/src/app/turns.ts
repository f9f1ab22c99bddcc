/**
 * Turns at a record: the writers of one record on this server go one at a time, first come first
 * served, and each may decide from the record as an earlier turn last read or wrote it, when that read
 * or write began after the writer arrived. Such a copy was current at a moment inside the writer's own
 * call, so a decision that changes nothing is as right as if the writer had read the record itself; a
 * decision that changes something is still guarded by the store's version check.
 */
interface Waiter {
  resolve: () => void;
}

interface Lane {
  busy: boolean;
  /** Writers waiting for this lane, in arrival order. */
  waiting: Waiter[];
  /** The record as last read or written here, and the tick at which that read or write began. */
  seen?: { value: unknown; since: number } | undefined;
}

export class Turns {
  private readonly lanes = new Map<string, Lane>();
  /** Orders arrivals and observations on this server; only ever compared, never read as time. */
  private tick = 0;

  /** Waits for the turn at `key`; rejects with the signal's reason if it aborts first. */
  async take<S>(key: string, signal?: AbortSignal): Promise<Turn<S>> {
    signal?.throwIfAborted();
    const arrived = ++this.tick;
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { busy: false, waiting: [] };
      this.lanes.set(key, lane);
    }
    if (lane.busy) await this.queue(lane, signal);
    lane.busy = true;
    const held = lane;
    return new Turn<S>(
      held,
      arrived,
      () => ++this.tick,
      () => this.pass(key, held),
    );
  }

  /** Hands the lane straight to the next writer, or forgets it when nobody waits. */
  private pass(key: string, lane: Lane): void {
    const next = lane.waiting.shift();
    if (next) return next.resolve();
    lane.busy = false;
    // Whoever comes next arrives after every observation made so far, so none of them is of use to it.
    if (this.lanes.get(key) === lane) this.lanes.delete(key);
  }

  /** The number of records with writers at them (for tests of the bookkeeping). */
  get size(): number {
    return this.lanes.size;
  }

  private queue(lane: Lane, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const i = lane.waiting.indexOf(waiter);
        if (i < 0) return;
        lane.waiting.splice(i, 1);
        reject(signal!.reason as Error);
      };
      const waiter: Waiter = {
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      lane.waiting.push(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}

/** One writer's turn at a record. */
export class Turn<S> {
  private released = false;

  /** @param lane the record's lane, held by this turn; @param pass hands it on */
  constructor(
    private readonly lane: { seen?: { value: unknown; since: number } | undefined },
    private readonly arrived: number,
    private readonly nextTick: () => number,
    private readonly pass: () => void,
  ) {}

  /** The record as an earlier read or write saw it, if that began after this writer arrived. */
  seen(): S | undefined {
    const seen = this.lane.seen;
    return seen && seen.since > this.arrived ? (seen.value as S) : undefined;
  }

  /** Runs a read or write of the record and keeps what it saw (nothing, when it yields undefined or fails). */
  async observe<V extends S | undefined>(work: () => Promise<V>): Promise<V> {
    const since = this.nextTick();
    this.lane.seen = undefined;
    try {
      const value = await work();
      if (value !== undefined) this.lane.seen = { value, since };
      return value;
    } catch (err) {
      this.lane.seen = undefined;
      throw err;
    }
  }

  /** Lets the next writer go; a second call does nothing. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.pass();
  }
}
