import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfigError, loadConfig } from "./config.js";

describe("configuration limits", () => {
  test("the input limit stops at 2 MiB, so a run's document stays under the store's 16 MB limit", () => {
    assert.equal(loadConfig({ FLOWGATE_MAX_INPUT_BYTES: String(2 * 1024 * 1024) }).maxInputBytes, 2 * 1024 * 1024);
    assert.throws(() => loadConfig({ FLOWGATE_MAX_INPUT_BYTES: String(2 * 1024 * 1024 + 1) }), ConfigError);
    assert.equal(loadConfig({}).maxInputBytes, 1024 * 1024);
  });
});
