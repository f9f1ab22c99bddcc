/** Sentences about who caused a state, from the run's `by` and its audit entries. */
import type { AuditEntryJson, StateJson } from "./api.ts";

/** How each channel reads after the principal: "alice in the web UI", "flow-runner via the SDK". */
const CHANNELS: Readonly<Record<string, string>> = {
  "web-ui": "in the web UI",
  "http-api": "through the HTTP API",
  cli: "via the CLI",
  sdk: "via the SDK",
  python: "via the Python client",
  go: "via the Go client",
  grpc: "over gRPC",
  // The server's own changes are pauses that expired (see SERVER_ACTOR on the server).
  server: "(expiry)",
  link: "through a resume link",
};

export function channelPhrase(channel: string): string {
  return CHANNELS[channel] ?? `via ${channel}`;
}

/** "alice in the web UI"; undefined when the state does not say (states stored before it was recorded). */
export function causeOf(state: StateJson): string | undefined {
  return state.by ? `${state.by.principal} ${channelPhrase(state.by.channel)}` : undefined;
}

/** The call names a resume, over gRPC or HTTP (the calls are named by the server: see AuditEntryJson.call). */
export function isResume(entry: AuditEntryJson): boolean {
  return entry.call === "POST /api/runs/:id/resume" || entry.call.endsWith("/ResumeFlowRun");
}

/** The call names a reject, by a signed-in caller or through a resume link. */
export function isReject(entry: AuditEntryJson): boolean {
  return /\/reject$/.test(entry.call) || entry.call.endsWith("/RejectFlowRun");
}

/** The call names a resume through a resume link (GET of the link page is no call). */
function isLinkResume(entry: AuditEntryJson): boolean {
  return entry.call.startsWith("POST /api/links/") && entry.call.endsWith("/resume");
}

/** The call changed the run's state (an approval below the quorum leaves it as it was). */
function madeNewState(entry: AuditEntryJson): boolean {
  return entry.stateAfter !== null && entry.stateAfter.id !== entry.stateBefore?.id;
}

/** The resume that made `state`, if this trail has it. */
export function resumeThatMade(state: StateJson, entries: readonly AuditEntryJson[]): AuditEntryJson | undefined {
  return entries.find((e) => e.stateAfter?.id === state.id && madeNewState(e) && (isResume(e) || isLinkResume(e)));
}

/** The reject that made `state`, if this trail has it. */
export function rejectThatMade(state: StateJson, entries: readonly AuditEntryJson[]): AuditEntryJson | undefined {
  return entries.find((e) => e.stateAfter?.id === state.id && madeNewState(e) && isReject(e));
}

/**
 * The approvals recorded while the run waited in `paused` that did not end the pause themselves
 * (below the quorum), oldest first; `next` is the state that followed it, if any.
 */
export function approvalsDuring(paused: StateJson, next: StateJson | undefined, entries: readonly AuditEntryJson[]): AuditEntryJson[] {
  return entries
    .filter(
      (e) => (isResume(e) || isLinkResume(e)) && e.stateBefore?.id === paused.id && !(next !== undefined && e.stateAfter?.id === next.id),
    )
    .sort((a, b) => a.sequence - b.sequence);
}

/** The input as one line of JSON, cut at `max` characters with "…"; `cut` says whether it was. */
export function compactJson(value: unknown, max = 160): { text: string; cut: boolean } {
  const text = JSON.stringify(value);
  return text.length <= max ? { text, cut: false } : { text: `${text.slice(0, max - 1)}…`, cut: true };
}
