/** `flowgate keys …` (create, list and revoke API keys; admin scope) and `flowgate whoami`. */
import { Command } from "commander";
import type { ApiKey } from "../types.js";
import { parseDuration } from "./duration.js";
import { CliError } from "./errors.js";
import { callerDetails, keysTable } from "./format.js";
import { withContext } from "./runs-commands.js";

/** "a,b" or repeated values → ["a", "b"], without empty entries. */
function list(values: string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v !== "");
}

export function keysCommand(program: Command): Command {
  const keys = program.command("keys").description("create, list and revoke API keys (needs an admin key)");

  keys
    .command("create")
    .description("create an API key and print its secret, once")
    .requiredOption("--name <name>", "the principal the key acts as, e.g. alice or billing-service")
    .requiredOption("--scopes <scopes...>", "comma-separated: runs:read, runs:write, runs:resume, deployments:write, admin")
    .option("--groups <groups...>", "comma-separated groups of the principal")
    .option("--expires <duration>", "the key stops working after this long: 30d, 12h, 90m, 3600s (default: never)")
    .action(async (opts: { name: string; scopes: string[]; groups?: string[]; expires?: string }, cmd: Command) =>
      withContext(cmd, async (ctx, signal) => {
        const scopes = list(opts.scopes);
        if (scopes.length === 0) throw new CliError("--scopes needs at least one scope");
        const expiresInSeconds = opts.expires === undefined ? undefined : parseDuration(opts.expires, "--expires");
        const { key, secret } = await ctx
          .client()
          .createKey({ name: opts.name, scopes, groups: list(opts.groups), expiresInSeconds }, { signal });
        if (ctx.json) {
          ctx.print(() => "", { id: key.id, name: key.name, secret });
          return;
        }
        // The secret alone on stdout, so `KEY=$(flowgate keys create …)` captures it; the rest is for people.
        process.stderr.write(
          `Created API key ${key.id} for ${key.name} (${key.scopes.join(", ")}` +
            `${key.expiresAt ? `, expires ${key.expiresAt.toISOString()}` : ""}).\n` +
            "Copy the secret below now: it will not be shown again.\n",
        );
        process.stdout.write(`${secret}\n`);
      }),
    );

  keys
    .command("ls")
    .description("list API keys, newest first (never their secrets)")
    .option("--all", "include revoked keys")
    .action(async (opts: { all?: boolean }, cmd: Command) =>
      withContext(cmd, async (ctx, signal) => {
        const all: ApiKey[] = [];
        let pageToken = "";
        do {
          const page = await ctx.client().listKeys({ pageToken, includeRevoked: opts.all === true }, { signal });
          all.push(...page.keys);
          pageToken = page.nextPageToken;
        } while (pageToken);
        ctx.print(() => keysTable(all), all);
      }),
    );

  keys
    .command("revoke")
    .description("revoke an API key: it is refused from the next call on")
    .argument("<id>", "key id (see `flowgate keys ls`)")
    .action(async (id: string, _opts: unknown, cmd: Command) =>
      withContext(cmd, async (ctx, signal) => {
        const key = await ctx.client().revokeKey(id, { signal });
        ctx.print(() => `Revoked API key ${key.id} of ${key.name}.`, key);
      }),
    );

  return keys;
}

export function whoamiCommand(program: Command): Command {
  return program
    .command("whoami")
    .description("show who the API key acts as: its name, groups and scopes")
    .action(async (_opts: unknown, cmd: Command) =>
      withContext(cmd, async (ctx, signal) => {
        const caller = await ctx.client().getCaller({ signal });
        ctx.print(() => callerDetails(caller), caller);
      }),
    );
}
