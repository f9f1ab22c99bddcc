import {
  Server,
  ServerCredentials,
  type MethodDefinition,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type UntypedServiceImplementation,
  type sendUnaryData,
} from "@grpc/grpc-js";
import { BinaryReader } from "@bufbuild/protobuf/wire";
import type { PackageDefinition } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation } from "grpc-health-check";
import type { TlsMaterial } from "../tls.js";
import { descriptorSetBase64 } from "@flowgate/contract/descriptor-set.js";
import { DeploymentServiceService, type DeploymentServiceServer } from "@flowgate/contract/flowgate/v1/deployment_service.js";
import { KeyServiceService, type KeyServiceServer } from "@flowgate/contract/flowgate/v1/key_service.js";
import { AuditServiceService, type AuditServiceServer } from "@flowgate/contract/flowgate/v1/audit_service.js";
import { RunServiceService, type RunServiceServer } from "@flowgate/contract/flowgate/v1/run_service.js";
import { WebhookServiceService, type WebhookServiceServer } from "@flowgate/contract/flowgate/v1/webhook_service.js";
import { LogServiceService, type LogServiceServer } from "@flowgate/contract/flowgate/v1/log_service.js";
import { UndecodableRequest } from "./adapter.js";
import { domainErrorStatus } from "./status.js";

export interface GrpcServer {
  port: number;
  /** Stops accepting calls, gives unary calls `graceMs` to finish, then closes everything. */
  stop(graceMs: number): Promise<void>;
  /** What the health service reports for every service (SERVING or NOT_SERVING) until stop. */
  setServing(serving: boolean): void;
}

const SERVICES = [
  "flowgate.v1.RunService",
  "flowgate.v1.DeploymentService",
  "flowgate.v1.KeyService",
  "flowgate.v1.AuditService",
  "flowgate.v1.WebhookService",
  "flowgate.v1.LogService",
];

/** Every Flowgate service definition the server serves (the access table must cover each method). */
export const SERVICE_DEFINITIONS = [
  RunServiceService,
  DeploymentServiceService,
  KeyServiceService,
  AuditServiceService,
  WebhookServiceService,
  LogServiceService,
] as const;

