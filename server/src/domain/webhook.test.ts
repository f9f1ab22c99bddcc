import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InvalidArgumentError } from "./errors.js";
import type { FlowRun, PauseRecord } from "./flow-run.js";
import { makeState } from "./states.js";
import { checkWebhookInput } from "./webhook.js";
import { pauseRefOf, reminderDueAt, waitingPause, webhookEventsOf } from "./webhook-events.js";
import { webhookPayload, withoutLinks } from "./webhook-payload.js";
import { DEFAULT_RETRY_POLICY, nextAttemptAfterFailure } from "./webhook-retry.js";
import { newWebhookSecret, webhookHeaders, webhookSignature } from "./webhook-signature.js";

const T0 = new Date("2026-01-01T00:00:00Z");
const at = (ms: number): Date => new Date(T0.getTime() + ms);

function pending(extra: Partial<PauseRecord> = {}): PauseRecord {
  return { key: "approve", reschedule: false, createdAt: T0, status: "pending", instanceId: "i-1", inputDescription: "Ship it?", ...extra };
}

function runWith(pause: PauseRecord | undefined, version: number): FlowRun {
  const paused = pause?.status === "pending";
  return {
    id: "run-1",
    name: "brave-otter",
    flowName: "deploy",
    parameters: {},
    labels: {},
    state: makeState(paused ? { type: "PAUSED", details: { pauseKey: pause.key } } : { type: "RUNNING" }, `s-${version}`, at(version)),
    version,
    runCount: 1,
    resuming: false,
    pauses: pause ? { [pause.key]: pause } : {},
    createdAt: T0,
    updatedAt: at(version),
  };
}

const events = (next: FlowRun, previous: FlowRun | undefined): string[] => webhookEventsOf(next, previous).map((f) => f.event);

describe("webhook events of a run change", () => {
  const running = runWith(undefined, 1);
  const paused = runWith(pending(), 2);

  test("entering a pause is 'paused'; a change that leaves it waiting unchanged is nothing", () => {
    assert.deepEqual(events(paused, running), ["paused"]);
    assert.deepEqual(events({ ...paused, version: 3 }, paused), []);
    assert.deepEqual(events(running, undefined), []);
  });

  test("an approval below the quorum is 'approved', once per approval recorded", () => {
    const one = runWith(pending({ approvals: [{ principal: "bob", channel: "cli", at: at(5) }] }), 3);
    const two = runWith(
      pending({
        approvals: [
          { principal: "bob", channel: "cli", at: at(5) },
          { principal: "carol", channel: "link", at: at(6), linkId: "l-1" },
        ],
      }),
      4,
    );
    assert.deepEqual(events(one, paused), ["approved"]);
    const facts = webhookEventsOf(two, one);
    assert.deepEqual(
      facts.map((f) => [f.event, f.approval?.principal]),
      [["approved", "carol"]],
    );
  });

  test("the end of a waiting pause is 'resumed', 'rejected' or 'timed_out'; a cancel or other end is nothing", () => {
    const ended = (status: PauseRecord["status"], more: Partial<PauseRecord> = {}): FlowRun => {
      // rules.ts drops the description of an ended pause: the event still carries it.
      const { inputDescription: _d, ...kept } = pending();
      return runWith({ ...kept, status, resolvedAt: at(9), ...more }, 3);
    };
    assert.deepEqual(events(ended("resumed"), paused), ["resumed"]);
    assert.deepEqual(events(ended("rejected", { rejection: { principal: "alice", channel: "grpc", at: at(8), reason: "no" } }), paused), [
      "rejected",
    ]);
    assert.deepEqual(events(ended("timed_out"), paused), ["timed_out"]);
    assert.deepEqual(events(ended("cancelled"), paused), []);
    assert.deepEqual(events(ended("ended"), paused), []);
    assert.equal(webhookEventsOf(ended("resumed"), paused)[0]!.pause.inputDescription, "Ship it?");
    // Already ended before the change: nothing new.
    assert.deepEqual(events({ ...ended("resumed"), version: 4 }, ended("resumed")), []);
  });

  test("a suspend taking over a waiting pause is the same instance; a new instance on the same key pauses again", () => {
    const converted = runWith(pending({ reschedule: true, suspendedWhileWaiting: true }), 3);
    assert.deepEqual(events(converted, paused), []);
    const again = runWith(pending({ instanceId: "i-2", createdAt: at(100) }), 9);
    const resumed = runWith({ ...pending(), status: "resumed", resolvedAt: at(50) }, 8);
    assert.deepEqual(events(again, resumed), ["paused"]);
    // Pauses stored before instance ids: told apart by their creation time.
    const { instanceId: _i, ...legacy } = pending();
    assert.deepEqual(events(runWith({ ...legacy, createdAt: at(100) }, 9), runWith({ ...legacy, status: "resumed" }, 8)), ["paused"]);
  });
});

