import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MongoNetworkError, MongoServerError } from "mongodb";
import { isStoreUnavailable } from "../app/ports.js";
import { reportingUnavailable } from "./store-errors.js";

/** An error as Node's net module raises it for a socket that died. */
function socketError(code: string, syscall: string): Error {
  return Object.assign(new Error(`${syscall} ${code}`), { code, syscall, errno: -32 });
}

/** What a repository's call fails with, as its callers see it. */
async function failureOf(err: Error): Promise<unknown> {
  const repo = reportingUnavailable({ find: () => Promise.reject(err) });
  return repo.find().then(
    () => assert.fail("the call succeeded"),
    (e: unknown) => e,
  );
}

describe("store errors as callers see them", () => {
  const unreachable: [string, Error][] = [
    ["the driver's network error", new MongoNetworkError("connection closed")],
    ["a bare write EPIPE from the store's dead socket", socketError("EPIPE", "write")],
    ["a reset connection", socketError("ECONNRESET", "read")],
    ["a refused connection", socketError("ECONNREFUSED", "connect")],
    ["a store socket file that is gone", socketError("ENOENT", "connect")],
  ];
  for (const [what, err] of unreachable) {
    test(`${what} is the store unavailable`, async () => {
      assert.equal(isStoreUnavailable(await failureOf(err)), true);
    });
  }

  const others: [string, Error][] = [
    ["a refusal by the store (duplicate key)", new MongoServerError({ message: "E11000 duplicate key", code: 11000 })],
    ["a bug", new TypeError("cannot read properties of undefined")],
    ["an error with a code but no socket behind it", Object.assign(new Error("x"), { code: "EPIPE" })],
  ];
  for (const [what, err] of others) {
    test(`${what} stays what it is`, async () => {
      assert.equal(await failureOf(err), err);
    });
  }
});
