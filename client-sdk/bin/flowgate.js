#!/usr/bin/env node
// The `flowgate` bin. A checked-in shim rather than dist/cli/main.js itself: npm links (and chmods) a
// package's bins at install time, before a checkout has built dist/, and skips targets that are missing.
// Build first (`npm run build`); for development, `node --import tsx client-sdk/src/cli/main.ts`.
import "../dist/cli/main.js";
