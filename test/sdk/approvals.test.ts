// Approvals through the SDK (issue 11): a pause with a policy (who may decide, how many must agree),
// resumed by a quorum of distinct approvers or ended by one reject, single-use resume links handed to
// the pausing flow by onPaused and usable with no API key, the awaiting-me listing, and a timeout
// policy that resumes. The flow runs with the admin key (so the admin paused it and may not approve
// it); alice, bob, carol and dave decide with keys of their own.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { z } from "zod";
import {
  flow,
  FlowgateClient,
  NotAnApproverError,
  pauseFlowRun,
  PauseRejectedError,
  rejectFlowRun,
  ResumeLinkExpiredError,
  ResumeLinkInvalidError,
  ResumeLinkUsedError,
  RunInput,
  SelfApprovalError,
  type Interceptor,
  type PausedInfo,
  type TimeoutPolicy,
} from "../../client-sdk/src/index.js";
import { nextRunIn, startSdkServer, StateType, type SdkServer } from "../support/sdk.js";

/** A promise and its resolve (Node 20 has no Promise.withResolvers). */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const Payout = RunInput.define(z.object({ amount: z.number(), note: z.string().default("") }), {
  description: "Approve the payout?",
});

describe("approvals through the SDK", () => {
  let sdk: SdkServer;
  /** A client per principal, each with a runs:read + runs:resume key of its own; carol is in group "ops". */
  const as: Record<string, FlowgateClient> = {};
  before(async () => {
    sdk = await startSdkServer();
    for (const [name, groups] of [
      ["alice", []],
      ["bob", []],
      ["carol", ["ops"]],
      ["dave", []],
    ] as const) {
      const { secret } = await sdk.client.createKey({ name, scopes: ["runs:read", "runs:resume"], groups: [...groups] });
      as[name] = new FlowgateClient({ address: sdk.server.address, apiKey: secret, retryUnavailableMs: 0 });
    }
  });
  after(async () => {
    for (const c of Object.values(as)) c.close();
    await sdk.stop();
  });
  const client = (name: string): FlowgateClient => {
    const c = as[name];
    assert.ok(c, `no client for ${name}`);
    return c;
  };

  test("a quorum of two: the first approval is recorded and the run stays PAUSED, the same approver again counts once, the second resumes it with its own input; returnApprovals lists both in order", async () => {
    const f = flow(
      () =>
        pauseFlowRun({
          waitForInput: Payout,
          approval: { approvers: ["alice", "bob", "carol"], required: 2 },
          returnApprovals: true,
        }),
      { name: "quorum-of-two" },
    );
    const paused = nextRunIn(sdk.client, "quorum-of-two", StateType.PAUSED, AbortSignal.timeout(30_000));
    const result = f();
    const run = await paused;
    assert.deepEqual(run.pause?.approval, {
      approvers: ["alice", "bob", "carol"],
      required: 2,
      allowSelfApproval: false,
      links: undefined,
    });
    assert.equal(run.pause?.pausedBy, "admin");

    const first = await client("alice").resumeFlowRun(run.id, { amount: 1 });
    assert.equal(first.resumed, false);
    assert.equal(first.state?.type, StateType.PAUSED);
    assert.deepEqual(
      first.pause?.approvals.map((a) => a.by.principal),
      ["alice"],
    );

    const again = await client("alice").resumeFlowRun(run.id, { amount: 3 });
    assert.equal(again.resumed, false, "the same approver twice counts once");
    assert.equal(again.pause?.approvals.length, 1);

    const second = await client("bob").resumeFlowRun(run.id, { amount: 2, note: "ok" });
    assert.equal(second.resumed, true);
    assert.equal(second.state?.type, StateType.RUNNING);

    const { input, approvals } = await result;
    assert.deepEqual(input, { amount: 2, note: "ok" }, "the approval that met the quorum gives the input");
    assert.deepEqual(
      approvals.map((a) => [a.by.principal, a.by.channel, a.input]),
      [
        ["alice", "sdk", { amount: 1, note: "" }],
        ["bob", "sdk", { amount: 2, note: "ok" }],
      ],
    );
    assert.ok(approvals.every((a) => a.at instanceof Date && a.linkId === ""));
    assert.equal((await sdk.client.getFlowRun(run.id)).state?.type, StateType.COMPLETED);
  });

  test("who may not decide: a principal the policy does not name → NotAnApproverError; the principal that paused → SelfApprovalError; a group member may", async () => {
    const f = flow(() => pauseFlowRun({ approval: { approvers: ["alice", "group:ops"] } }), { name: "who-may-decide" });
    const paused = nextRunIn(sdk.client, "who-may-decide", StateType.PAUSED, AbortSignal.timeout(30_000));
    const result = f();
    const run = await paused;

    await assert.rejects(
      client("dave").resumeFlowRun(run.id),
      (err: Error) => err instanceof NotAnApproverError && /alice/.test(err.message),
    );
    await assert.rejects(client("dave").rejectFlowRun(run.id, "no"), NotAnApproverError);
    await assert.rejects(sdk.client.resumeFlowRun(run.id), SelfApprovalError);
    assert.equal((await sdk.client.getFlowRun(run.id)).state?.type, StateType.PAUSED, "refusals change nothing");

    const resumed = await client("carol").resumeFlowRun(run.id);
    assert.equal(resumed.resumed, true, "carol is in group:ops");
    await result;
  });

  test("a reject after one approval ends the pause whatever the quorum: pauseFlowRun throws PauseRejectedError (reason, principal, at), the flow catches it and decides what follows", async () => {
    let caught: PauseRejectedError | undefined;
    const f = flow(
      async () => {
        try {
          await pauseFlowRun({ waitForInput: Payout, approval: { approvers: ["alice", "bob"], required: 2 } });
          return "paid";
        } catch (err) {
          if (!(err instanceof PauseRejectedError)) throw err;
          caught = err;
          return "not paid";
        }
      },
      { name: "reject-caught" },
    );
    const paused = nextRunIn(sdk.client, "reject-caught", StateType.PAUSED, AbortSignal.timeout(30_000));
    const result = f();
    const run = await paused;
    assert.equal((await client("alice").resumeFlowRun(run.id, { amount: 5 })).resumed, false);

    const rejected = await client("bob").rejectFlowRun(run.id, "Not in this quarter's budget — « non »");
    assert.equal(rejected.state?.type, StateType.RUNNING, "an in-process pause's run goes on: the flow decides");

    assert.equal(await result, "not paid");
    assert.ok(caught);
    assert.equal(caught.reason, "Not in this quarter's budget — « non »");
    assert.equal(caught.principal, "bob");
    assert.equal(caught.channel, "sdk");
    assert.ok(caught.at instanceof Date);
    assert.equal(caught.message, "Rejected by bob: Not in this quarter's budget — « non »");
    assert.equal((await sdk.client.getFlowRun(run.id)).state?.type, StateType.COMPLETED);
  });

  test('an uncaught reject ends the run FAILED "Rejected by alice: <reason>", and flow retries do not pause again', async () => {
    let executions = 0;
    const f = flow(
      async () => {
        executions++;
        await pauseFlowRun({ approval: { approvers: ["alice"] } });
      },
      { name: "reject-uncaught", retries: 2 },
    ).with({ returnState: true });
    const paused = nextRunIn(sdk.client, "reject-uncaught", StateType.PAUSED, AbortSignal.timeout(30_000));
    const result = f();
    const run = await paused;

    await rejectFlowRun(run.id, "wrong account", { signal: AbortSignal.timeout(30_000) }).then(
      () => assert.fail("the admin paused it: a self-rejection is refused too"),
      (err: unknown) => assert.ok(err instanceof SelfApprovalError, String(err)),
    );
    await client("alice").rejectFlowRun(run.id, "wrong account");

    const state = await result;
    assert.equal(state.type, StateType.FAILED);
    assert.equal(state.message, "Rejected by alice: wrong account");
    assert.throws(() => state.result(), PauseRejectedError);
    assert.equal(executions, 1, "a person decided: no retry");
    const final = await sdk.client.getFlowRun(run.id);
    assert.equal(final.state?.type, StateType.FAILED);
    assert.equal(final.state?.message, "Rejected by alice: wrong account");
  });

  test("resume links: onPaused gets one per named approver (the group entry none); a link approves with no API key sent, acting as its approver, once; listed without tokens; revoked or of an ended pause, it is refused", async () => {
    const seen: PausedInfo[] = [];
    const { promise: onPaused, resolve } = deferred<PausedInfo>();
    const f = flow(
      () =>
        pauseFlowRun({
          waitForInput: Payout,
          approval: { approvers: ["alice", "bob", "group:ops"], required: 2, links: "per-approver" },
          onPaused: (info) => {
            seen.push(info);
            resolve(info);
          },
          returnApprovals: true,
        }),
      { name: "links-per-approver" },
    );
    const result = f();
    const info = await onPaused;
    const run = info.flowRun;
    assert.equal(run.state?.type, StateType.PAUSED, "onPaused is called once the pause is recorded");
    assert.equal(info.pause.key, "1");
    assert.equal(info.pause.approval?.links, "per-approver");
    assert.deepEqual(info.links.map((l) => l.approver).sort(), ["alice", "bob"]);
    for (const link of info.links) {
      assert.match(link.token, /^fgr_[A-Za-z0-9_-]{43}$/);
      assert.ok(link.url.endsWith(`/approve/${link.token}`), link.url);
    }
    const linkOf = (who: string) => info.links.find((l) => l.approver === who)!;

    // A client whose own key is no good: the call succeeds only because the token, not the key, is sent.
    const sent: (string | null)[] = [];
    const record: Interceptor = (next) => (req) => {
      sent.push(req.headers.get("authorization"));
      return next(req);
    };
    const holder = new FlowgateClient({
      address: sdk.server.address,
      apiKey: "fgk_not_a_key",
      retryUnavailableMs: 0,
      interceptors: [record],
    });
    try {
      const viaLink = await holder.resumeFlowRun(run.id, { amount: 7 }, { resumeToken: linkOf("alice").token });
      assert.equal(viaLink.resumed, false);
      assert.deepEqual(sent, [null], "no API key goes with a token");
      const approval = viaLink.pause?.approvals[0];
      assert.equal(approval?.by.principal, "alice", "a link acts as its approver");
      assert.equal(approval?.linkId, linkOf("alice").id);

      await assert.rejects(holder.resumeFlowRun(run.id, { amount: 7 }, { resumeToken: linkOf("alice").token }), ResumeLinkUsedError);
      await assert.rejects(holder.rejectFlowRun(run.id, "no", { resumeToken: "fgr_" + "A".repeat(43) }), ResumeLinkInvalidError);

      const listed = await sdk.client.listResumeLinks(run.id);
      assert.deepEqual(listed.map((l) => [l.approver, l.usedAt !== undefined]).sort(), [
        ["alice", true],
        ["bob", false],
      ]);
      assert.ok(
        listed.every((l) => !("token" in l) && l.pauseKey === "1" && l.pauseInstanceId === info.pause.instanceId),
        "never a token",
      );

      // carol, through group:ops, meets the quorum: bob's unused link now belongs to an ended pause.
      assert.equal((await client("carol").resumeFlowRun(run.id, { amount: 8 })).resumed, true);
      const { input, approvals } = await result;
      assert.deepEqual(input, { amount: 8, note: "" });
      assert.deepEqual(
        approvals.map((a) => a.by.principal),
        ["alice", "carol"],
      );
      await assert.rejects(holder.resumeFlowRun(run.id, undefined, { resumeToken: linkOf("bob").token }), ResumeLinkExpiredError);

      const revoked = await sdk.client.revokeResumeLink(linkOf("bob").id);
      assert.ok(revoked.revokedAt instanceof Date);
      assert.equal(revoked.approver, "bob");
      await assert.rejects(holder.resumeFlowRun(run.id, undefined, { resumeToken: linkOf("bob").token }), ResumeLinkInvalidError);
    } finally {
      holder.close();
    }
  });

  test("a shared link rejects as principal link: the flow's PauseRejectedError names it", async () => {
    const { promise: onPaused, resolve } = deferred<PausedInfo>();
    const f = flow(
      async () => {
        try {
          await pauseFlowRun({ approval: { approvers: [], links: "shared" }, onPaused: resolve });
          return "approved";
        } catch (err) {
          return err instanceof PauseRejectedError ? `${err.principal}/${err.channel}: ${err.reason}` : String(err);
        }
      },
      { name: "shared-link" },
    );
    const result = f();
    const { flowRun: run, links } = await onPaused;
    assert.equal(links.length, 1);
    assert.equal(links[0]!.approver, "");

    const holder = new FlowgateClient({ address: sdk.server.address, retryUnavailableMs: 0 });
    try {
      await holder.rejectFlowRun(run.id, "spam", { resumeToken: links[0]!.token });
    } finally {
      holder.close();
    }
    assert.equal(await result, "link/link: spam");
  });

  test("awaiting me: the paused runs a principal may decide now and has not approved yet", async () => {
    const f = flow(() => pauseFlowRun({ approval: { approvers: ["alice", "bob"], required: 2 } }), { name: "awaiting-me" });
    const paused = nextRunIn(sdk.client, "awaiting-me", StateType.PAUSED, AbortSignal.timeout(30_000));
    const result = f();
    const run = await paused;
    // Other tests' paused runs may be listed too (the server ignores other filters with awaitingMe).
    const awaits = async (who: string): Promise<boolean> =>
      (await client(who).listFlowRuns({ awaitingMe: true })).flowRuns.some((r) => r.id === run.id);

    assert.equal(await awaits("alice"), true);
    assert.equal(await awaits("bob"), true);
    assert.equal(await awaits("dave"), false, "not an approver");
    await client("alice").resumeFlowRun(run.id);
    assert.equal(await awaits("alice"), false, "alice has approved");
    assert.equal(await awaits("bob"), true);
    await client("bob").resumeFlowRun(run.id);
    assert.equal(await awaits("bob"), false, "resumed");
    await result;
  });

  test("a timeout policy that resumes: the run goes on with the default input (typed like the input), approved by timeout", async () => {
    const f = flow(
      () =>
        pauseFlowRun({
          waitForInput: Payout,
          timeout: 1,
          approval: { approvers: ["alice"] },
          onTimeout: { action: "resume", input: { amount: 0, note: "nobody answered" } },
          returnApprovals: true,
        }),
      { name: "timeout-resumes" },
    );
    const { input, approvals } = await f();
    assert.deepEqual(input, { amount: 0, note: "nobody answered" });
    assert.deepEqual(
      approvals.map((a) => a.by.principal),
      ["timeout"],
    );
  });

  test("a timeout policy's input that fails the schema is refused when the pause is made", async () => {
    // The compiler holds it to the input's type already…
    // @ts-expect-error -- amount must be a number
    const typed: TimeoutPolicy<z.input<typeof Payout.schema>> = { action: "resume", input: { amount: "zero" } };
    // …and the server, when the pause is made, whatever the caller's types said.
    const f = flow(() => pauseFlowRun({ waitForInput: Payout, onTimeout: typed }), {
      name: "timeout-input-invalid",
    }).with({ returnState: true });
    const state = await f();
    assert.equal(state.type, StateType.FAILED);
    assert.match(state.message, /amount/);
  });
});
