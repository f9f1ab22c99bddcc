/**
 * A promise-based view of the generated grpc-js clients for tests: `await rpc.pauseFlowRun({...})`,
 * and streams as async iterables. Only what tests need; the SDK has its own wrapper.
 */
import {
  credentials,
  InterceptingCall,
  Metadata,
  type Interceptor,
  type CallOptions,
  type ClientReadableStream,
  type ClientUnaryCall,
  type ServiceError,
} from "@grpc/grpc-js";
import * as runPb from "@flowgate/contract/flowgate/v1/run_service.js";
import * as deploymentPb from "@flowgate/contract/flowgate/v1/deployment_service.js";
import { RunServiceClient } from "@flowgate/contract/flowgate/v1/run_service.js";
import { DeploymentServiceClient } from "@flowgate/contract/flowgate/v1/deployment_service.js";
import * as keyPb from "@flowgate/contract/flowgate/v1/key_service.js";
import { KeyServiceClient } from "@flowgate/contract/flowgate/v1/key_service.js";

// The last overload of each generated method is (request, metadata, options, callback).
type UnaryMethod<Req, Res> = (
  req: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  cb: (err: ServiceError | null, res: Res) => void,
) => ClientUnaryCall;

type DeepPartial<T> = T extends Date | Array<unknown> ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

type Promisified<C> = {
  [K in keyof C as C[K] extends UnaryMethod<infer _Req, infer _Res> ? K : never]: C[K] extends UnaryMethod<infer Req, infer Res>
    ? (req: DeepPartial<Req>) => Promise<Res>
    : never;
};

type Codec = { fromPartial: (p: unknown) => unknown };

function promisify<C extends object>(client: C, messages: Record<string, unknown>): Promisified<C> {
  return new Proxy({} as Promisified<C>, {
    get(_t, prop: string) {
      const method = (client as Record<string, unknown>)[prop];
      if (typeof method !== "function") return undefined;
      const codec = messages[`${prop[0]!.toUpperCase()}${prop.slice(1)}Request`] as Codec | undefined;
      return (req: unknown) =>
        new Promise((resolve, reject) => {
          (method as UnaryMethod<unknown, unknown>).call(client, codec ? codec.fromPartial(req) : req, new Metadata(), {}, (err, res) =>
            err ? reject(err) : resolve(res),
          );
        });
    },
  });
}

export interface TestClients {
  runs: Promisified<RunServiceClient>;
  deployments: Promisified<DeploymentServiceClient>;
  keys: Promisified<KeyServiceClient>;
  rawRuns: RunServiceClient;
  close(): void;
}

/**
 * Clients of a test server; with `apiKey`, every call (unary or stream) carries it as
 * `authorization: Bearer <apiKey>`, as the SDK and the other clients send it.
 */
export function connect(address: string, apiKey = ""): TestClients {
  const options = apiKey ? { interceptors: [withAuthorization(`Bearer ${apiKey}`)] } : {};
  const rawRuns = new RunServiceClient(address, credentials.createInsecure(), options);
  const rawDeployments = new DeploymentServiceClient(address, credentials.createInsecure(), options);
  const rawKeys = new KeyServiceClient(address, credentials.createInsecure(), options);
  return {
    runs: promisify(rawRuns, runPb),
    deployments: promisify(rawDeployments, deploymentPb),
    keys: promisify(rawKeys, keyPb),
    rawRuns,
    close: () => {
      rawRuns.close();
      rawDeployments.close();
      rawKeys.close();
    },
  };
}

/** Adds an `authorization` entry to every call's metadata, unless the call set its own. */
function withAuthorization(value: string): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        if (metadata.get("authorization").length === 0) metadata.set("authorization", value);
        next(metadata, listener);
      },
    });
}

/** Collects a server stream's messages; `next()` waits for the following one (or rejects on error/end). */
export class StreamReader<T> {
  private readonly buffered: T[] = [];
  private readonly waiters: { resolve: (v: T) => void; reject: (e: Error) => void }[] = [];
  private failure: Error | undefined;
  /** The stream's own error event, if any (a clean end leaves it unset); grpc-js fails streams with a ServiceError. */
  error: ServiceError | undefined;
  ended = false;

  constructor(readonly stream: ClientReadableStream<T>) {
    stream.on("data", (m: T) => {
      const w = this.waiters.shift();
      if (w) w.resolve(m);
      else this.buffered.push(m);
    });
    stream.on("error", (e: ServiceError) => {
      this.error ??= e;
      this.fail(e);
    });
    stream.on("end", () => {
      this.ended = true;
      this.fail(new Error("stream ended"));
    });
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const w of this.waiters.splice(0)) w.reject(this.failure);
  }

  next(timeoutMs = 10_000): Promise<T> {
    const m = this.buffered.shift();
    if (m !== undefined) return Promise.resolve(m);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no stream message within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  /** Resolves once the stream has ended or failed, with the failure if any. */
  async closed(timeoutMs = 10_000): Promise<ServiceError | undefined> {
    if (this.error) return this.error;
    if (this.ended) return undefined;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`stream still open after ${timeoutMs} ms`)), timeoutMs);
      this.stream.on("end", () => {
        clearTimeout(timer);
        resolve(undefined);
      });
      this.stream.on("error", (e: ServiceError) => {
        clearTimeout(timer);
        resolve(e);
      });
    });
  }

  cancel(): void {
    this.stream.cancel();
  }
}

export { Metadata };
export type { ServiceError };
