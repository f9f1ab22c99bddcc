#!/usr/bin/env node
// The `flowgate` bin. A checked-in shim rather than a built file: npm links (and chmods) a package's
// bins at install time, before a checkout has built dist/, and skips targets that are missing.
//
// It runs the bundle (dist/cli/flowgate.cjs, made by `npm run build`; see tools/bundle-cli.mjs) with
// V8's code cache, which Node 20 has no switch for (module.enableCompileCache() came in Node 22.1):
// the first run saves the compiled code beside the bundle, later runs skip parsing and compiling
// 1.6 MB of JavaScript. Without a bundle (only tsc has run) it imports dist/cli/main.js instead.
// For development, `node --import tsx client-sdk/src/cli/main.ts`.
import { accessSync, constants, existsSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { createRequire, Module } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Script } from "node:vm";

const bundle = fileURLToPath(new URL("../dist/cli/flowgate.cjs", import.meta.url));

if (existsSync(bundle)) {
  runCached(bundle);
} else {
  await import("../dist/cli/main.js");
}

function runCached(file) {
  // The bundle keeps main.ts's "#!" line, valid only as a script's very first characters.
  const source = readFileSync(file, "utf8").replace(/^#!.*/, "");
  // V8 checks a cache's V8 version and flags, but of the source only its length: the bundle's size
  // and mtime in the name keep a cache from being used for another build of the same length.
  const { size, mtimeMs } = statSync(file);
  const cacheFile = `${file}.${size}-${Math.trunc(mtimeMs)}-${process.versions.v8}.cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new Script(Module.wrap(source), { filename: file, cachedData });
  const fn = script.runInThisContext();
  const mod = { exports: {} };
  fn.call(mod.exports, mod.exports, createRequire(file), mod, file, dirname(file));
  if ((cachedData === undefined || script.cachedDataRejected) && writable(dirname(file))) {
    // Made at exit so it holds the functions this run compiled too, not only the top level.
    process.once("exit", () => {
      try {
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, cacheFile);
      } catch {
        // no cache this time
      }
    });
  }
}

/** A read-only install (a global one owned by root, say) runs without a cache rather than make one each time in vain. */
function writable(dir) {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
