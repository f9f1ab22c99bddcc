/** `flowgate webhooks …`: register, list and delete webhooks, and see each delivery's attempts (admin scope). */
import { Command } from "commander";
import { WEBHOOK_EVENTS, type Webhook, type WebhookDelivery, type WebhookEventName } from "../webhook-types.js";
import { CliError } from "./errors.js";
import { table } from "./format.js";
import { withContext } from "./runs-commands.js";

/** "paused,resumed" or repeated values → the event names, each checked. */
function parseEvents(values: string[]): WebhookEventName[] {
  const names = values
    .flatMap((v) => v.split(","))
    .map((v) => v.trim().toLowerCase())
    .filter((v) => v !== "");
  if (names.length === 0) throw new CliError(`--events needs at least one of: ${WEBHOOK_EVENTS.join(", ")}`);
  for (const n of names) {
    if (!(WEBHOOK_EVENTS as readonly string[]).includes(n))
      throw new CliError(`unknown event "${n}"; one of: ${WEBHOOK_EVENTS.join(", ")}`);
  }
  return names as WebhookEventName[];
}

function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 500) throw new CliError(`--limit must be an integer from 1 to 500, got "${value}"`);
  return n;
}

function iso(d: Date | undefined): string {
  return d ? d.toISOString() : "-";
}

export function webhooksTable(webhooks: Webhook[]): string {
  if (webhooks.length === 0) return "No webhooks.";
  return table(
    ["ID", "URL", "EVENTS", "DESCRIPTION", "CREATED", "BY"],
    webhooks.map((w) => [w.id, w.url, w.events.join(","), w.description || "-", iso(w.createdAt), w.createdBy]),
  );
}

/** What the last attempt got ("200", "503 HTTP 503", "connection refused"), and when a pending one is tried next. */
function lastOutcome(d: WebhookDelivery): string {
  const last = d.attempts.at(-1);
  const outcome = !last
    ? "-"
    : last.statusCode > 0
      ? `${last.statusCode}${last.error && last.error !== `HTTP ${last.statusCode}` ? ` ${last.error}` : ""}`
      : last.error;
  return d.status === "pending" && d.nextAttemptAt ? `${outcome}; next ${d.nextAttemptAt.toISOString()}` : outcome;
}

export function deliveriesTable(deliveries: WebhookDelivery[]): string {
  if (deliveries.length === 0) return "No deliveries.";
  return table(
    ["TIME", "EVENT", "RUN", "STATUS", "ATTEMPTS", "LAST"],
    deliveries.map((d) => [iso(d.createdAt), d.event, d.flowRunId, d.status.toUpperCase(), String(d.attempts.length), lastOutcome(d)]),
  );
}

export function webhooksCommand(program: Command): Command {
  const webhooks = program
    .command("webhooks")
    .description("signed HTTP callbacks when runs pause and their pauses end (needs an admin key; see docs/webhooks.md)");

  webhooks
    .command("create")
    .description("register a URL for some events and print its signing secret, once")
    .requiredOption("--url <url>", "http:// or https:// address the server POSTs to")
    .requiredOption("--events <events...>", `comma-separated: ${WEBHOOK_EVENTS.join(", ")}`)
    .option("--description <text>", "what it is for")
    .action(async (opts: { url: string; events: string[]; description?: string }, cmd: Command) =>
      withContext(cmd, async (ctx, signal) => {
        const events = parseEvents(opts.events);
        const { webhook, secret } = await ctx
          .client()
          .webhooks.create({ url: opts.url, events, description: opts.description }, { signal });
        if (ctx.json) {
          ctx.print(() => "", { ...webhook, secret });
          return;
        }
        // The secret alone on stdout, so `SECRET=$(flowgate webhooks create …)` captures it; the rest is for people.
        process.stderr.write(
          `Created webhook ${webhook.id} for ${webhook.url} (${webhook.events.join(", ")}).\n` +
            "Its signing secret is below; copy it now: it will not be shown again.\n",
        );
        process.stdout.write(`${secret}\n`);
      }),
    );

  webhooks
    .command("ls")
    .description("list webhooks, newest first (never their secrets)")
    .action(async (_opts: unknown, cmd: Command) =>
      withContext(cmd, async (ctx, signal) => {
        const all = await ctx.client().webhooks.list({ signal });
        ctx.print(() => webhooksTable(all), all);
      }),
    );

  webhooks
    .command("rm")
    .description("delete a webhook; its pending deliveries are not sent")
    .argument("<id>", "webhook id (see `flowgate webhooks ls`)")
    .action(async (id: string, _opts: unknown, cmd: Command) =>
      withContext(cmd, async (ctx, signal) => {
        await ctx.client().webhooks.delete(id, { signal });
        ctx.print(() => `Deleted webhook ${id}.`, { id, deleted: true });
      }),
    );

  webhooks
    .command("deliveries")
    .description("a webhook's deliveries, newest first: event, run, status, attempts and what the last one got")
    .argument("<id>", "webhook id (see `flowgate webhooks ls`)")
    .option("--limit <n>", "at most this many deliveries (1 to 500)", "50")
    .action(async (id: string, opts: { limit: string }, cmd: Command) =>
      withContext(cmd, async (ctx, signal) => {
        const { deliveries } = await ctx.client().webhooks.deliveries(id, { pageSize: parseLimit(opts.limit) }, { signal });
        ctx.print(() => deliveriesTable(deliveries), deliveries);
      }),
    );

  return webhooks;
}
