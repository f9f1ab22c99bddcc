// The SDK's error boundary: a failed call becomes a typed error chosen by the ErrorInfo reason in the
// grpc-status-details-bin trailer alone — never by message text or by method — and falls back on the
// status code when the reason is absent or unknown. Every reason of the contract's ErrorReason enum is
// checked, so a reason added to errors.proto fails here until the SDK (and this table) map it.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { status } from "@grpc/grpc-js";
import { ErrorReason } from "@flowgate/contract/flowgate/v1/errors.js";
import {
  AlreadyExistsError,
  AlreadyFinalError,
  ConflictError,
  ContentionError,
  DeploymentNotFoundError,
  FlowgateClient,
  FlowgateError,
  FlowPauseTimeout,
  FlowRunInputNotFoundError,
  FlowRunNotFoundError,
  InputKeyExistsError,
  DeploymentExistsError,
  InternalError,
  InvalidArgumentError,
  InvalidRunInputError,
  NotFoundError,
  NotPausedError,
  PauseNotFoundError,
  KeyNotFoundError,
  NotAnApproverError,
  PermissionDeniedError,
  RefusedError,
  ResourceExhaustedError,
  ResumeLinkExpiredError,
  ResumeLinkInvalidError,
  ResumeLinkUsedError,
  SelfApprovalError,
  TaskRunNotFoundError,
  TooManyStreamsError,
  TransitionRefusedError,
  UnauthenticatedError,
  UnavailableError,
  VersionConflictError,
  WebhookNotFoundError,
} from "../../client-sdk/src/index.js";
import { ERRORS_BY_REASON, mapGrpcError } from "../../client-sdk/src/transport/map-error.js";
import { isTransientError } from "../../client-sdk/src/errors.js";
import { startScriptedServer, statusError, type ScriptedServer } from "../support/sdk-scripted-server.js";
import { startSdkServer, StateType, type SdkServer } from "../support/sdk.js";

type ErrorClass = abstract new (...args: never[]) => FlowgateError;

/** docs/grpc.md's table: reason → (gRPC code, class, parent the class falls back to by code). */
const TABLE: Record<string, { code: status; error: ErrorClass; parent: ErrorClass }> = {
  FLOW_RUN_NOT_FOUND: { code: status.NOT_FOUND, error: FlowRunNotFoundError, parent: NotFoundError },
  DEPLOYMENT_NOT_FOUND: { code: status.NOT_FOUND, error: DeploymentNotFoundError, parent: NotFoundError },
  TASK_RUN_NOT_FOUND: { code: status.NOT_FOUND, error: TaskRunNotFoundError, parent: NotFoundError },
  FLOW_RUN_INPUT_NOT_FOUND: { code: status.NOT_FOUND, error: FlowRunInputNotFoundError, parent: NotFoundError },
  PAUSE_NOT_FOUND: { code: status.NOT_FOUND, error: PauseNotFoundError, parent: NotFoundError },
  KEY_NOT_FOUND: { code: status.NOT_FOUND, error: KeyNotFoundError, parent: NotFoundError },
  NOT_PAUSED: { code: status.FAILED_PRECONDITION, error: NotPausedError, parent: RefusedError },
  PAUSE_TIMED_OUT: { code: status.FAILED_PRECONDITION, error: FlowPauseTimeout, parent: RefusedError },
  ALREADY_FINAL: { code: status.FAILED_PRECONDITION, error: AlreadyFinalError, parent: RefusedError },
  TRANSITION_REFUSED: { code: status.FAILED_PRECONDITION, error: TransitionRefusedError, parent: RefusedError },
  INVALID_RUN_INPUT: { code: status.INVALID_ARGUMENT, error: InvalidRunInputError, parent: InvalidArgumentError },
  INVALID_ARGUMENT: { code: status.INVALID_ARGUMENT, error: InvalidArgumentError, parent: InvalidArgumentError },
  VERSION_CONFLICT: { code: status.ABORTED, error: VersionConflictError, parent: ConflictError },
  CONTENTION: { code: status.ABORTED, error: ContentionError, parent: ConflictError },
  INPUT_KEY_EXISTS: { code: status.ALREADY_EXISTS, error: InputKeyExistsError, parent: AlreadyExistsError },
  DEPLOYMENT_EXISTS: { code: status.ALREADY_EXISTS, error: DeploymentExistsError, parent: AlreadyExistsError },
  STORE_UNAVAILABLE: { code: status.UNAVAILABLE, error: UnavailableError, parent: UnavailableError },
  UNAUTHENTICATED: { code: status.UNAUTHENTICATED, error: UnauthenticatedError, parent: UnauthenticatedError },
  PERMISSION_DENIED: { code: status.PERMISSION_DENIED, error: PermissionDeniedError, parent: PermissionDeniedError },
  INTERNAL: { code: status.INTERNAL, error: InternalError, parent: FlowgateError },
  NOT_AN_APPROVER: { code: status.PERMISSION_DENIED, error: NotAnApproverError, parent: PermissionDeniedError },
  SELF_APPROVAL: { code: status.PERMISSION_DENIED, error: SelfApprovalError, parent: PermissionDeniedError },
  RESUME_LINK_INVALID: { code: status.UNAUTHENTICATED, error: ResumeLinkInvalidError, parent: UnauthenticatedError },
  RESUME_LINK_USED: { code: status.FAILED_PRECONDITION, error: ResumeLinkUsedError, parent: RefusedError },
  RESUME_LINK_EXPIRED: { code: status.FAILED_PRECONDITION, error: ResumeLinkExpiredError, parent: RefusedError },
  WEBHOOK_NOT_FOUND: { code: status.NOT_FOUND, error: WebhookNotFoundError, parent: NotFoundError },
  TOO_MANY_STREAMS: { code: status.RESOURCE_EXHAUSTED, error: TooManyStreamsError, parent: ResourceExhaustedError },
};

