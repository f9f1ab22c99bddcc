/**
 * P05 from the command line and the SDK: `flowgate webhooks create|ls|rm|deliveries` against a local
 * receiver, the secret printed once and verifying what the receiver got, and the exit codes of a
 * refused call (2 usage, 3 not found, 8 permission denied). `client.webhooks` is the SDK's side.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { FlowgateClient, WebhookNotFoundError, type Webhook, type WebhookDelivery } from "../../client-sdk/src/index.js";
import { runCli } from "../support/cli.js";
import { eventually } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { verifyStandardWebhook, WebhookReceiver } from "../support/webhooks.js";

describe("flowgate webhooks", () => {
  let server: TestServer;
  let admin: FlowgateClient;
  let receiver: WebhookReceiver;
  const asAdmin = (args: string[]) => runCli(server.address, args, { env: { FLOWGATE_API_KEY: server.apiKey } });

  before(async () => {
    server = await startTestServer({ env: { FLOWGATE_WEBHOOK_RETRY_BASE_MS: "100", FLOWGATE_WEBHOOK_POLL_MS: "100" } });
    admin = new FlowgateClient({ address: server.address, apiKey: server.apiKey });
    receiver = await WebhookReceiver.start();
  });
  after(async () => {
    admin.close();
    await receiver.stop();
    await server.stop();
  });

  test(
    "P05 create prints the secret once, ls lists it, deliveries shows each event's attempts, rm deletes it",
    { timeout: 120_000 },
    async () => {
      const created = await asAdmin([
        "webhooks",
        "create",
        "--url",
        receiver.url,
        "--events",
        "paused,resumed",
        "--description",
        "ops channel",
      ]);
      assert.equal(created.code, 0, created.stderr);
      const secret = created.stdout.trim();
      assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/, "the secret alone on stdout");
      const id = /Created webhook ([0-9a-f-]{36}) for /.exec(created.stderr)?.[1];
      assert.ok(id, created.stderr);
      assert.match(created.stderr, /paused, resumed/);

      const ls = await asAdmin(["--json", "webhooks", "ls"]);
      assert.equal(ls.code, 0, ls.stderr);
      const listed = JSON.parse(ls.stdout) as Webhook[];
      assert.deepEqual(
        listed.map((w) => [w.id, w.url, w.events, w.description, w.createdBy]),
        [[id, receiver.url, ["paused", "resumed"], "ops channel", "admin"]],
      );
      assert.ok(!ls.stdout.includes(secret));
      const table = await asAdmin(["webhooks", "ls"]);
      assert.match(table.stdout, /^ID\s+URL\s+EVENTS\s+DESCRIPTION\s+CREATED\s+BY/);
      assert.ok(table.stdout.includes(receiver.url) && table.stdout.includes("paused,resumed"));

      const run = await admin.createFlowRun({ flowName: "cli-hooks", state: { type: "RUNNING" } });
      await admin.pauseFlowRun({ flowRunId: run.id, key: "ship", timeoutSeconds: 600, reschedule: false, inputDescription: "Ship it?" });
      await admin.resumeFlowRun(run.id);
      const paused = await receiver.waitFor("paused", (r) => r.payload.type === "flow_run.paused");
      const resumed = await receiver.waitFor("resumed", (r) => r.payload.type === "flow_run.resumed");
      for (const r of [paused, resumed]) verifyStandardWebhook(secret, r.headers, r.body);

      // The SDK's view, until both are delivered.
      const deliveries = await eventually(
        "both deliveries delivered",
        async () => {
          const page = await admin.webhooks.deliveries(id);
          return page.deliveries.length === 2 && page.deliveries.every((d) => d.status === "delivered") ? page.deliveries : undefined;
        },
        60_000,
        100,
      );
      assert.deepEqual(
        deliveries.map((d) => [d.event, d.flowRunId, d.attempts.length, d.attempts[0]!.statusCode]),
        [
          ["resumed", run.id, 1, 200],
          ["paused", run.id, 1, 200],
        ],
      );
      const shown = await asAdmin(["webhooks", "deliveries", id]);
      assert.equal(shown.code, 0, shown.stderr);
      const lines = shown.stdout.trim().split("\n");
      assert.match(lines[0]!, /^TIME\s+EVENT\s+RUN\s+STATUS\s+ATTEMPTS\s+LAST$/);
      assert.equal(lines.length, 3);
      assert.match(lines[1]!, new RegExp(`\\sresumed\\s+${run.id}\\s+DELIVERED\\s+1\\s+200$`));
      assert.match(lines[2]!, new RegExp(`\\spaused\\s+${run.id}\\s+DELIVERED\\s+1\\s+200$`));
      const json = JSON.parse((await asAdmin(["--json", "webhooks", "deliveries", id])).stdout) as WebhookDelivery[];
      assert.deepEqual(
        json.map((d) => d.id),
        deliveries.map((d) => d.id),
      );

      const rm = await asAdmin(["webhooks", "rm", id]);
      assert.equal(rm.code, 0, rm.stderr);
      assert.equal(rm.stdout.trim(), `Deleted webhook ${id}.`);
      assert.equal((await asAdmin(["webhooks", "rm", id])).code, 3, "deleting it again: not found");
      assert.equal((await asAdmin(["webhooks", "deliveries", id])).code, 3);
      await assert.rejects(admin.webhooks.deliveries(id), WebhookNotFoundError);
      assert.deepEqual(await admin.webhooks.list(), []);
    },
  );

  test("P05 a pending delivery shows its failed attempts and when it is tried next", { timeout: 120_000 }, async () => {
    const down = await WebhookReceiver.start();
    await down.down();
    const { webhook } = await admin.webhooks.create({ url: down.url, events: ["paused"] });
    const run = await admin.createFlowRun({ flowName: "cli-hooks", state: { type: "RUNNING" } });
    await admin.pauseFlowRun({ flowRunId: run.id, key: "wait", timeoutSeconds: 600, reschedule: false });
    await eventually(
      "a refused attempt",
      async () => ((await admin.webhooks.deliveries(webhook.id)).deliveries[0]?.attempts.length ?? 0) >= 1 || undefined,
      60_000,
      100,
    );
    const shown = await asAdmin(["webhooks", "deliveries", webhook.id]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout.split("\n")[1]!, new RegExp(`\\spaused\\s+${run.id}\\s+PENDING\\s+\\d+\\s+connection refused; next \\d{4}-`));
    await admin.webhooks.delete(webhook.id);
  });

  test("P05 refusals: an unknown event is a usage error (2), a key without admin is refused (8)", { timeout: 60_000 }, async () => {
    const bad = await asAdmin(["webhooks", "create", "--url", receiver.url, "--events", "paused,exploded"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown event "exploded"; one of: paused, approved, resumed, rejected, timed_out, reminder/);
    const badUrl = await asAdmin(["webhooks", "create", "--url", "ftp://example.com", "--events", "paused"]);
    assert.equal(badUrl.code, 4, badUrl.stderr);
    assert.match(badUrl.stderr, /url: must be an http:\/\/ or https:\/\/ URL/);

    const { secret } = await admin.createKey({ name: "hooks-operator", scopes: ["runs:read", "runs:write", "runs:resume"] });
    const refused = await runCli(server.address, ["webhooks", "ls"], { env: { FLOWGATE_API_KEY: secret } });
    assert.equal(refused.code, 8, refused.stderr);
  });
});
