import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { status } from "@grpc/grpc-js";
import pino from "pino";
import { toHttpFailure } from "../http/http-errors.js";
import { toServiceError } from "./status.js";

/** A logger that remembers the levels it was asked to log at. */
function recordingLogger(): { logger: pino.Logger; levels: string[] } {
  const levels: string[] = [];
  const logger = pino(
    { level: "trace" },
    { write: (line: string) => void levels.push(pino.levels.labels[(JSON.parse(line) as { level: number }).level]!) },
  );
  return { logger, levels };
}

describe("a call whose wait its signal stopped (the caller left, or the server is stopping)", () => {
  const aborted = (): Error => AbortSignal.abort().reason as Error;

  test("is CANCELLED over gRPC, logged below warn, not an INTERNAL error", () => {
    const { logger, levels } = recordingLogger();
    const answer = toServiceError(aborted(), logger, "flowgate.v1.RunService/ResumeFlowRun");
    assert.equal(answer.code, status.CANCELLED);
    assert.deepEqual(levels, ["debug"]);
  });

  test("is 503 over HTTP with a Retry-After, logged below warn", () => {
    const { logger, levels } = recordingLogger();
    const answer = toHttpFailure(aborted(), logger, "POST /api/runs/:id/resume");
    assert.equal(answer.status, 503);
    assert.equal(answer.headers["retry-after"], "1");
    assert.deepEqual(levels, ["debug"]);
  });

  test("anything else unexpected is still INTERNAL, logged as an error", () => {
    const { logger, levels } = recordingLogger();
    assert.equal(toServiceError(new Error("boom"), logger, "m").code, status.INTERNAL);
    assert.deepEqual(levels, ["error"]);
  });
});
