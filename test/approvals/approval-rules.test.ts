/**
 * Every approval rule on every path a decision can take: API keys over gRPC and the HTTP API, and
 * resume links over gRPC (resume_token) and their HTTP routes. Each rule starts from a fresh paused
 * run and checks the outcome and what the run looks like after it. A decision entry point that no
 * path covers fails the coverage test, so a new path cannot be added without these rows.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ResumeLinks, StateType, TimeoutAction, type FlowRun } from "@flowgate/contract/flowgate/v1/types.js";
import { WaitEventType } from "@flowgate/contract/flowgate/v1/run_service.js";
import type { PauseFlowRunRequest } from "@flowgate/contract/flowgate/v1/run_service.js";
import { GRPC_REQUIREMENTS, HTTP_REQUIREMENTS } from "../../server/src/middleware/requirements.js";
import { backdatePauseExpiry, eventually, readUntilFinal, runningRun, waitForResume } from "../support/fixtures.js";
import { connect } from "../support/grpc-client.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { launchChromium } from "../support/browser.js";
import { reasonOf } from "../support/status-details.js";
import { status, type ServiceError } from "@grpc/grpc-js";
import type { Browser } from "playwright-core";
import { linkPagePath } from "./paths/link-page.js";
import {
  cliLinkPath,
  cliPath,
  grpcLinkPath,
  grpcPath,
  httpLinkPath,
  httpPath,
  type KeyPath,
  type LinkPath,
  type Outcome,
} from "./paths.js";

const KEY_PATHS: readonly KeyPath[] = [grpcPath, httpPath, cliPath];
let browser: Browser;
const LINK_PATHS: readonly LinkPath[] = [grpcLinkPath, httpLinkPath, cliLinkPath, linkPagePath(() => browser)];

const PEOPLE = {
  worker: { groups: [], scopes: ["runs:write", "runs:read", "runs:resume", "deployments:write"] },
  alice: { groups: [], scopes: ["runs:resume", "runs:read"] },
  bob: { groups: [], scopes: ["runs:resume", "runs:read"] },
  carol: { groups: ["finance"], scopes: ["runs:resume", "runs:read"] },
  dave: { groups: ["sales"], scopes: ["runs:resume", "runs:read"] },
} as const;
type Person = keyof typeof PEOPLE;

let server: TestServer;
const secrets = new Map<Person, string>();

before(async () => {
  browser = await launchChromium();
  server = await startTestServer();
  for (const [name, p] of Object.entries(PEOPLE)) {
    const { secret } = await server.keys.createKey({ name, groups: [...p.groups], scopes: [...p.scopes] });
    secrets.set(name as Person, secret);
  }
});
after(async () => {
  await browser.close();
  await server.stop();
});

const as = (who: Person) => connect(server.address, secrets.get(who) ?? "");

type Policy = NonNullable<PauseFlowRunRequest["approval"]>;

/** A run the worker started and paused with `policy` (and any other pause fields). */
async function pausedBy(worker: Person, policy: Partial<Policy>, more: Partial<PauseFlowRunRequest> = {}) {
  const c = as(worker);
  try {
    const run = await runningRun(c);
    const res = await c.runs.pauseFlowRun({
      flowRunId: run.id,
      approval: { approvers: [], required: 0, allowSelfApproval: false, links: ResumeLinks.RESUME_LINKS_UNSPECIFIED, ...policy },
      ...more,
    });
    return { run: res.flowRun!, links: res.links };
  } finally {
    c.close();
  }
}

async function current(id: string): Promise<FlowRun> {
  return (await server.runs.getFlowRun({ flowRunId: id })).flowRun!;
}

function refused(outcome: Outcome, reason: string): void {
  assert.deepEqual(outcome, { ok: false, reason });
}

