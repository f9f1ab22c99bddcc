/**
 * The floor under a held WaitForResume stream: what grpc-js and Node's HTTP/2 (nghttp2) spend per
 * open server stream when the handler does nothing but send one response and hold the call. Same
 * message type, same server options, no Flowgate code; the server runs in a child process with
 * bench/memory-probe.mjs, measured like bench/held-streams.ts.
 *
 *   node --import tsx bench/grpc-stream-floor.ts      (FLOWGATE_BENCH_STREAMS=2000 by default)
 */
import { fork } from "node:child_process";
import { createInterface } from "node:readline";
import { credentials, Server, ServerCredentials, type ServerWritableStream } from "@grpc/grpc-js";
import {
  RunServiceClient,
  RunServiceService,
  WaitForResumeRequest,
  WaitForResumeResponse,
  WaitEventType,
} from "@flowgate/contract/flowgate/v1/run_service.js";
import { StreamReader } from "../test/support/grpc-client.js";

const N = Number(process.env["FLOWGATE_BENCH_STREAMS"] ?? 2000);

if (process.argv[2] === "serve") {
  const server = new Server({ "grpc.keepalive_time_ms": 30_000, "grpc.keepalive_permit_without_calls": 1 });
  const held = new Set<ServerWritableStream<unknown, WaitForResumeResponse>>();
  // Only the one method; grpc-js answers the others UNIMPLEMENTED.
  server.addService(RunServiceService, {
    waitForResume: (call: ServerWritableStream<unknown, WaitForResumeResponse>) => {
      held.add(call);
      call.on("cancelled", () => held.delete(call));
      call.write(WaitForResumeResponse.fromPartial({ type: WaitEventType.WAIT_EVENT_TYPE_HEARTBEAT, key: "1", sentAt: new Date() }));
    },
  });
  server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, port) => {
    if (err) throw err;
    process.stderr.write(`listening ${port}\n`);
  });
} else {
  const child = fork(new URL(import.meta.url).pathname, ["serve"], {
    execArgv: ["--expose-gc", "--import", "tsx", "--import", new URL("./memory-probe.mjs", import.meta.url).href],
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  const lines: string[] = [];
  createInterface({ input: child.stderr! }).on("line", (l) => lines.push(l));
  const waitLine = async (prefix: string, from: number): Promise<string> => {
    for (;;) {
      const line = lines.slice(from).find((l) => l.startsWith(prefix));
      if (line) return line.slice(prefix.length);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  interface Probe {
    rss: number;
    heapUsed: number;
    external: number;
    heap: { total_heap_size: number };
  }
  const probe = async (): Promise<Probe> => {
    const from = lines.length;
    child.kill("SIGWINCH");
    return JSON.parse(await waitLine("memory-probe ", from)) as Probe;
  };
  const port = await waitLine("listening ", 0);
  const client = new RunServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  const open = (): StreamReader<WaitForResumeResponse> =>
    new StreamReader(client.waitForResume(WaitForResumeRequest.fromPartial({ flowRunId: "x", key: "1" })));
  const warm = open();
  await warm.next(60_000);
  warm.cancel();
  await new Promise((r) => setTimeout(r, 1000));
  const before = await probe();
  const streams = Array.from({ length: N }, open);
  await Promise.all(streams.map((s) => s.next(60_000)));
  await new Promise((r) => setTimeout(r, 2000));
  const after = await probe();
  const kib = (a: number, b: number): string => `${((b - a) / N / 1024).toFixed(1)} KiB`;
  const rest = (p: typeof before): number => p.rss - p.heap.total_heap_size - p.external;
  console.log(`bare grpc-js server holding ${N} streams, per stream: RSS ${kib(before.rss, after.rss)}`);
  console.log(
    `  JS heap used ${kib(before.heapUsed, after.heapUsed)}, committed ${kib(before.heap.total_heap_size, after.heap.total_heap_size)}`,
  );
  console.log(`  external ${kib(before.external, after.external)}, RSS outside heap and external ${kib(rest(before), rest(after))}`);
  for (const s of streams) s.cancel();
  client.close();
  child.kill("SIGTERM");
}