/** Reasons a gRPC client never receives: the enum's zero value and the HTTP API's own. */
const NOT_SENT_OVER_GRPC = new Set(["UNSPECIFIED", "ROUTE_NOT_FOUND", "METHOD_NOT_ALLOWED", "PAYLOAD_TOO_LARGE"]);

/** Every name of flowgate.v1.ErrorReason without its prefix, as the server sends it. */
const REASONS = Object.keys(ErrorReason)
  .filter((k) => Number.isNaN(Number(k)))
  .map((k) => k.replace(/^ERROR_REASON_/, ""));

/** A message no mapping could recognise: the class must come from the reason. */
const MESSAGE = "Some words the server chose (ünïcode included).";

describe("errors by reason: every reason of the contract maps to its documented class", () => {
  test("the contract's enum has the reasons this table knows, and the SDK maps no reason the contract lacks", () => {
    assert.ok(REASONS.length >= 19, `ErrorReason read from the contract: ${REASONS.join(", ")}`);
    for (const reason of ERRORS_BY_REASON.keys())
      assert.ok(REASONS.includes(reason), `the SDK maps ${reason}, which errors.proto does not declare`);
  });

  for (const reason of REASONS) {
    test(`reason ${reason}`, () => {
      if (NOT_SENT_OVER_GRPC.has(reason)) {
        // Not a reason for gRPC clients: were it ever sent, the status code decides.
        const err = mapGrpcError(statusError(status.NOT_FOUND, MESSAGE, { reason }), "GetFlowRun");
        assert.equal((err as Error).constructor, NotFoundError);
        return;
      }
      const row = TABLE[reason];
      assert.ok(row, `errors.proto declares ${reason}: add it to the SDK's ERRORS_BY_REASON, docs/grpc.md's table and this test`);
      assert.ok(ERRORS_BY_REASON.has(reason), `the SDK does not map ${reason}`);

      // The same reason under an unrelated code and method: only the reason counts.
      for (const code of [row.code, status.UNKNOWN]) {
        const cause = statusError(code, MESSAGE, { reason });
        const err = mapGrpcError(cause, "ListDeployments");
        assert.ok(err instanceof FlowgateError);
        assert.equal(err.constructor, row.error, `${reason} (code ${code}) → ${err.constructor.name}`);
        assert.ok(err instanceof row.parent);
        assert.equal(err.reason, reason);
        assert.equal(err.code, code);
        assert.equal(err.cause, cause);
        // The server's message verbatim; a late resume keeps Prefect's words, the server's stay in `cause`.
        assert.equal(err.message, reason === "PAUSE_TIMED_OUT" ? "Flow run can no longer be resumed." : MESSAGE);
      }

      // Without the reason, the code alone gives the parent (or the base error, for INTERNAL).
      const fallback = mapGrpcError(statusError(row.code, MESSAGE), "ListDeployments");
      assert.equal((fallback as Error).constructor, row.parent);
      assert.equal(fallback.reason, undefined);
    });
  }
});

