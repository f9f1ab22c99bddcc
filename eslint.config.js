// Lint for every TypeScript package (server, SDK, UI, tests, bench, examples) with typescript-eslint's
// type-aware rules, and for the tools' plain JavaScript. Formatting is Prettier's job (.prettierrc.json),
// so no stylistic rules here. Generated code is never linted.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: ["**/gen/**", "**/dist/**", "**/node_modules/**", ".venv/**", ".tools/**", "clients/**", "contract/**", "ui/dist/**"],
  },
  {
    files: ["**/*.ts", "**/*.tsx"],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        project: [
          "./server/tsconfig.json",
          "./client-sdk/tsconfig.json",
          "./ui/tsconfig.json",
          "./test/tsconfig.json",
          "./bench/tsconfig.json",
        ],
        tsconfigRootDir: import.meta.dirname,
      },
      globals: { ...globals.node },
    },
    rules: {
      // `_`-prefixed names are deliberate: a parameter a signature needs, a value destructured away.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      // Promises left to run on purpose are marked with `void`; node:test's describe/test manage their own.
      "@typescript-eslint/no-floating-promises": [
        "error",
        {
          allowForKnownSafeCalls: [{ from: "package", package: "node:test", name: ["describe", "test", "it", "suite", "before", "after"] }],
        },
      ],
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { attributes: false } }],
    },
  },
  {
    // Flows and tasks are async functions by contract (the SDK awaits them), with or without an await inside.
    files: ["examples/**/*.ts", "test/**/*.ts", "bench/**/*.ts"],
    rules: { "@typescript-eslint/require-await": "off" },
  },
  {
    files: ["ui/src/**/*.{ts,tsx}"],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ["**/*.mjs", "**/*.js"],
    extends: [js.configs.recommended],
    languageOptions: { globals: { ...globals.node } },
  },
);
