import assert from "node:assert/strict";
import { test } from "node:test";
import { detectCompat } from "./strategy.js";

test("FerretDB v1 is recognised by the extensions it adds to buildInfo", () => {
  // The reply of the embedded store (FerretDB 1.24), less its long lists.
  const v1 = {
    version: "7.0.42",
    gitVersion: "unknown",
    modules: [],
    ferretdbVersion: "v1.24.0",
    ferretdbFeatures: { aggregationStages: [] },
    ok: 1,
  };
  assert.equal(detectCompat(v1), "ferretdb");
});

test("a later FerretDB is recognised by its ferretdb document or its version strings", () => {
  assert.equal(detectCompat({ version: "7.0.77", ferretdb: { version: "v2.1.0" }, ok: 1 }), "ferretdb");
  assert.equal(detectCompat({ version: "7.0.77", gitVersion: "ferretdb-v2.2.0", ok: 1 }), "ferretdb");
});

test("a MongoDB buildInfo, standalone or replica set, is MongoDB", () => {
  assert.equal(detectCompat({ version: "8.0.4", gitVersion: "bc35ab4305d9920d9d0491c1c9ef9b72383d31f9", modules: [], ok: 1 }), "mongodb");
  assert.equal(
    detectCompat({ version: "7.0.14", gitVersion: "ce59cfc6a3c5e5c067dca0d30697edd68d4f5188", modules: ["enterprise"], ok: 1 }),
    "mongodb",
  );
});