export async function startGrpcServer(opts: {
  address: string;
  runs: RunServiceServer;
  deployments: DeploymentServiceServer;
  keys: KeyServiceServer;
  audit: AuditServiceServer;
  webhooks: WebhookServiceServer;
  logs: LogServiceServer;
  maxMessageBytes: number;
  /** Serve over TLS (mTLS with a client CA); plaintext when undefined. */
  tls: TlsMaterial | undefined;
  /** Called first on stop, to end open streams so shutdown need not wait for them. */
  onStopping: () => void;
}): Promise<GrpcServer> {
  const server = new Server({
    "grpc.max_receive_message_length": opts.maxMessageBytes,
    "grpc.max_send_message_length": opts.maxMessageBytes,
    // Long-held WaitForResume streams must survive idle NATs and load balancers.
    "grpc.keepalive_time_ms": 30_000,
    "grpc.keepalive_permit_without_calls": 1,
  });
  server.addService(tolerantDecoding(RunServiceService), opts.runs);
  server.addService(tolerantDecoding(DeploymentServiceService), opts.deployments);
  server.addService(tolerantDecoding(KeyServiceService), opts.keys);
  server.addService(tolerantDecoding(AuditServiceService), opts.audit);
  server.addService(tolerantDecoding(WebhookServiceService), opts.webhooks);
  server.addService(tolerantDecoding(LogServiceService), opts.logs);

  const serving: Record<string, "SERVING"> = Object.fromEntries([["", "SERVING"], ...SERVICES.map((s) => [s, "SERVING"] as const)]);
  const health = new HealthImplementation(serving);
  health.addToServer(tolerantRegistration(server));
  new ReflectionService(reflectionDefinition()).addToServer(tolerantRegistration(server));

  const port = await new Promise<number>((resolve, reject) => {
    const credentials = opts.tls
      ? ServerCredentials.createSsl(
          opts.tls.clientCa ?? null,
          [{ cert_chain: opts.tls.cert, private_key: opts.tls.key }],
          opts.tls.clientCa !== undefined,
        )
      : ServerCredentials.createInsecure();
    server.bindAsync(opts.address, credentials, (err, p) => (err ? reject(err) : resolve(p)));
  });

  let stopped = false;
  const report = (status: "SERVING" | "NOT_SERVING"): void => {
    health.setStatus("", status);
    for (const s of SERVICES) health.setStatus(s, status);
  };
  return {
    port,
    setServing: (serving) => {
      // Once stopping, the answer stays NOT_SERVING whatever the store does.
      if (!stopped) report(serving ? "SERVING" : "NOT_SERVING");
    },
    stop: async (graceMs) => {
      stopped = true;
      health.setStatus("", "NOT_SERVING");
      for (const s of SERVICES) health.setStatus(s, "NOT_SERVING");
      opts.onStopping();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

/**
 * grpc-js answers INTERNAL by itself when a request's decoder throws (malformed protobuf, an int64
 * beyond 2^53 that ts-proto refuses to turn into a number, nesting past its recursion limit). Each
 * method's decoder here never throws: it hands the handler an UndecodableRequest, which the adapter
 * answers INVALID_ARGUMENT after the middleware chain, like any other refused request.
 */
export function tolerantDecoding<S extends ServiceDefinition>(service: S): S {
  const methods = Object.entries(service).map(([name, method]) => [
    name,
    {
      ...method,
      requestDeserialize: (bytes: Buffer): unknown => {
        try {
          return method.requestDeserialize(bytes);
        } catch (err) {
          return new UndecodableRequest(err);
        }
      },
    },
  ]);
  return Object.fromEntries(methods) as S;
}

/**
 * What the health and reflection libraries register their services on: each service with tolerant
 * decoding and each handler behind a guard answering an undecodable request INVALID_ARGUMENT (with
 * its ErrorInfo), as Flowgate's own methods do, rather than grpc-js's bare INTERNAL. Unary and
 * server-streaming calls are refused before the library's handler runs; on a bidirectional stream
 * (reflection), a message that cannot be decoded ends the stream with that status instead of
 * reaching the handler.
 */
function tolerantRegistration(server: Server): Server {
  const shim: Pick<Server, "addService"> = {
    addService: (service: ServiceDefinition, implementation: UntypedServiceImplementation) => {
      const guarded = Object.entries(service).map(([name, method]: [string, MethodDefinition<unknown, unknown>]) => {
        const handler = implementation[name] ?? (method.originalName ? implementation[method.originalName] : undefined);
        return [name, handler ? refuseUndecodable(method, handler as AnyHandler) : handler];
      });
      server.addService(tolerantDecoding(service), Object.fromEntries(guarded) as UntypedServiceImplementation);
    },
  };
  // The libraries call nothing else on the server they are given.
  return shim as Server;
}

type AnyHandler = (call: unknown, callback?: sendUnaryData<unknown>) => void;

function refuseUndecodable(method: MethodDefinition<unknown, unknown>, handler: AnyHandler): AnyHandler {
  if (!method.requestStream && !method.responseStream) {
    return (call, callback) => {
      const { request } = call as ServerUnaryCall<unknown, unknown>;
      if (request instanceof UndecodableRequest) callback!(domainErrorStatus(request.toError()), null);
      else handler(call, callback);
    };
  }
  if (!method.requestStream) {
    return (call) => {
      const stream = call as ServerWritableStream<unknown, unknown>;
      if (stream.request instanceof UndecodableRequest) stream.emit("error", domainErrorStatus(stream.request.toError()));
      else handler(call);
    };
  }
  return (call) => {
    const stream = call as ServerDuplexStream<unknown, unknown>;
    const emit = stream.emit.bind(stream);
    stream.emit = (event: string | symbol, ...args: unknown[]): boolean => {
      const [message] = args;
      if (event === "data" && message instanceof UndecodableRequest) return emit("error", domainErrorStatus(message.toError()));
      return emit(event, ...args);
    };
    handler(call);
  };
}

/**
 * The reflection service reads only `fileDescriptorProtos` from a package definition. We hand it buf's
 * original files: proto-loader would rebuild them and merge the package into one synthetic file.
 */
function reflectionDefinition(): PackageDefinition {
  const reader = new BinaryReader(Buffer.from(descriptorSetBase64, "base64"));
  const files: Buffer[] = [];
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1) files.push(Buffer.from(reader.bytes()));
    else reader.skip(wireType);
  }
  const entry = { fileDescriptorProtos: files };
  // The set also holds grpc.health.v1 (see tools/generate.mjs), so grpcurl can call Health/Check.
  return Object.fromEntries([...SERVICES, "grpc.health.v1.Health"].map((s) => [s, entry])) as unknown as PackageDefinition;
}