describe("errors by status code: the fallback when the reason is absent, unknown or not Flowgate's", () => {
  const FALLBACK: [status, ErrorClass][] = [
    [status.NOT_FOUND, NotFoundError],
    [status.INVALID_ARGUMENT, InvalidArgumentError],
    [status.FAILED_PRECONDITION, RefusedError],
    [status.ALREADY_EXISTS, AlreadyExistsError],
    [status.ABORTED, ConflictError],
    [status.UNAVAILABLE, UnavailableError],
    [status.UNAUTHENTICATED, UnauthenticatedError],
    [status.PERMISSION_DENIED, PermissionDeniedError],
    [status.RESOURCE_EXHAUSTED, ResourceExhaustedError],
    [status.INTERNAL, FlowgateError],
    [status.UNKNOWN, FlowgateError],
    [status.DEADLINE_EXCEEDED, FlowgateError],
  ];

  for (const [code, expected] of FALLBACK) {
    test(`${status[code]} with no details → ${expected.name}`, () => {
      const err = mapGrpcError(statusError(code, MESSAGE), "GetFlowRun");
      assert.equal(err.constructor, expected);
      assert.equal(err.code, code);
      assert.equal(err.reason, undefined);
    });
  }

  test("TOO_MANY_STREAMS clears as streams close: a wait retries it (with backoff); another RESOURCE_EXHAUSTED does not", () => {
    assert.equal(
      isTransientError(mapGrpcError(statusError(status.RESOURCE_EXHAUSTED, MESSAGE, { reason: "TOO_MANY_STREAMS" }), "WaitForResume")),
      true,
    );
    // grpc-js's own RESOURCE_EXHAUSTED (a message over the size limit) fails the same way again.
    assert.equal(isTransientError(mapGrpcError(statusError(status.RESOURCE_EXHAUSTED, MESSAGE), "WaitForResume")), false);
  });

  test("a reason this SDK does not know yet falls back on the code and is still exposed", () => {
    const err = mapGrpcError(statusError(status.FAILED_PRECONDITION, MESSAGE, { reason: "APPROVAL_REQUIRED" }), "ResumeFlowRun");
    assert.equal(err.constructor, RefusedError);
    assert.equal(err.reason, "APPROVAL_REQUIRED");
    assert.equal(err.message, MESSAGE);
  });

  test("a reason of another domain (a proxy, another service) is not Flowgate's: the code decides", () => {
    const err = mapGrpcError(statusError(status.NOT_FOUND, MESSAGE, { reason: "FLOW_RUN_NOT_FOUND", domain: "example.com" }), "GetFlowRun");
    assert.equal(err.constructor, NotFoundError);
    assert.equal(err.reason, undefined);
  });

  test("Flowgate's own messages without a reason do not make a FlowRunNotFoundError or a NotPausedError", () => {
    // What the SDK once matched on: text no longer means anything to it.
    assert.equal(
      (mapGrpcError(statusError(status.NOT_FOUND, "Flow run 6b1f not found."), "GetFlowRun") as Error).constructor,
      NotFoundError,
    );
    assert.equal(
      (mapGrpcError(statusError(status.FAILED_PRECONDITION, "Cannot resume a flow run that is not paused."), "ResumeFlowRun") as Error)
        .constructor,
      RefusedError,
    );
  });

  test("an unreadable details trailer is ignored: the code still decides", () => {
    const err = statusError(status.NOT_FOUND, MESSAGE);
    err.metadata.set("grpc-status-details-bin", Buffer.from([0x1a, 0xff, 0xff, 0x03]));
    assert.equal((mapGrpcError(err, "GetFlowRun") as Error).constructor, NotFoundError);
  });

  test("what is not a gRPC status error passes unchanged", () => {
    const plain = new TypeError("not a status");
    assert.equal(mapGrpcError(plain, "GetFlowRun"), plain);
  });
});

