/** Following a server stream for as long as it is wanted, across drops. */
import { isTransientError } from "../errors.js";
import { backoffMs, sleep } from "./abortable.js";

/**
 * Reads the stream `open` starts, handing each event to `onEvent` until it returns "stop" or `signal`
 * aborts. A dropped or ended stream is reopened with backoff; the watches resend the current state
 * first, so nothing is missed. A failure that retrying cannot mend (not found, refused) is thrown.
 */
export async function followStream<E>(
  open: (signal: AbortSignal) => AsyncIterable<E>,
  onEvent: (e: E) => "stop" | void,
  signal: AbortSignal,
): Promise<void> {
  for (let failures = 0; !signal.aborted; ) {
    try {
      for await (const e of open(signal)) {
        failures = 0;
        if (onEvent(e) === "stop") return;
      }
    } catch (err) {
      if (signal.aborted) return;
      if (!isTransientError(err)) throw err;
    }
    await sleep(backoffMs(failures++, 100, 5_000), signal).catch(() => undefined);
  }
}
