/**
 * LogService for tests: the generated grpc-js client with promises (`await logs.createLogs({...})`),
 * a watch as a StreamReader, and a helper that writes numbered lines to a run.
 */
import { credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import {
  CreateLogsRequest,
  ListLogsRequest,
  LogLevel,
  LogServiceClient,
  WatchLogsRequest,
  type CreateLogsResponse,
  type ListLogsResponse,
  type Log,
  type LogRecord,
  type WatchLogsResponse,
} from "@flowgate/contract/flowgate/v1/log_service.js";
import { StreamReader } from "./grpc-client.js";

export { LogLevel };

export interface TestLogClient {
  createLogs(req: Partial<Omit<CreateLogsRequest, "logs">> & { logs: Partial<LogRecord>[] }): Promise<CreateLogsResponse>;
  listLogs(req: Partial<ListLogsRequest>): Promise<ListLogsResponse>;
  watchLogs(req: Partial<WatchLogsRequest>): StreamReader<WatchLogsResponse>;
  /** Every record of the run (paging through ListLogs with `req`'s filter), in the order pages give them. */
  allLogs(req: Partial<ListLogsRequest>): Promise<Log[]>;
  /** Writes `count` INFO lines "line <from>" … to the run, in batches of `batchSize`. */
  writeLines(flowRunId: string, from: number, count: number, batchSize?: number, message?: (n: number) => string): Promise<void>;
  close(): void;
}

export function logClient(address: string, apiKey: string): TestLogClient {
  const client = new LogServiceClient(address, credentials.createInsecure());
  const metadata = (): Metadata => {
    const m = new Metadata();
    if (apiKey) m.set("authorization", `Bearer ${apiKey}`);
    return m;
  };
  const call = <Req, Res>(
    method: (req: Req, md: Metadata, opts: object, cb: (err: ServiceError | null, res: Res) => void) => unknown,
    req: Req,
  ): Promise<Res> =>
    new Promise((resolve, reject) => {
      method(req, metadata(), {}, (err, res) => (err ? reject(err) : resolve(res)));
    });
  const self: TestLogClient = {
    createLogs: (req) => call(client.createLogs.bind(client), CreateLogsRequest.fromPartial(req)),
    listLogs: (req) => call(client.listLogs.bind(client), ListLogsRequest.fromPartial(req)),
    watchLogs: (req) => new StreamReader(client.watchLogs(WatchLogsRequest.fromPartial(req), metadata())),
    allLogs: async (req) => {
      const out: Log[] = [];
      let pageToken = "";
      do {
        const page = await self.listLogs({ ...req, pageToken });
        out.push(...page.logs);
        pageToken = page.nextPageToken;
      } while (pageToken);
      return out;
    },
    writeLines: async (flowRunId, from, count, batchSize = 500, message = (n) => `line ${n}`) => {
      for (let start = from; start < from + count; start += batchSize) {
        const n = Math.min(batchSize, from + count - start);
        await self.createLogs({
          flowRunId,
          logs: Array.from({ length: n }, (_, i) => ({ level: LogLevel.LOG_LEVEL_INFO, message: message(start + i), logger: "test" })),
        });
      }
    },
    close: () => client.close(),
  };
  return self;
}