describe("field violations come from the BadRequest detail", () => {
  const violations = [
    { field: "name", description: "Expected string, received number" },
    { field: "address.city", description: "Champ obligatoire — « ville » manquante 🏙" },
  ];

  test("INVALID_RUN_INPUT: every field with its description, non-ASCII text intact", () => {
    const err = mapGrpcError(
      statusError(status.INVALID_ARGUMENT, MESSAGE, { reason: "INVALID_RUN_INPUT", fieldViolations: violations }),
      "ResumeFlowRun",
    );
    assert.ok(err instanceof InvalidRunInputError);
    assert.deepEqual(err.fieldErrors, violations);
  });

  test("INVALID_ARGUMENT without a reason: still an InvalidArgumentError with its fields", () => {
    const err = mapGrpcError(statusError(status.INVALID_ARGUMENT, MESSAGE, { fieldViolations: violations }), "CreateFlowRun");
    assert.equal((err as Error).constructor, InvalidArgumentError);
    assert.deepEqual((err as InvalidArgumentError).fieldErrors, violations);
  });

  test("the old JSON trailer flowgate-field-violations is not read any more", () => {
    const err = statusError(status.INVALID_ARGUMENT, MESSAGE, { reason: "INVALID_ARGUMENT" });
    err.metadata.set("flowgate-field-violations", JSON.stringify([{ field: "stale", description: "from the old trailer" }]));
    assert.deepEqual((mapGrpcError(err, "CreateFlowRun") as InvalidArgumentError).fieldErrors, []);
  });
});

describe("errors by reason over the wire (a scripted gRPC server sends the trailer)", () => {
  let server: ScriptedServer;
  let client: FlowgateClient;
  before(async () => {
    server = await startScriptedServer({
      getFlowRun: (_call, callback) =>
        callback(statusError(status.NOT_FOUND, "No flow run with this id.", { reason: "FLOW_RUN_NOT_FOUND" })),
      resumeFlowRun: (_call, callback) =>
        callback(
          statusError(status.INVALID_ARGUMENT, "Run input is invalid.", {
            reason: "INVALID_RUN_INPUT",
            fieldViolations: [{ field: "name", description: "Nom requis — « obligatoire »" }],
          }),
        ),
      watchFlowRun: (call) => void call.emit("error", statusError(status.FAILED_PRECONDITION, "Ended.", { reason: "ALREADY_FINAL" })),
    });
    client = new FlowgateClient({ address: server.address, retryUnavailableMs: 0 });
  });
  after(async () => {
    client.close();
    await server.stop();
  });

  test("a unary failure arrives as its reason's class with the server's message", async () => {
    const err = await client.getFlowRun("6b1f1f44-1b5e-4a39-9a3e-0c6a3f1d2e7b").catch((e: unknown) => e);
    assert.ok(err instanceof FlowRunNotFoundError, String(err));
    assert.equal(err.reason, "FLOW_RUN_NOT_FOUND");
    assert.equal(err.message, "No flow run with this id.");
  });

  test("field violations with non-ASCII descriptions survive the binary trailer", async () => {
    const err = await client.resumeFlowRun("6b1f1f44-1b5e-4a39-9a3e-0c6a3f1d2e7b", { name: 1 }).catch((e: unknown) => e);
    assert.ok(err instanceof InvalidRunInputError, String(err));
    assert.deepEqual(err.fieldErrors, [{ field: "name", description: "Nom requis — « obligatoire »" }]);
  });

  test("a stream's failure is typed the same way", async () => {
    const err = await (async () => {
      for await (const _ of client.watchFlowRun("6b1f1f44-1b5e-4a39-9a3e-0c6a3f1d2e7b", { signal: AbortSignal.timeout(30_000) }))
        assert.fail("no event expected");
    })().catch((e: unknown) => e);
    assert.ok(err instanceof AlreadyFinalError, String(err));
    assert.equal(err.reason, "ALREADY_FINAL");
  });
});