describe("approval rules on every path that decides with an API key", () => {
  for (const path of KEY_PATHS) {
    describe(path.name, () => {
      const decide = (who: Person, id: string, d: Parameters<KeyPath["decide"]>[3]) => path.decide(server, secrets.get(who)!, id, d);

      test("someone not named by the policy may neither approve nor reject; nothing changes", async () => {
        const { run } = await pausedBy("worker", { approvers: ["alice", "group:finance"] });
        refused(await decide("dave", run.id, { kind: "approve" }), "NOT_AN_APPROVER");
        refused(await decide("dave", run.id, { kind: "reject", reason: "no" }), "NOT_AN_APPROVER");
        const after = await current(run.id);
        assert.equal(after.state!.type, StateType.STATE_TYPE_PAUSED);
        assert.equal(after.version, run.version);
      });

      test("the principal that paused the run may not approve it unless the policy allows self-approval", async () => {
        const { run } = await pausedBy("worker", { approvers: [] });
        refused(await decide("worker", run.id, { kind: "approve" }), "SELF_APPROVAL");
        refused(await decide("worker", run.id, { kind: "reject", reason: "mine" }), "SELF_APPROVAL");
        const allowed = await pausedBy("worker", { approvers: [], allowSelfApproval: true });
        assert.deepEqual(await decide("worker", allowed.run.id, { kind: "approve" }), { ok: true, resumed: true });
      });

      test("with required 2 the same approver twice counts once, and a second distinct approver resumes", async () => {
        const { run } = await pausedBy("worker", { approvers: ["alice", "bob", "carol"], required: 2 });
        const waiter = waitForResume(server, run.id);
        assert.deepEqual(await decide("alice", run.id, { kind: "approve", input: { from: "alice" } }), { ok: true, resumed: false });
        assert.deepEqual(await decide("alice", run.id, { kind: "approve", input: { from: "alice" } }), { ok: true, resumed: false });
        const between = await current(run.id);
        assert.equal(between.state!.type, StateType.STATE_TYPE_PAUSED);
        assert.deepEqual(
          between.pause!.approvals.map((a) => a.by!.principal),
          ["alice"],
        );
        assert.deepEqual(await decide("bob", run.id, { kind: "approve", input: { from: "bob" } }), { ok: true, resumed: true });
        const { final } = await readUntilFinal(waiter, 60_000);
        assert.equal(final.type, WaitEventType.WAIT_EVENT_TYPE_RESUMED);
        assert.deepEqual(final.runInput, { from: "bob" }, "the approval that met the quorum brings its input");
        assert.deepEqual(
          final.approvals.map((a) => [a.by!.principal, a.input]),
          [
            ["alice", { from: "alice" }],
            ["bob", { from: "bob" }],
          ],
        );
        assert.equal((await current(run.id)).state!.type, StateType.STATE_TYPE_RUNNING);
      });

      test("a member of a named group may approve", async () => {
        const { run } = await pausedBy("worker", { approvers: ["group:finance"] });
        refused(await decide("dave", run.id, { kind: "approve" }), "NOT_AN_APPROVER");
        assert.deepEqual(await decide("carol", run.id, { kind: "approve" }), { ok: true, resumed: true });
      });

      test("one reject after one approval ends the pause: the waiter is told REJECTED, with who and why", async () => {
        const { run } = await pausedBy("worker", { approvers: ["alice", "bob"], required: 2 });
        const waiter = waitForResume(server, run.id);
        assert.deepEqual(await decide("alice", run.id, { kind: "approve" }), { ok: true, resumed: false });
        assert.deepEqual(await decide("bob", run.id, { kind: "reject", reason: "budget" }), { ok: true });
        const { final } = await readUntilFinal(waiter, 60_000);
        assert.equal(final.type, WaitEventType.WAIT_EVENT_TYPE_REJECTED);
        assert.equal(final.rejection!.by!.principal, "bob");
        assert.equal(final.rejection!.reason, "budget");
        const after = await current(run.id);
        assert.equal(after.state!.type, StateType.STATE_TYPE_RUNNING, "an in-process pause's flow decides what follows");
        assert.equal(after.state!.message, "Rejected by bob: budget");
        refused(await decide("alice", run.id, { kind: "approve" }), "NOT_PAUSED");
      });
    });
  }
});

