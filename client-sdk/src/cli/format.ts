/** Human-readable renderings of runs, deployments and API keys; `--json` output bypasses these entirely. */
import type { ApiKey, Caller, Deployment, FlowRun, FlowRunEvent, RunState } from "../types.js";
import { dim, paintState } from "./colors.js";

/** "PAUSED (Suspended)": the display name only when it says more than the type. */
export function stateLabel(state: RunState | undefined, color: boolean): string {
  if (!state) return "(no state)";
  const sameName = state.name.toUpperCase() === state.type;
  return paintState(state.type, sameName || !state.name ? state.type : `${state.type} (${state.name})`, color);
}

function iso(d: Date | undefined): string {
  return d ? d.toISOString() : "-";
}

/** Left-aligned columns; ANSI codes are not counted in the widths. */
export function table(header: string[], rows: string[][]): string {
  // eslint-disable-next-line no-control-regex -- ANSI colour codes start with ESC.
  const visible = (s: string): number => s.replace(/\u001b\[[0-9;]*m/g, "").length;
  const widths = header.map((h, i) => Math.max(visible(h), ...rows.map((r) => visible(r[i] ?? ""))));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c + " ".repeat((widths[i] ?? 0) - visible(c)))).join("  ");
  return [line(header), ...rows.map(line)].join("\n");
}

export function runsTable(runs: FlowRun[], color: boolean): string {
  if (runs.length === 0) return "No flow runs.";
  return table(
    ["ID", "NAME", "FLOW", "STATE", "UPDATED"],
    runs.map((r) => [r.id, r.name, r.flowName, stateLabel(r.state, color), iso(r.updatedAt ?? r.createdAt)]),
  );
}

export function deploymentsTable(deployments: Deployment[]): string {
  if (deployments.length === 0) return "No deployments.";
  return table(
    ["ID", "NAME", "ENTRYPOINT", "CREATED"],
    deployments.map((d) => [d.id, `${d.flowName}/${d.name}`, d.entrypoint || "-", iso(d.createdAt)]),
  );
}

export function keysTable(keys: ApiKey[]): string {
  if (keys.length === 0) return "No API keys.";
  const join = (values: string[]): string => (values.length ? values.join(",") : "-");
  return table(
    ["ID", "NAME", "GROUPS", "SCOPES", "CREATED", "EXPIRES", "REVOKED"],
    keys.map((k) => [
      k.id,
      k.name,
      join(k.groups),
      join(k.scopes),
      iso(k.createdAt),
      k.expiresAt ? k.expiresAt.toISOString() : "never",
      iso(k.revokedAt),
    ]),
  );
}

export function callerDetails(caller: Caller): string {
  return [
    `Name:   ${caller.name}`,
    `Key:    ${caller.keyId || "- (authentication is disabled on this server)"}`,
    `Groups: ${caller.groups.join(", ") || "-"}`,
    `Scopes: ${caller.scopes.join(", ") || "-"}`,
  ].join("\n");
}

function untilText(expiresAt: Date | undefined, now: number): string {
  if (!expiresAt) return "never";
  const s = Math.round((expiresAt.getTime() - now) / 1000);
  const left =
    s <= 0 ? "expired" : s >= 3600 ? `in ${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m` : `in ${Math.floor(s / 60)}m ${s % 60}s`;
  return `${expiresAt.toISOString()} (${left})`;
}

export function runDetails(run: FlowRun, color: boolean, now = Date.now()): string {
  const lines = [
    `Run:         ${run.name} (${run.id})`,
    `Flow:        ${run.flowName}${run.deploymentId ? `  deployment ${run.deploymentId}` : ""}`,
    `State:       ${stateLabel(run.state, color)}${run.state?.message ? ` - ${run.state.message}` : ""}`,
    `Updated:     ${iso(run.updatedAt ?? run.createdAt)}`,
  ];
  if (run.parentFlowRunId) lines.push(`Parent run:  ${run.parentFlowRunId}`);
  const pause = run.pause;
  if (pause) {
    lines.push(
      `Pause key:   ${pause.key}${pause.reschedule ? " (suspended: the run's process has ended)" : ""}`,
      `Expires:     ${untilText(pause.expiresAt, now)}`,
      `Description: ${pause.inputDescription || "-"}`,
    );
    if (pause.inputSchema) {
      lines.push(
        "Input schema:",
        ...JSON.stringify(pause.inputSchema, null, 2)
          .split("\n")
          .map((l) => `  ${l}`),
      );
      if (pause.inputInitial)
        lines.push(
          "Initial input:",
          ...JSON.stringify(pause.inputInitial, null, 2)
            .split("\n")
            .map((l) => `  ${l}`),
        );
    } else {
      lines.push("Input schema: none (resume without --input)");
    }
  }
  return lines.join("\n");
}

export function eventLine(e: FlowRunEvent, color: boolean): string {
  const at = e.flowRun.state?.timestamp ?? e.flowRun.updatedAt;
  const time = dim((at ?? new Date()).toISOString().slice(11, 23), color);
  const from = e.initial ? dim("(current)", color) : e.previousState ? `${stateLabel(e.previousState, color)} -> ` : "";
  const message = e.flowRun.state?.message ? ` - ${e.flowRun.state.message}` : "";
  return e.initial
    ? `${time}  ${stateLabel(e.flowRun.state, color)}${message} ${from}`
    : `${time}  ${from}${stateLabel(e.flowRun.state, color)}${message}`;
}
