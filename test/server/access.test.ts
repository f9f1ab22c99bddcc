import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { credentials, Client, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import * as runPb from "@flowgate/contract/flowgate/v1/run_service.js";
import { describeRequirement, SCOPES, type Requirement, type Scope } from "../../server/src/domain/access.js";
import { apiRouter, type ApiDeps } from "../../server/src/http/api-routes.js";
import { GRPC_REQUIREMENTS, HTTP_REQUIREMENTS } from "../../server/src/middleware/requirements.js";
import { SERVICE_DEFINITIONS } from "../../server/src/rpc/grpc-server.js";
import { reasonOf } from "../support/status-details.js";
import { eventually } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

interface MethodDef {
  path: string;
  responseStream: boolean;
}

/** Every RPC the server serves, straight from the generated service definitions. */
const METHODS: MethodDef[] = SERVICE_DEFINITIONS.flatMap((def) => Object.values(def) as unknown as MethodDef[]);
/** Every HTTP API route, straight from the router the server builds. */
const ROUTES = apiRouter({} as ApiDeps).patterns();

/**
 * The request each call sends: empty (every field at its default) unless listed; streams get a
 * malformed field so that, once let in, they end at once with INVALID_ARGUMENT.
 */
const REQUESTS: Record<string, Uint8Array> = {
  "flowgate.v1.RunService/WaitForResume": runPb.WaitForResumeRequest.encode(
    runPb.WaitForResumeRequest.fromPartial({ flowRunId: "x" }),
  ).finish(),
  "flowgate.v1.RunService/WatchFlowRun": runPb.WatchFlowRunRequest.encode(
    runPb.WatchFlowRunRequest.fromPartial({ flowRunId: "x" }),
  ).finish(),
  "flowgate.v1.RunService/WatchFlowRuns": runPb.WatchFlowRunsRequest.encode(
    runPb.WatchFlowRunsRequest.fromPartial({ stateTypes: [999] }),
  ).finish(),
};

function methodName(path: string): string {
  return path.replace(/^\//, "");
}

/** A scope that does not meet `requirement` (nor is admin), if there is one. */
function scopeMissing(requirement: Requirement): Scope | undefined {
  const needed: readonly string[] =
    typeof requirement === "string" ? [requirement] : "scope" in requirement ? [requirement.scope] : requirement;
  return SCOPES.find((s) => s !== "admin" && !needed.includes(s));
}

/** One scope that meets `requirement`. */
function scopeMeeting(requirement: Requirement): Scope {
  if (requirement === "authenticated" || requirement === "public") return "runs:read";
  return typeof requirement === "string" ? requirement : "scope" in requirement ? requirement.scope : requirement[0]!;
}

describe("access: every RPC and route needs a key with its scope (A01, A02)", () => {
  let server: TestServer;
  let client: Client;
  const keyFor = new Map<Scope, string>();

  before(async () => {
    server = await startTestServer();
    client = new Client(server.address, credentials.createInsecure());
    for (const scope of SCOPES) {
      const { secret } = await server.keys.createKey({ name: `only-${scope.replace(":", "-")}`, scopes: [scope] });
      keyFor.set(scope, secret);
    }
  });
  after(async () => {
    client.close();
    await server.stop();
  });

  /** Calls any RPC by path with `secret` (or none) and gives its status code and reason. */
  const call = (def: MethodDef, secret: string | undefined): Promise<{ code: status; reason?: string }> => {
    const metadata = new Metadata();
    if (secret !== undefined) metadata.set("authorization", `Bearer ${secret}`);
    const request = Buffer.from(REQUESTS[methodName(def.path)] ?? new Uint8Array());
    const identity = (b: Buffer): Buffer => b;
    return new Promise((resolve) => {
      const done = (err: ServiceError | null): void =>
        resolve(err ? { code: err.code, ...(err.code === status.OK ? {} : { reason: safeReason(err) }) } : { code: status.OK });
      if (def.responseStream) {
        const stream = client.makeServerStreamRequest(def.path, identity, identity, request, metadata, {});
        stream.on("data", () => undefined);
        stream.on("error", (err: ServiceError) => done(err));
        stream.on("end", () => done(null));
      } else {
        client.makeUnaryRequest(def.path, identity, identity, request, metadata, {}, (err) => done(err));
      }
    });
  };

  test("the table has a row for every RPC of the contract and every HTTP route, and nothing else", () => {
    const rpcs = METHODS.map((m) => methodName(m.path)).sort();
    assert.deepEqual(Object.keys(GRPC_REQUIREMENTS).sort(), rpcs);
    assert.deepEqual(Object.keys(HTTP_REQUIREMENTS).sort(), [...ROUTES].sort());
  });

  for (const def of METHODS) {
    const method = methodName(def.path);
    const requirement = GRPC_REQUIREMENTS[method]!;
    test(`gRPC ${method} (${describeRequirement(requirement)}): no key → UNAUTHENTICATED, another scope → PERMISSION_DENIED, its scope → served`, async () => {
      assert.deepEqual(await call(def, undefined), { code: status.UNAUTHENTICATED, reason: "UNAUTHENTICATED" });
      assert.deepEqual(await call(def, "fgk_00000000000000000000000000000000_not-a-real-secret-at-all-0000000000000000"), {
        code: status.UNAUTHENTICATED,
        reason: "UNAUTHENTICATED",
      });
      const missing = scopeMissing(requirement);
      if (requirement !== "authenticated" && missing) {
        assert.deepEqual(await call(def, keyFor.get(missing)), { code: status.PERMISSION_DENIED, reason: "PERMISSION_DENIED" });
      }
      const served = await call(def, keyFor.get(scopeMeeting(requirement)));
      assert.ok(
        served.code !== status.UNAUTHENTICATED && served.code !== status.PERMISSION_DENIED,
        `with its scope the call is served (got ${served.code} ${served.reason ?? ""})`,
      );
    });
  }

  const http = async (route: string, secret: string | undefined): Promise<{ status: number; reason?: string }> => {
    const [method, pattern] = route.split(" ") as [string, string];
    const path = pattern.replace(":id", randomUUID());
    const res = await fetch(`http://${server.httpAddress}${path}`, {
      method,
      headers: {
        ...(secret ? { authorization: `Bearer ${secret}` } : {}),
        ...(method === "POST" ? { "content-type": "application/json" } : {}),
      },
      ...(method === "POST" ? { body: "{}" } : {}),
      signal: AbortSignal.timeout(30_000),
    });
    const type = res.headers.get("content-type") ?? "";
    const body = type.startsWith("application/json") ? ((await res.json()) as { reason?: string }) : undefined;
    if (!body) await res.body?.cancel();
    return { status: res.status, ...(body?.reason ? { reason: body.reason } : {}) };
  };

  for (const route of ROUTES) {
    const requirement = HTTP_REQUIREMENTS[route]!;
    test(`HTTP ${route} (${describeRequirement(requirement)}): no key → 401, another scope → 403, its scope → served`, async () => {
      if (requirement === "public") {
        // Let in without a key; a route whose credential is in its path (a resume link's token)
        // refuses a bad one itself, with its own reason (test/approvals has those rows).
        const answer = await http(route, undefined);
        if (route.includes("/api/links/:token")) assert.deepEqual(answer, { status: 401, reason: "RESUME_LINK_INVALID" });
        else assert.equal(answer.status, 200);
        return;
      }
      assert.deepEqual(await http(route, undefined), { status: 401, reason: "UNAUTHENTICATED" });
      const missing = scopeMissing(requirement);
      if (requirement !== "authenticated" && missing)
        assert.deepEqual(await http(route, keyFor.get(missing)), { status: 403, reason: "PERMISSION_DENIED" });
      const served = await http(route, keyFor.get(scopeMeeting(requirement)));
      assert.ok(
        served.status !== 401 && served.status !== 403,
        `with its scope the route is served (got ${served.status} ${served.reason ?? ""})`,
      );
    });
  }

  test("the web UI's files need no key", async () => {
    const res = await fetch(`http://${server.httpAddress}/`);
    await res.arrayBuffer();
    assert.notEqual(res.status, 401);
  });

  test("an expired key is refused", async () => {
    const { secret } = await server.keys.createKey({ name: "short-lived", scopes: ["runs:read"], expiresInSeconds: 1 });
    const def = METHODS.find((m) => m.path.endsWith("/ListFlowRuns"))!;
    assert.equal((await call(def, secret)).code, status.OK);
    const refused = await eventually(
      "the key expires",
      async () => {
        const r = await call(def, secret);
        return r.code === status.UNAUTHENTICATED ? r : undefined;
      },
      30_000,
      200,
    );
    assert.equal(refused.reason, "UNAUTHENTICATED");
  });
});

describe("revocation (A04): a key revoked on one server is refused by another on the same store", () => {
  let a: TestServer;
  let b: TestServer;
  before(async () => {
    a = await startTestServer();
    b = await startTestServer({ database: a.database });
  });
  after(async () => {
    await a.stop();
    await b.stop();
  });

  test("refused at once by the server that revoked it, and by the other within its key cache time", async () => {
    const { key, secret } = await a.keys.createKey({ name: "leaving", scopes: ["runs:read"] });
    const list = (s: TestServer) =>
      fetch(`http://${s.httpAddress}/api/runs`, { headers: { authorization: `Bearer ${secret}` } }).then(async (r) => {
        await r.arrayBuffer();
        return r.status;
      });
    assert.equal(await list(a), 200);
    assert.equal(await list(b), 200);
    const started = Date.now();
    await a.keys.revokeKey({ keyId: key!.id });
    assert.equal(await list(a), 401, "the revoking server refuses the next call");
    await eventually("the other server refuses it too", async () => ((await list(b)) === 401 ? true : undefined), 30_000, 20);
    console.log(`revocation seen by the second server after ${Date.now() - started} ms (FLOWGATE_KEY_CACHE_MS default 1000)`);
  });

  test("keys are listed without secrets; revoking an unknown key is KEY_NOT_FOUND", async () => {
    const { keys } = await a.keys.listKeys({ includeRevoked: true });
    assert.ok(keys.some((k) => k.name === "admin" && k.scopes.includes("admin")));
    assert.ok(
      keys.every((k) => !JSON.stringify(k).includes("fgk_")),
      "no secret in the listing",
    );
    await assert.rejects(a.keys.revokeKey({ keyId: randomUUID() }), (err: ServiceError) => {
      assert.equal(err.code, status.NOT_FOUND);
      assert.equal(reasonOf(err), "KEY_NOT_FOUND");
      return true;
    });
  });
});

function safeReason(err: ServiceError): string | undefined {
  try {
    return reasonOf(err);
  } catch {
    return undefined;
  }
}
