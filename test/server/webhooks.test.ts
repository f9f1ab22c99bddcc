/**
 * P05 webhooks (and P06's reminder): a local receiver the test runs, signatures checked with an
 * independent Standard Webhooks verifier, retries while the receiver is down, kill -9, two servers on
 * one store. Retries are made fast with FLOWGATE_WEBHOOK_RETRY_BASE_MS; every wait has a generous
 * deadline and nothing asserts how long anything took.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { status } from "@grpc/grpc-js";
import { ResumeLinks, StateType, TimeoutAction } from "@flowgate/contract/flowgate/v1/types.js";
import { eventually, expectGrpcError, fieldViolations, runningRun, withDatabase } from "../support/fixtures.js";
import { connect, type TestClients } from "../support/grpc-client.js";
import { startServerProcess, startTestServer, type ServerProcess, type TestServer } from "../support/test-server.js";
import {
  verifyStandardWebhook,
  WebhookReceiver,
  webhookClient,
  webhookPb,
  type ReceivedWebhook,
  type WebhookClient,
} from "../support/webhooks.js";

const { WebhookEvent, DeliveryStatus } = webhookPb;
type Delivery = webhookPb.WebhookDelivery;

/** Fast retries and polling, so a receiver that comes back is served within moments. */
const FAST = { FLOWGATE_WEBHOOK_RETRY_BASE_MS: "100", FLOWGATE_WEBHOOK_POLL_MS: "100" };
/** Deliveries across restarts and servers: generous (a lease left by a killed server lasts 30 s). */
const LONG_MS = 120_000;

/** The webhook's deliveries once `done` holds for them (polled). */
function deliveriesWhen(hooks: WebhookClient, webhookId: string, what: string, done: (ds: Delivery[]) => boolean, timeoutMs = 60_000) {
  return eventually(
    what,
    async () => {
      const { deliveries } = await hooks.deliveries(webhookId, 500);
      return done(deliveries) ? deliveries : undefined;
    },
    timeoutMs,
    100,
  );
}

const allDelivered = (n: number) => (ds: Delivery[]) =>
  ds.length === n && ds.every((d) => d.status === DeliveryStatus.DELIVERY_STATUS_DELIVERED);

/** Asserts the receiver answered 2xx exactly once for each of these delivery ids, and for no other. */
function assertDeliveredOnce(receiver: WebhookReceiver, ids: readonly string[]): void {
  const counts = new Map<string, number>();
  for (const r of receiver.delivered) counts.set(String(r.headers["webhook-id"]), (counts.get(String(r.headers["webhook-id"])) ?? 0) + 1);
  assert.deepEqual([...counts.keys()].sort(), [...ids].sort(), "the deliveries the receiver accepted");
  for (const [id, n] of counts) assert.equal(n, 1, `delivery ${id} was accepted ${n} times`);
}

const ofType = (type: string, flowRunId?: string) => (r: ReceivedWebhook) =>
  r.payload.type === type && (flowRunId === undefined || (r.payload.data["flowRun"] as { id: string }).id === flowRunId);

async function keyFor(server: TestServer, name: string, scopes: string[]): Promise<TestClients> {
  const { secret } = await server.keys.createKey({ name, scopes });
  return connect(server.address, secret);
}

