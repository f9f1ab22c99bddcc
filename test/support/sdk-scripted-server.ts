/**
 * A real gRPC server speaking flowgate.v1.RunService whose answers a test scripts, for what a Flowgate
 * server does not do on demand: receive a call's metadata, fail with a chosen status and details
 * trailer, drop a stream. Unscripted methods answer UNIMPLEMENTED (grpc-js's default). It records the
 * metadata of every call it receives.
 */
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { Metadata, Server, ServerCredentials, status, type ServiceError, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { RunServiceService, type RunServiceServer } from "@flowgate/contract/flowgate/v1/run_service.js";

export interface ReceivedCall {
  /** "GetFlowRun", "WatchFlowRun", … */
  method: string;
  /** Text metadata as received (lower-case names; grpc-js's own entries included). */
  headers: Record<string, string>;
}

export interface ScriptedServer {
  address: string;
  calls: ReceivedCall[];
  stop(): Promise<void>;
}

/** Serves `handlers` on 127.0.0.1, a free port. */
export async function startScriptedServer(handlers: Partial<RunServiceServer>): Promise<ScriptedServer> {
  const calls: ReceivedCall[] = [];
  const server = new Server();
  const recorded: UntypedServiceImplementation = {};
  for (const [name, handler] of Object.entries(handlers)) {
    const method = RunServiceService[name as keyof typeof RunServiceService].path.split("/").pop() ?? name;
    recorded[name] = (call: { metadata: Metadata }, ...rest: unknown[]) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(call.metadata.getMap())) if (typeof v === "string") headers[k] = v;
      calls.push({ method, headers });
      return (handler as (...a: unknown[]) => unknown)(call, ...rest);
    };
  }
  server.addService(RunServiceService, recorded);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    address: `127.0.0.1:${port}`,
    calls,
    stop: () =>
      new Promise<void>((resolve) => {
        // Streams a test left open would hold a graceful shutdown forever.
        server.forceShutdown();
        resolve();
      }),
  };
}

export interface StatusDetailsSpec {
  reason?: string;
  /** Default "flowgate.dev". */
  domain?: string;
  fieldViolations?: { field: string; description: string }[];
}

/** google.rpc.Status { code, message, details: [Any(ErrorInfo)?, Any(BadRequest)?] }, as a server encodes it. */
export function encodeStatusDetails(code: number, message: string, spec: StatusDetailsSpec): Uint8Array {
  const any = (typeUrl: string, value: Uint8Array): Uint8Array =>
    new BinaryWriter().uint32(10).string(typeUrl).uint32(18).bytes(value).finish();
  const out = new BinaryWriter().uint32(8).int32(code).uint32(18).string(message);
  if (spec.reason !== undefined) {
    const info = new BinaryWriter()
      .uint32(10)
      .string(spec.reason)
      .uint32(18)
      .string(spec.domain ?? "flowgate.dev")
      .finish();
    out.uint32(26).bytes(any("type.googleapis.com/google.rpc.ErrorInfo", info));
  }
  if (spec.fieldViolations && spec.fieldViolations.length > 0) {
    const bad = new BinaryWriter();
    for (const v of spec.fieldViolations) bad.uint32(10).fork().uint32(10).string(v.field).uint32(18).string(v.description).join();
    out.uint32(26).bytes(any("type.googleapis.com/google.rpc.BadRequest", bad.finish()));
  }
  return out.finish();
}

/** A failure as grpc-js hands it to a client, or takes it from a handler: code, message, trailers. */
export function statusError(code: status, message: string, spec?: StatusDetailsSpec): ServiceError {
  const metadata = new Metadata();
  if (spec) metadata.set("grpc-status-details-bin", Buffer.from(encodeStatusDetails(code, message, spec)));
  return Object.assign(new Error(`${code} ${status[code]}: ${message}`), { code, details: message, metadata });
}