describe("approval rules on every path that decides with a resume link", () => {
  for (const path of LINK_PATHS) {
    describe(path.name, () => {
      test("a per-approver link approves as its approver, once; a second use is refused as used", async () => {
        const { run, links } = await pausedBy("worker", {
          approvers: ["alice", "bob"],
          required: 2,
          links: ResumeLinks.RESUME_LINKS_PER_APPROVER,
        });
        assert.deepEqual(links.map((l) => l.approver).sort(), ["alice", "bob"]);
        const alice = links.find((l) => l.approver === "alice")!;
        assert.match(alice.url, /\/approve\/fgr_/);
        assert.deepEqual(await path.decide(server, alice.token, run.id, { kind: "approve" }), { ok: true, resumed: false });
        refused(await path.decide(server, alice.token, run.id, { kind: "approve" }), "RESUME_LINK_USED");
        const after = await current(run.id);
        assert.deepEqual(
          after.pause!.approvals.map((a) => [a.by!.principal, a.by!.channel, a.linkId]),
          [["alice", "link", alice.id]],
        );
        const bob = links.find((l) => l.approver === "bob")!;
        assert.deepEqual(await path.decide(server, bob.token, run.id, { kind: "approve" }), { ok: true, resumed: true });
      });

      test("a link rejects, and is then used", async () => {
        const { run, links } = await pausedBy("worker", { approvers: [], links: ResumeLinks.RESUME_LINKS_SHARED });
        assert.equal(links.length, 1);
        assert.deepEqual(await path.decide(server, links[0]!.token, run.id, { kind: "reject", reason: "not now" }), { ok: true });
        assert.equal((await current(run.id)).state!.message, "Rejected by link: not now");
      });

      test("a link of an expired pause is refused as expired", async () => {
        const { run, links } = await pausedBy("worker", { approvers: ["alice"], links: ResumeLinks.RESUME_LINKS_PER_APPROVER });
        await backdatePauseExpiry(server.database, run.id, run.pause!.key);
        // Any read that meets the expired pause fails the run; wait for that outcome, then use the link.
        await server.runs.resumeFlowRun({ flowRunId: run.id }).catch(() => undefined);
        await eventually(
          "the run fails",
          async () => ((await current(run.id)).state!.type === StateType.STATE_TYPE_FAILED ? true : undefined),
          60_000,
        );
        refused(await path.decide(server, links[0]!.token, run.id, { kind: "approve" }), "RESUME_LINK_EXPIRED");
      });

      test("a link of an earlier pause of the run is refused as expired", async () => {
        const { run, links } = await pausedBy(
          "worker",
          { approvers: ["alice"], links: ResumeLinks.RESUME_LINKS_PER_APPROVER },
          { key: "first" },
        );
        assert.deepEqual(await grpcPath.decide(server, secrets.get("alice")!, run.id, { kind: "approve" }), { ok: true, resumed: true });
        const c = as("worker");
        const second = await c.runs.pauseFlowRun({
          flowRunId: run.id,
          key: "second",
          approval: { approvers: ["alice"], required: 1, allowSelfApproval: false, links: ResumeLinks.RESUME_LINKS_PER_APPROVER },
        });
        c.close();
        refused(await path.decide(server, links[0]!.token, run.id, { kind: "approve" }), "RESUME_LINK_EXPIRED");
        assert.deepEqual(await path.decide(server, second.links[0]!.token, run.id, { kind: "approve" }), { ok: true, resumed: true });
      });

      test("a revoked link, an unknown token, and a link used on another run are refused as invalid", async () => {
        const { run, links } = await pausedBy("worker", { approvers: ["alice", "bob"], links: ResumeLinks.RESUME_LINKS_PER_APPROVER });
        const other = await pausedBy("worker", { approvers: ["alice"] });
        if (path.namesRun) refused(await path.decide(server, links[1]!.token, other.run.id, { kind: "approve" }), "RESUME_LINK_INVALID");
        const c = as("worker");
        await c.runs.revokeResumeLink({ linkId: links[0]!.id });
        c.close();
        refused(await path.decide(server, links[0]!.token, run.id, { kind: "approve" }), "RESUME_LINK_INVALID");
        refused(await path.decide(server, `fgr_${"A".repeat(43)}`, run.id, { kind: "approve" }), "RESUME_LINK_INVALID");
        assert.equal((await current(run.id)).state!.type, StateType.STATE_TYPE_PAUSED);
      });
    });
  }
});