describe("reminders", () => {
  test("due remindAfterSeconds after the pause began, unless it would expire first", () => {
    const p = pending({ onTimeout: { action: "fail", remindAfterSeconds: 60 }, expiresAt: at(3_600_000) });
    assert.deepEqual(reminderDueAt(p), at(60_000));
    assert.equal(reminderDueAt({ ...p, expiresAt: at(60_000) }), undefined);
    assert.equal(reminderDueAt(pending()), undefined);
    assert.deepEqual(reminderDueAt({ ...p, expiresAt: undefined }), at(60_000));
  });

  test("a reminder goes out only while the very pause instance it names still waits", () => {
    const p = pending();
    const ref = pauseRefOf(p);
    assert.ok(waitingPause(runWith(p, 2), ref));
    assert.equal(waitingPause(runWith({ ...p, status: "resumed" }, 3), ref), undefined);
    assert.equal(waitingPause(runWith(pending({ instanceId: "i-2" }), 5), ref), undefined);
    assert.equal(waitingPause(undefined, ref), undefined);
  });
});

describe("Standard Webhooks signatures", () => {
  test("the signature of the Standard Webhooks reference example", () => {
    // From the Standard Webhooks specification's libraries (test vector shared by every language).
    const signature = webhookSignature(
      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      "msg_p5jXN8AQM9LWM0D4loKWxJek",
      1614265330,
      '{"test": 2432232314}',
    );
    assert.equal(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  });

  test("a new secret is whsec_ and 32 random bytes; headers carry the id, the attempt's seconds and the signature", () => {
    const secret = newWebhookSecret();
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.equal(Buffer.from(secret.slice(6), "base64").length, 32);
    assert.notEqual(newWebhookSecret(), secret);
    const h = webhookHeaders(secret, "msg_1", new Date(1_700_000_000_999), "{}");
    assert.equal(h["webhook-id"], "msg_1");
    assert.equal(h["webhook-timestamp"], "1700000000");
    assert.equal(h["webhook-signature"], webhookSignature(secret, "msg_1", 1_700_000_000, "{}"));
  });
});

describe("retries", () => {
  const policy = { ...DEFAULT_RETRY_POLICY };

  test("back off from the base, doubling, capped at an hour, the last attempt at the end of the window", () => {
    assert.deepEqual(nextAttemptAfterFailure(policy, T0, 1, T0, 0), at(5_000));
    assert.deepEqual(nextAttemptAfterFailure(policy, T0, 2, at(5_000), 0), at(15_000));
    assert.deepEqual(nextAttemptAfterFailure(policy, T0, 20, at(60_000), 0), at(60_000 + 3_600_000));
    assert.deepEqual(nextAttemptAfterFailure(policy, T0, 30, at(23.5 * 3_600_000), 0), at(24 * 3_600_000));
    assert.equal(nextAttemptAfterFailure(policy, T0, 31, at(24 * 3_600_000), 0), undefined);
  });

  test("jitter adds at most a tenth", () => {
    const next = nextAttemptAfterFailure(policy, T0, 1, T0, 0.999)!;
    assert.ok(next.getTime() > at(5_000).getTime() && next.getTime() < at(5_500).getTime());
  });
});

describe("payloads", () => {
  test("a paused payload has the run, the pause and the links; withoutLinks removes only the links", () => {
    const p = pending({
      inputSchema: { type: "object" },
      approval: { approvers: ["bob"], required: 1, allowSelfApproval: false, links: "per_approver" },
    });
    const payload = webhookPayload({
      id: "msg_1",
      event: "paused",
      at: T0,
      run: runWith(p, 2),
      pause: p,
      links: [{ id: "l-1", approver: "bob", url: "http://ui/approve/fgr_x", token: "fgr_x" }],
      uiUrl: "http://ui",
    });
    assert.equal(payload["type"], "flow_run.paused");
    const data = payload["data"] as Record<string, Record<string, unknown>>;
    assert.equal(data["flowRun"]!["url"], "http://ui/runs/run-1");
    assert.equal(data["pause"]!["description"], "Ship it?");
    assert.deepEqual(data["pause"]!["schema"], { type: "object" });
    const body = JSON.stringify(payload);
    assert.ok(body.includes("fgr_x"));
    const stripped = withoutLinks(body);
    assert.ok(!stripped.includes("fgr_x"));
    assert.deepEqual((JSON.parse(stripped) as { data: { pause: unknown } }).data.pause, data["pause"]);
  });
});

describe("registering a webhook", () => {
  test("needs an http(s) URL and known events; duplicates count once", () => {
    assert.deepEqual(checkWebhookInput({ url: " https://hooks.example/x ", events: ["paused", "paused", "reminder"], description: "" }), {
      url: "https://hooks.example/x",
      events: ["paused", "reminder"],
      description: "",
    });
    for (const bad of [
      { url: "ftp://x", events: ["paused"] },
      { url: "", events: ["paused"] },
      { url: `https://x/${"a".repeat(2_100)}`, events: ["paused"] },
      { url: "https://x", events: [] },
      { url: "https://x", events: ["paused", "exploded"] },
    ]) {
      assert.throws(() => checkWebhookInput({ ...bad, description: "" }), InvalidArgumentError, JSON.stringify(bad).slice(0, 80));
    }
  });
});
