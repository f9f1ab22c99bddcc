/**
 * The ways a person can decide a pause (approve or reject), each as one adapter with the same shape,
 * so that every approval rule runs on every path (see approval-rules.test.ts). A decision answers
 * "ok" (with whether the run resumed) or the refusal's machine-readable reason.
 */
import type { ServiceError } from "@grpc/grpc-js";
import { reasonOf } from "../support/status-details.js";
import { connect, type TestClients } from "../support/grpc-client.js";
import { runCli } from "../support/cli.js";

export type Decision = { kind: "approve"; input?: Record<string, unknown> } | { kind: "reject"; reason: string };
export type Outcome = { ok: true; resumed?: boolean } | { ok: false; reason: string };

/** Decides as a principal holding an API key. */
export interface KeyPath {
  name: string;
  /** The server entry points this path goes through (gRPC methods, HTTP routes), for the coverage check. */
  covers: readonly string[];
  decide(server: ServerAddresses, secret: string, flowRunId: string, decision: Decision): Promise<Outcome>;
}

/** Decides as the holder of a resume link (no API key). */
export interface LinkPath {
  name: string;
  covers: readonly string[];
  /** Whether the call names the run besides the token (so a token can be tried on another run). */
  namesRun: boolean;
  decide(server: ServerAddresses, token: string, flowRunId: string, decision: Decision): Promise<Outcome>;
}

export interface ServerAddresses {
  address: string;
  httpAddress: string;
}

/** A reject's answer has no `resumed`; a resume's has. */
async function grpcOutcome(call: Promise<object>): Promise<Outcome> {
  try {
    const res: { resumed?: unknown } = await call;
    return { ok: true, ...(typeof res.resumed === "boolean" ? { resumed: res.resumed } : {}) };
  } catch (err) {
    return { ok: false, reason: reasonOf(err as ServiceError) ?? `code ${(err as ServiceError).code}` };
  }
}

async function grpcDecide(clients: TestClients, flowRunId: string, decision: Decision, resumeToken = ""): Promise<Outcome> {
  try {
    return decision.kind === "approve"
      ? await grpcOutcome(clients.runs.resumeFlowRun({ flowRunId, runInput: decision.input, resumeToken }))
      : await grpcOutcome(clients.runs.rejectFlowRun({ flowRunId, reason: decision.reason, resumeToken }));
  } finally {
    clients.close();
  }
}

async function httpOutcome(res: Response): Promise<Outcome> {
  const body = (await res.json()) as { reason?: string; resumed?: boolean };
  if (res.ok) return { ok: true, ...(body.resumed !== undefined ? { resumed: body.resumed } : {}) };
  return { ok: false, reason: body.reason ?? `HTTP ${res.status}` };
}

function httpBody(decision: Decision): string {
  return JSON.stringify(decision.kind === "approve" ? (decision.input ? { input: decision.input } : {}) : { reason: decision.reason });
}

export const grpcPath: KeyPath = {
  name: "gRPC",
  covers: ["flowgate.v1.RunService/ResumeFlowRun", "flowgate.v1.RunService/RejectFlowRun"],
  decide: (s, secret, id, decision) => grpcDecide(connect(s.address, secret), id, decision),
};

export const httpPath: KeyPath = {
  name: "HTTP API",
  covers: ["POST /api/runs/:id/resume", "POST /api/runs/:id/reject"],
  decide: async (s, secret, id, decision) =>
    httpOutcome(
      await fetch(`http://${s.httpAddress}/api/runs/${id}/${decision.kind === "approve" ? "resume" : "reject"}`, {
        method: "POST",
        headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
        body: httpBody(decision),
      }),
    ),
};

export const grpcLinkPath: LinkPath = {
  name: "gRPC with resume_token",
  covers: ["flowgate.v1.RunService/ResumeFlowRun", "flowgate.v1.RunService/RejectFlowRun"],
  namesRun: true,
  // No key at all: the token stands in for it.
  decide: (s, token, id, decision) => grpcDecide(connect(s.address), id, decision, token),
};

export const httpLinkPath: LinkPath = {
  name: "link routes (HTTP)",
  covers: ["GET /api/links/:token", "POST /api/links/:token/resume", "POST /api/links/:token/reject"],
  // The token alone names the run.
  namesRun: false,
  decide: async (s, token, _id, decision) => {
    const view = await fetch(`http://${s.httpAddress}/api/links/${token}`);
    if (!view.ok) return httpOutcome(view);
    return httpOutcome(
      await fetch(`http://${s.httpAddress}/api/links/${token}/${decision.kind === "approve" ? "resume" : "reject"}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: httpBody(decision),
      }),
    );
  },
};

/** `flowgate runs resume|reject`: exit 0 is ok; a refusal prints its reason on a `reason:` line. */
async function cliDecide(address: string, env: Record<string, string>, id: string, decision: Decision, extra: string[]): Promise<Outcome> {
  const args =
    decision.kind === "approve"
      ? ["--json", "runs", "resume", id, ...(decision.input ? ["--input", JSON.stringify(decision.input)] : []), ...extra]
      : ["--json", "runs", "reject", id, "--reason", decision.reason, ...extra];
  const out = await runCli(address, args, { env, signal: AbortSignal.timeout(120_000) });
  if (out.code === 0) {
    const run = JSON.parse(out.stdout) as { resumed?: boolean };
    return { ok: true, ...(typeof run.resumed === "boolean" ? { resumed: run.resumed } : {}) };
  }
  const reason = /^reason: (\S+)$/m.exec(out.stderr)?.[1];
  return { ok: false, reason: reason ?? `exit ${out.code}: ${out.stderr}` };
}

export const cliPath: KeyPath = {
  name: "CLI",
  covers: ["flowgate.v1.RunService/ResumeFlowRun", "flowgate.v1.RunService/RejectFlowRun"],
  decide: (s, secret, id, decision) => cliDecide(s.address, { FLOWGATE_API_KEY: secret }, id, decision, []),
};

export const cliLinkPath: LinkPath = {
  name: "CLI with --token",
  covers: ["flowgate.v1.RunService/ResumeFlowRun", "flowgate.v1.RunService/RejectFlowRun"],
  namesRun: true,
  // An empty key: the CLI finds none, and the token alone must do.
  decide: (s, token, id, decision) => cliDecide(s.address, { FLOWGATE_API_KEY: "" }, id, decision, ["--token", token]),
};