describe("every server entry point that decides a pause is covered by a path", () => {
  test("the gRPC methods and HTTP routes a resume token or runs:resume decision goes through", () => {
    const deciding = [
      ...Object.entries(GRPC_REQUIREMENTS)
        .filter(([, r]) => typeof r === "object" && "orResumeToken" in r)
        .map(([m]) => m),
      ...Object.keys(HTTP_REQUIREMENTS).filter((r) => /^POST \/api\/(runs\/:id\/(resume|reject)|links\/)/.test(r)),
      ...Object.keys(HTTP_REQUIREMENTS).filter((r) => r.startsWith("GET /api/links/")),
    ];
    const covered = new Set([...KEY_PATHS, ...LINK_PATHS].flatMap((p) => p.covers));
    assert.deepEqual(
      deciding.filter((d) => !covered.has(d)),
      [],
      "a decision entry point without a path in this table",
    );
  });
});

describe("what a pause's policy does beyond who decides", () => {
  test("a rejected suspend ends FAILED with the reason and is not scheduled again", async () => {
    const c = as("worker");
    const run = await runningRun(c, { withDeployment: true });
    await c.runs.suspendFlowRun({ flowRunId: run.id, approval: { approvers: ["alice"], required: 1, allowSelfApproval: false, links: 0 } });
    c.close();
    assert.deepEqual(await grpcPath.decide(server, secrets.get("alice")!, run.id, { kind: "reject", reason: "wrong vendor" }), {
      ok: true,
    });
    const after = await current(run.id);
    assert.equal(after.state!.type, StateType.STATE_TYPE_FAILED);
    assert.equal(after.state!.message, "Rejected by alice: wrong vendor");
  });

  test("a timeout policy of RESUME resumes with its input, recorded as approved by timeout", async () => {
    const schema = { type: "object", properties: { approved: { type: "boolean" } }, required: ["approved"] };
    const c = as("worker");
    const run = await runningRun(c);
    await assert.rejects(
      c.runs.pauseFlowRun({
        flowRunId: run.id,
        inputSchema: schema,
        approval: { approvers: ["alice"], required: 1, allowSelfApproval: false, links: 0 },
        onTimeout: { action: TimeoutAction.TIMEOUT_ACTION_RESUME, input: { approved: "yes" }, remindAfterSeconds: 0 },
      }),
      (err: { details: string }) => err.details.includes("on_timeout.input"),
      "a default input the schema refuses is refused at pause time",
    );
    const paused = await c.runs.pauseFlowRun({
      flowRunId: run.id,
      inputSchema: schema,
      approval: { approvers: ["alice"], required: 1, allowSelfApproval: false, links: 0 },
      onTimeout: { action: TimeoutAction.TIMEOUT_ACTION_RESUME, input: { approved: false }, remindAfterSeconds: 0 },
    });
    c.close();
    const waiter = waitForResume(server, run.id);
    await backdatePauseExpiry(server.database, run.id, paused.flowRun!.pause!.key);
    await server.runs.resumeFlowRun({ flowRunId: run.id, runInput: { approved: true } }).catch(() => undefined);
    const { final } = await readUntilFinal(waiter, 60_000);
    assert.equal(final.type, WaitEventType.WAIT_EVENT_TYPE_RESUMED);
    assert.deepEqual(final.runInput, { approved: false });
    assert.deepEqual(
      final.approvals.map((a) => a.by!.principal),
      ["timeout"],
    );
  });

  test("awaiting me lists the paused runs a principal may decide and has not approved yet", async () => {
    const { run } = await pausedBy("worker", { approvers: ["alice", "group:finance"], required: 2 });
    const ids = async (who: Person) => {
      const c = as(who);
      const res = await c.runs.listFlowRuns({ awaitingMe: true, pageSize: 500 });
      c.close();
      return res.flowRuns.map((r) => r.id);
    };
    assert.ok((await ids("alice")).includes(run.id));
    assert.ok((await ids("carol")).includes(run.id));
    assert.ok(!(await ids("dave")).includes(run.id));
    assert.ok(!(await ids("worker")).includes(run.id), "not the principal that paused it");
    await grpcPath.decide(server, secrets.get("alice")!, run.id, { kind: "approve" });
    assert.ok(!(await ids("alice")).includes(run.id), "not once approved");
  });

  test("a link's decision is audited as its approver through channel link, and its token is in no audit entry", async () => {
    const { run, links } = await pausedBy("worker", { approvers: ["alice"], links: ResumeLinks.RESUME_LINKS_PER_APPROVER });
    assert.deepEqual(await grpcLinkPath.decide(server, links[0]!.token, run.id, { kind: "approve", input: { ok: true } }), {
      ok: true,
      resumed: true,
    });
    const res = await fetch(`http://${server.httpAddress}/api/runs/${run.id}/audit`, { headers: { authorization: server.authHeader } });
    const text = await res.text();
    const { entries } = JSON.parse(text) as { entries: { principal: string; channel: string; call: string }[] };
    assert.ok(
      entries.some((e) => e.principal === "alice" && e.channel === "link" && e.call.endsWith("ResumeFlowRun")),
      JSON.stringify(entries),
    );
    assert.ok(!text.includes(links[0]!.token), "the token is not in the trail");
  });

  test("a retried pause (same request id) answers its links without their tokens: a token is handed out once", async () => {
    const c = as("worker");
    const run = await runningRun(c);
    const pause = {
      flowRunId: run.id,
      requestId: "pause-with-links",
      approval: { approvers: ["alice"], required: 1, allowSelfApproval: false, links: ResumeLinks.RESUME_LINKS_PER_APPROVER },
    };
    const first = await c.runs.pauseFlowRun(pause);
    const retry = await c.runs.pauseFlowRun(pause);
    c.close();
    assert.match(first.links[0]!.token, /^fgr_/);
    assert.deepEqual(
      retry.links.map((l) => [l.id, l.approver, l.token, l.url]),
      [[first.links[0]!.id, "alice", "", ""]],
    );
  });

  test("revoking a link that does not exist is NOT_FOUND", async () => {
    const c = as("worker");
    await assert.rejects(c.runs.revokeResumeLink({ linkId: "7d1f1f44-1b5e-4a39-9a3e-0c6a3f1d2e7b" }), (err: ServiceError) => {
      assert.equal(err.code, status.NOT_FOUND);
      assert.equal(reasonOf(err), "RESUME_LINK_INVALID");
      return true;
    });
    c.close();
  });

  test("a pause with a policy cannot be resumed around it by proposing RUNNING", async () => {
    const { run } = await pausedBy("worker", { approvers: ["alice"] });
    const c = as("worker");
    await assert.rejects(c.runs.setFlowRunState({ flowRunId: run.id, state: { type: StateType.STATE_TYPE_RUNNING } }));
    c.close();
    assert.equal((await current(run.id)).state!.type, StateType.STATE_TYPE_PAUSED);
  });
});