describe("errors by reason from a real Flowgate server", () => {
  let sdk: SdkServer;
  const missing = "6b1f1f44-1b5e-4a39-9a3e-0c6a3f1d2e7b";
  before(async () => {
    sdk = await startSdkServer();
  });
  after(() => sdk.stop());

  async function failure(call: Promise<unknown>): Promise<FlowgateError> {
    const err = await call.then(
      () => assert.fail("the call succeeded"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof FlowgateError, String(err));
    return err;
  }

  test("an unknown flow run → FlowRunNotFoundError", async () => {
    const err = await failure(sdk.client.getFlowRun(missing));
    assert.equal(err.constructor, FlowRunNotFoundError);
    assert.equal(err.reason, "FLOW_RUN_NOT_FOUND");
  });

  test("an unknown deployment → DeploymentNotFoundError", async () => {
    const err = await failure(sdk.client.getDeployment({ fullName: "no-such-flow/no-such-deployment" }));
    assert.equal(err.constructor, DeploymentNotFoundError);
    assert.equal(err.reason, "DEPLOYMENT_NOT_FOUND");
  });

  test("an unknown task run → TaskRunNotFoundError", async () => {
    const err = await failure(sdk.client.getTaskRun(missing));
    assert.equal(err.constructor, TaskRunNotFoundError);
  });

  test("an input key that does not exist → FlowRunInputNotFoundError; one written twice → InputKeyExistsError", async () => {
    const run = await sdk.client.createFlowRun({ flowName: "errors-by-reason", state: { type: StateType.RUNNING } });
    assert.equal((await failure(sdk.client.readFlowRunInput(run.id, "nothing-here"))).constructor, FlowRunInputNotFoundError);
    await sdk.client.createFlowRunInput(run.id, "once", { a: 1 });
    const again = await failure(sdk.client.createFlowRunInput(run.id, "once", { a: 2 }));
    assert.equal(again.constructor, InputKeyExistsError);
    assert.equal(again.reason, "INPUT_KEY_EXISTS");
  });

  test("changing another principal's deployment → DeploymentExistsError", async () => {
    const { secret } = await sdk.client.createKey({ name: "errors-by-reason-other", scopes: ["deployments:write"] });
    const other = new FlowgateClient({ address: sdk.server.address, apiKey: secret });
    try {
      await sdk.client.createDeployment({ name: "owned", flowName: "errors-by-reason" });
      const err = await failure(other.createDeployment({ name: "owned", flowName: "errors-by-reason" }));
      assert.equal(err.constructor, DeploymentExistsError);
      assert.equal(err.reason, "DEPLOYMENT_EXISTS");
    } finally {
      other.close();
    }
  });

  test("resuming a run that is not paused → NotPausedError; cancelling a finished run → AlreadyFinalError", async () => {
    const run = await sdk.client.createFlowRun({ flowName: "errors-by-reason", state: { type: StateType.RUNNING } });
    assert.equal((await failure(sdk.client.resumeFlowRun(run.id))).constructor, NotPausedError);
    await sdk.client.setFlowRunState(run.id, { type: StateType.COMPLETED });
    const err = await failure(sdk.client.cancelFlowRun(run.id));
    assert.equal(err.constructor, AlreadyFinalError);
    assert.equal(err.reason, "ALREADY_FINAL");
  });

  test("a stale expected version → VersionConflictError", async () => {
    const run = await sdk.client.createFlowRun({ flowName: "errors-by-reason", state: { type: StateType.PENDING } });
    const err = await failure(sdk.client.setFlowRunState(run.id, { type: StateType.RUNNING }, { expectedVersion: run.version + 5 }));
    assert.equal(err.constructor, VersionConflictError);
  });

  test("a malformed id → InvalidArgumentError naming the field", async () => {
    const err = await failure(sdk.client.getFlowRun("not-a-uuid"));
    assert.equal(err.constructor, InvalidArgumentError);
    assert.equal(err.reason, "INVALID_ARGUMENT");
    assert.ok((err as InvalidArgumentError).fieldErrors.length > 0, "BadRequest names the field");
  });
});