describe("webhooks on one server", () => {
  let server: TestServer;
  let hooks: WebhookClient;
  const receivers: WebhookReceiver[] = [];
  const clients: TestClients[] = [];
  before(async () => {
    server = await startTestServer({ env: FAST });
    hooks = webhookClient(server.address, server.apiKey);
  });
  after(async () => {
    hooks.close();
    for (const c of clients) c.close();
    await Promise.all(receivers.map((r) => r.stop()));
    await server.stop();
  });
  const receiver = async (): Promise<WebhookReceiver> => {
    const r = await WebhookReceiver.start();
    receivers.push(r);
    return r;
  };

  test("P05 a pause and its resume are POSTed signed per Standard Webhooks, with the run, the pause, its links and the approvals; each attempt is listed and the stored links are gone once delivered", async () => {
    const r = await receiver();
    const { webhook, secret } = await hooks.create({
      url: r.url,
      events: [WebhookEvent.WEBHOOK_EVENT_PAUSED, WebhookEvent.WEBHOOK_EVENT_RESUMED],
      description: "ops channel",
    });
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.equal(webhook!.createdBy, "admin");

    const run = await runningRun(server);
    const schema = { type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"] };
    const paused = await server.runs.pauseFlowRun({
      flowRunId: run.id,
      key: "ship",
      timeoutSeconds: 600,
      inputSchema: schema,
      inputDescription: "Ship it?",
      approval: { approvers: ["bob"], links: ResumeLinks.RESUME_LINKS_PER_APPROVER },
    });

    const got = await r.waitFor("the paused event", ofType("flow_run.paused", run.id));
    verifyStandardWebhook(secret, got.headers, got.body);
    assert.throws(() => verifyStandardWebhook(secret, got.headers, `${got.body} `), /no webhook-signature entry matches/);
    assert.throws(() => verifyStandardWebhook(`whsec_${Buffer.alloc(32).toString("base64")}`, got.headers, got.body));
    assert.equal(got.headers["content-type"], "application/json");
    assert.equal(got.payload.id, got.headers["webhook-id"]);
    const data = got.payload.data as {
      flowRun: { id: string; name: string; flowName: string; state: { type: string }; url: string };
      pause: {
        key: string;
        instanceId: string;
        description: string;
        schema: unknown;
        expiresAt: string;
        approval: unknown;
        approvals: unknown[];
      };
      links: { id: string; approver: string; url: string; token: string }[];
    };
    assert.equal(data.flowRun.id, run.id);
    assert.equal(data.flowRun.flowName, "test-flow");
    assert.equal(data.flowRun.state.type, "PAUSED");
    assert.match(data.flowRun.url, new RegExp(`/runs/${run.id}$`));
    assert.equal(data.pause.key, "ship");
    assert.equal(data.pause.instanceId, paused.flowRun!.pause!.instanceId);
    assert.equal(data.pause.description, "Ship it?");
    assert.deepEqual(data.pause.schema, schema);
    assert.equal(new Date(data.pause.expiresAt).getTime(), paused.flowRun!.pause!.expiresAt!.getTime());
    assert.deepEqual(data.pause.approval, { approvers: ["bob"], required: 1, allowSelfApproval: false, links: "per_approver" });
    assert.deepEqual(data.pause.approvals, []);
    assert.deepEqual(
      data.links,
      paused.links.map((l) => ({ id: l.id, approver: l.approver, url: l.url, token: l.token })),
    );
    assert.equal(data.links.length, 1);

    const bob = await keyFor(server, "bob", ["runs:resume", "runs:read"]);
    clients.push(bob);
    await bob.runs.resumeFlowRun({ flowRunId: run.id, runInput: { ok: true } });
    const resumed = await r.waitFor("the resumed event", ofType("flow_run.resumed", run.id));
    verifyStandardWebhook(secret, resumed.headers, resumed.body);
    const rd = resumed.payload.data as {
      pause: { status: string; description: string; approvals: { by: { principal: string }; input: unknown }[] };
    };
    assert.equal(rd.pause.status, "resumed");
    assert.equal(rd.pause.description, "Ship it?");
    assert.deepEqual(
      rd.pause.approvals.map((a) => [a.by.principal, a.input]),
      [["bob", { ok: true }]],
    );
    assert.equal("links" in resumed.payload.data, false, "only a paused event carries links");
    assert.notEqual(resumed.headers["webhook-id"], got.headers["webhook-id"]);

    const deliveries = await deliveriesWhen(hooks, webhook!.id, "both delivered", allDelivered(2));
    assert.deepEqual(
      deliveries.map((d) => [d.event, d.flowRunId, d.attempts.length, d.attempts[0]!.statusCode, d.attempts[0]!.error]),
      [
        [WebhookEvent.WEBHOOK_EVENT_RESUMED, run.id, 1, 200, ""],
        [WebhookEvent.WEBHOOK_EVENT_PAUSED, run.id, 1, 200, ""],
      ],
    );
    assert.equal(deliveries[1]!.id, got.headers["webhook-id"]);
    assertDeliveredOnce(
      r,
      deliveries.map((d) => d.id),
    );
    // The link's token was in the outbox only while it might be sent.
    const stored = await withDatabase(server.database, (db) =>
      db.collection("webhook_deliveries").find({ webhookId: webhook!.id }).toArray(),
    );
    assert.equal(stored.length, 2);
    assert.ok(!JSON.stringify(stored).includes(data.links[0]!.token), "a delivered payload keeps no link token");
  });

  test("P05 a receiver that is down, then failing, then up gets each delivery exactly once, and every attempt is recorded", async () => {
    const r = await receiver();
    const { webhook, secret } = await hooks.create({ url: r.url, events: [WebhookEvent.WEBHOOK_EVENT_PAUSED] });
    await r.down();
    const run = await runningRun(server);
    await server.runs.pauseFlowRun({ flowRunId: run.id, key: "approve", timeoutSeconds: 600 });

    await deliveriesWhen(hooks, webhook!.id, "two refused attempts", (ds) => (ds[0]?.attempts.length ?? 0) >= 2);
    r.answer = 503;
    await r.up();
    await deliveriesWhen(hooks, webhook!.id, "an attempt answered 503", (ds) => ds[0]!.attempts.some((a) => a.statusCode === 503));
    r.answer = 200;
    const [delivery] = await deliveriesWhen(hooks, webhook!.id, "delivered", allDelivered(1));

    const attempts = delivery!.attempts;
    assert.deepEqual(
      attempts.slice(0, 2).map((a) => [a.statusCode, a.error]),
      [
        [0, "connection refused"],
        [0, "connection refused"],
      ],
    );
    assert.ok(attempts.some((a) => a.statusCode === 503 && a.error === "HTTP 503"));
    assert.deepEqual([attempts.at(-1)!.statusCode, attempts.at(-1)!.error], [200, ""]);
    for (const a of attempts) assert.ok(a.at instanceof Date && a.durationMs >= 0);
    assertDeliveredOnce(r, [delivery!.id]);
    // Every try of one delivery has its id and the same body; each is signed for its own timestamp.
    for (const req of r.received) {
      assert.equal(req.headers["webhook-id"], delivery!.id);
      assert.equal(req.body, r.received[0]!.body);
      verifyStandardWebhook(secret, req.headers, req.body);
    }
  });

  test("P05 a receiver that does not answer delays neither the pause nor the resume", async () => {
    const r = await receiver();
    const { webhook } = await hooks.create({ url: r.url, events: [WebhookEvent.WEBHOOK_EVENT_PAUSED, WebhookEvent.WEBHOOK_EVENT_RESUMED] });
    r.hold();
    const run = await runningRun(server);
    await server.runs.pauseFlowRun({ flowRunId: run.id, key: "approve", timeoutSeconds: 600 });
    const held = await r.waitFor("the paused event, held", ofType("flow_run.paused", run.id));
    const { flowRun } = await server.runs.resumeFlowRun({ flowRunId: run.id });
    assert.equal(flowRun!.state!.type, StateType.STATE_TYPE_RUNNING);
    assert.equal(held.answered, 0, "the resume returned while the receiver still held the paused event");
    r.release();
    await deliveriesWhen(hooks, webhook!.id, "both delivered once released", allDelivered(2));
  });

  test("P05 an approval below the quorum is 'approved', a reject is 'rejected', an expiry is 'timed_out'; events not asked for are not sent", async () => {
    const r = await receiver();
    const { webhook, secret } = await hooks.create({
      url: r.url,
      events: [WebhookEvent.WEBHOOK_EVENT_APPROVED, WebhookEvent.WEBHOOK_EVENT_REJECTED, WebhookEvent.WEBHOOK_EVENT_TIMED_OUT],
    });
    const bob = await keyFor(server, "bob-2", ["runs:resume", "runs:read"]);
    const carol = await keyFor(server, "carol-2", ["runs:resume", "runs:read"]);
    clients.push(bob, carol);

    const decided = await runningRun(server);
    await server.runs.pauseFlowRun({
      flowRunId: decided.id,
      key: "two",
      timeoutSeconds: 600,
      approval: { approvers: ["bob-2", "carol-2"], required: 2 },
    });
    const first = await bob.runs.resumeFlowRun({ flowRunId: decided.id });
    assert.equal(first.resumed, false);
    const approved = await r.waitFor("approved", ofType("flow_run.approved", decided.id));
    verifyStandardWebhook(secret, approved.headers, approved.body);
    const ap = approved.payload.data as { pause: { status: string; approvals: { by: { principal: string } }[] } };
    assert.equal(ap.pause.status, "pending");
    assert.deepEqual(
      ap.pause.approvals.map((a) => a.by.principal),
      ["bob-2"],
    );

    await carol.runs.rejectFlowRun({ flowRunId: decided.id, reason: "not today" });
    const rejected = await r.waitFor("rejected", ofType("flow_run.rejected", decided.id));
    const rj = rejected.payload.data as { flowRun: { state: { type: string } }; rejection: { by: { principal: string }; reason: string } };
    assert.equal(rj.rejection.by.principal, "carol-2");
    assert.equal(rj.rejection.reason, "not today");

    const expiring = await runningRun(server);
    await server.runs.pauseFlowRun({ flowRunId: expiring.id, key: "soon", timeoutSeconds: 1 });
    const timedOut = await r.waitFor("timed_out", ofType("flow_run.timed_out", expiring.id));
    const td = timedOut.payload.data as { flowRun: { state: { type: string; message: string } }; pause: { status: string } };
    assert.equal(td.flowRun.state.type, "FAILED");
    assert.equal(td.pause.status, "timed_out");

    const deliveries = await deliveriesWhen(hooks, webhook!.id, "three delivered", allDelivered(3));
    assert.deepEqual(
      deliveries.map((d) => d.event).sort(),
      [WebhookEvent.WEBHOOK_EVENT_REJECTED, WebhookEvent.WEBHOOK_EVENT_TIMED_OUT, WebhookEvent.WEBHOOK_EVENT_APPROVED].sort(),
    );
    assert.equal(r.received.filter(ofType("flow_run.paused")).length, 0, "no paused event was asked for");
  });

  test("P06 a pause whose timeout policy resumes it sends 'resumed', the last approval made by timeout with the default input", async () => {
    const r = await receiver();
    await hooks.create({ url: r.url, events: [WebhookEvent.WEBHOOK_EVENT_RESUMED, WebhookEvent.WEBHOOK_EVENT_TIMED_OUT] });
    const run = await runningRun(server);
    await server.runs.pauseFlowRun({
      flowRunId: run.id,
      key: "auto",
      timeoutSeconds: 1,
      onTimeout: { action: TimeoutAction.TIMEOUT_ACTION_RESUME, input: { approved: "by default" } },
    });
    const resumed = await r.waitFor("resumed by the timeout policy", ofType("flow_run.resumed", run.id));
    const data = resumed.payload.data as { pause: { approvals: { by: { principal: string; channel: string }; input: unknown }[] } };
    assert.deepEqual(
      data.pause.approvals.map((a) => [a.by.principal, a.by.channel, a.input]),
      [["timeout", "server", { approved: "by default" }]],
    );
    assert.equal(r.received.filter(ofType("flow_run.timed_out", run.id)).length, 0, "a pause resumed by its policy did not time out");
  });

  test("P06 a reminder goes out once while the pause still waits, and is dropped unsent when the pause was resumed first", async () => {
    const r = await receiver();
    const { webhook, secret } = await hooks.create({ url: r.url, events: [WebhookEvent.WEBHOOK_EVENT_REMINDER] });
    const onTimeout = { action: TimeoutAction.TIMEOUT_ACTION_FAIL, remindAfterSeconds: 1 };
    const waiting = await runningRun(server);
    const answered = await runningRun(server);
    await server.runs.pauseFlowRun({
      flowRunId: waiting.id,
      key: "approve",
      timeoutSeconds: 600,
      onTimeout,
      inputDescription: "Still there?",
    });
    await server.runs.pauseFlowRun({ flowRunId: answered.id, key: "approve", timeoutSeconds: 600, onTimeout });
    await server.runs.resumeFlowRun({ flowRunId: answered.id });

    const reminder = await r.waitFor("the reminder", ofType("flow_run.reminder", waiting.id));
    verifyStandardWebhook(secret, reminder.headers, reminder.body);
    const data = reminder.payload.data as { flowRun: { state: { type: string } }; pause: { description: string; status: string } };
    assert.equal(data.flowRun.state.type, "PAUSED");
    assert.equal(data.pause.description, "Still there?");
    assert.equal("links" in reminder.payload.data, false);

    const deliveries = await deliveriesWhen(
      hooks,
      webhook!.id,
      "one reminder delivered, one dropped",
      (ds) => ds.length === 2 && ds.every((d) => d.status !== DeliveryStatus.DELIVERY_STATUS_PENDING),
    );
    const byRun = new Map(deliveries.map((d) => [d.flowRunId, d]));
    assert.equal(byRun.get(waiting.id)!.status, DeliveryStatus.DELIVERY_STATUS_DELIVERED);
    assert.equal(byRun.get(answered.id)!.status, DeliveryStatus.DELIVERY_STATUS_DROPPED);
    assert.equal(byRun.get(answered.id)!.attempts.length, 0, "a dropped reminder is never sent");
    assert.equal(r.received.length, 1, "one reminder, for the run that still waits");
  });

  test("P05 WebhookService: admin only; invalid webhooks refused field by field; unknown ids WEBHOOK_NOT_FOUND; a deleted webhook's pending deliveries go with it", async () => {
    // Every scope but admin.
    const { secret: operatorKey } = await server.keys.createKey({
      name: "operator",
      scopes: ["runs:read", "runs:write", "runs:resume", "deployments:write"],
    });
    const theirs = webhookClient(server.address, operatorKey);
    try {
      await expectGrpcError(
        theirs.create({ url: "http://127.0.0.1:1/", events: [WebhookEvent.WEBHOOK_EVENT_PAUSED] }),
        status.PERMISSION_DENIED,
        undefined,
        "PERMISSION_DENIED",
      );
      await expectGrpcError(theirs.list(), status.PERMISSION_DENIED, undefined, "PERMISSION_DENIED");
      await expectGrpcError(
        theirs.delete("00000000-0000-4000-8000-000000000000"),
        status.PERMISSION_DENIED,
        undefined,
        "PERMISSION_DENIED",
      );
      await expectGrpcError(
        theirs.deliveries("00000000-0000-4000-8000-000000000000"),
        status.PERMISSION_DENIED,
        undefined,
        "PERMISSION_DENIED",
      );
    } finally {
      theirs.close();
    }

    const bad = await expectGrpcError(
      hooks.create({ url: "ftp://example.com/x", events: [WebhookEvent.WEBHOOK_EVENT_PAUSED, WebhookEvent.WEBHOOK_EVENT_UNSPECIFIED] }),
      status.INVALID_ARGUMENT,
      undefined,
      "INVALID_ARGUMENT",
    );
    assert.deepEqual(
      fieldViolations(bad).map((v) => v.field),
      ["url", "events.1"],
    );
    const none = await expectGrpcError(hooks.create({ url: "https://example.com/x", events: [] }), status.INVALID_ARGUMENT);
    assert.deepEqual(
      fieldViolations(none).map((v) => v.field),
      ["events"],
    );
    const unknown = "00000000-0000-4000-8000-000000000000";
    await expectGrpcError(hooks.delete(unknown), status.NOT_FOUND, undefined, "WEBHOOK_NOT_FOUND");
    await expectGrpcError(hooks.deliveries(unknown), status.NOT_FOUND, undefined, "WEBHOOK_NOT_FOUND");
    await expectGrpcError(hooks.delete("not-a-uuid"), status.INVALID_ARGUMENT);

    const r = await receiver();
    await r.down();
    const { webhook } = await hooks.create({ url: r.url, events: [WebhookEvent.WEBHOOK_EVENT_PAUSED], description: "to delete" });
    const listed = (await hooks.list()).webhooks;
    assert.equal(listed[0]!.id, webhook!.id, "newest first");
    assert.equal(listed[0]!.description, "to delete");
    assert.ok(!JSON.stringify(listed).includes("whsec_"), "no secret is listed");
    const run = await runningRun(server);
    await server.runs.pauseFlowRun({ flowRunId: run.id, key: "approve", timeoutSeconds: 600 });
    await deliveriesWhen(hooks, webhook!.id, "a failed attempt", (ds) => ds.length === 1 && ds[0]!.attempts.length >= 1);
    await hooks.delete(webhook!.id);
    await expectGrpcError(hooks.deliveries(webhook!.id), status.NOT_FOUND, undefined, "WEBHOOK_NOT_FOUND");
    assert.ok(!(await hooks.list()).webhooks.some((w) => w.id === webhook!.id));
    const left = await withDatabase(server.database, (db) =>
      db.collection("webhook_deliveries").countDocuments({ webhookId: webhook!.id }),
    );
    assert.equal(left, 0);
  });
});

describe("webhooks across servers", () => {
  const receivers: WebhookReceiver[] = [];
  const servers: (TestServer | ServerProcess)[] = [];
  const hookClients: WebhookClient[] = [];
  after(async () => {
    for (const h of hookClients) h.close();
    await Promise.all(receivers.map((r) => r.stop()));
    await Promise.all(servers.map((s) => s.stop()));
  });

  test("P05 two servers on one store: every delivery is sent by exactly one of them, however they race for it", async () => {
    const env = { FLOWGATE_WEBHOOK_RETRY_BASE_MS: "200", FLOWGATE_WEBHOOK_POLL_MS: "20" };
    const a = await startTestServer({ env });
    servers.push(a);
    const b = await startTestServer({ env, database: a.database });
    servers.push(b);
    const hooks = webhookClient(a.address, a.apiKey);
    hookClients.push(hooks);
    const r = await WebhookReceiver.start();
    receivers.push(r);
    const { webhook } = await hooks.create({ url: r.url, events: [WebhookEvent.WEBHOOK_EVENT_PAUSED, WebhookEvent.WEBHOOK_EVENT_RESUMED] });

    // The receiver is down at first: the deliveries pile up as retries that both servers find due.
    await r.down();
    const runs = [];
    for (let i = 0; i < 6; i++) {
      const via = i % 2 === 0 ? a : b;
      const run = await runningRun(via);
      await via.runs.pauseFlowRun({ flowRunId: run.id, key: "approve", timeoutSeconds: 600 });
      await (i % 3 === 0 ? a : b).runs.resumeFlowRun({ flowRunId: run.id });
      runs.push(run);
    }
    await deliveriesWhen(
      hooks,
      webhook!.id,
      "12 deliveries, each tried",
      (ds) => ds.length === 12 && ds.every((d) => d.attempts.length >= 1),
    );
    await r.up();
    const deliveries = await deliveriesWhen(hooks, webhook!.id, "12 delivered", allDelivered(12), LONG_MS);
    assertDeliveredOnce(
      r,
      deliveries.map((d) => d.id),
    );
    for (const d of deliveries) assert.equal(d.attempts.filter((x) => x.statusCode === 200).length, 1);
    assert.deepEqual(new Set(deliveries.map((d) => d.flowRunId)), new Set(runs.map((x) => x.id)));
  });

  test("P05 a server killed with kill -9 while deliveries are due: the next server on the store delivers them, once each", async () => {
    const first = await startServerProcess({ env: FAST });
    servers.push(first);
    const r = await WebhookReceiver.start();
    receivers.push(r);
    const firstHooks = webhookClient(first.address, first.apiKey);
    hookClients.push(firstHooks);
    const { webhook, secret } = await firstHooks.create({ url: r.url, events: [WebhookEvent.WEBHOOK_EVENT_PAUSED] });
    await r.down();
    const runs = [await runningRun(first), await runningRun(first)];
    for (const run of runs) await first.runs.pauseFlowRun({ flowRunId: run.id, key: "approve", timeoutSeconds: 600 });
    await deliveriesWhen(
      firstHooks,
      webhook!.id,
      "both tried and due again",
      (ds) => ds.length === 2 && ds.every((d) => d.attempts.length >= 1),
    );

    await first.kill9();
    await r.up();
    const second = await startServerProcess({ database: first.database, env: FAST });
    servers.push(second);
    const hooks = webhookClient(second.address, second.apiKey);
    hookClients.push(hooks);
    const deliveries = await deliveriesWhen(hooks, webhook!.id, "both delivered after the restart", allDelivered(2), LONG_MS);
    assertDeliveredOnce(
      r,
      deliveries.map((d) => d.id),
    );
    for (const req of r.delivered) verifyStandardWebhook(secret, req.headers, req.body);
    assert.deepEqual(new Set(r.delivered.map((x) => (x.payload.data["flowRun"] as { id: string }).id)), new Set(runs.map((x) => x.id)));
  });
});
