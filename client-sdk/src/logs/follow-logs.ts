/**
 * Follows a run's log: what is stored after a point, then new lines as they come, until the run is
 * final and every line was sent. A dropped stream (a server restart) is reopened after the last
 * sequence number received, so nothing is missed or repeated.
 */
import { followStream } from "../runtime/follow-stream.js";
import type { FlowgateClient } from "../transport/flowgate-client.js";
import type { LogFilterParams, LogWatchMessage } from "./log-types.js";

export interface FollowLogsOptions extends LogFilterParams {
  /** Stops following; followLogs then resolves. */
  signal?: AbortSignal | undefined;
  /** Start after this sequence number (default 0: from the oldest stored). */
  afterSequence?: number | undefined;
  onReconnect?: ((attempt: number, cause: unknown) => void) | undefined;
}

/**
 * Hands each message to `onMessage`; resolves after the run's final message (`runFinal`) or when the
 * signal aborts. @throws FlowRunNotFoundError, and other failures a reconnect cannot mend
 */
export async function followLogs(
  client: FlowgateClient,
  flowRunId: string,
  onMessage: (m: LogWatchMessage) => void,
  opts: FollowLogsOptions = {},
): Promise<void> {
  let after = opts.afterSequence ?? 0;
  await followStream(
    (signal) => client.logs.watch({ flowRunId, taskRunId: opts.taskRunId, minLevel: opts.minLevel, afterSequence: after }, { signal }),
    (m) => {
      after = Math.max(after, m.lastSequence);
      onMessage(m);
      return m.runFinal ? "stop" : undefined;
    },
    { signal: opts.signal ?? new AbortController().signal, onReconnect: opts.onReconnect },
  );
}
