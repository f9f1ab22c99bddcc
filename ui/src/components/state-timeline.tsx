import type { ApprovalJson, AuditEntryJson, RunJson, StateJson } from "../api.ts";
import { formatClock, formatDuration, formatTimestamp, useNow } from "../time.ts";
import { approvalsDuring, causeOf, channelPhrase, compactJson, rejectThatMade, resumeThatMade } from "../who-did-it.ts";
import { StateBadge } from "./state-badge.tsx";

/**
 * Every state the run has been in (`past`, the latest 100, then the current one), oldest first, with how long each
 * lasted and who caused it; a state a resume made says who resumed, when, through what and with what
 * input (from the run's audit trail, `audit`).
 */
export function StateTimeline({ run, past, audit }: { run: RunJson; past: readonly StateJson[]; audit: readonly AuditEntryJson[] }) {
  const now = useNow();
  const states = run.state ? [...past, run.state] : past;
  if (states.length === 0) return <p className="empty">No states yet.</p>;
  return (
    <ol className="timeline">
      {states.map((s, i) => {
        const next = states[i + 1];
        const end = next ? Date.parse(next.timestamp) : now;
        const resume = resumeThatMade(s, audit);
        const reject = resume ? undefined : rejectThatMade(s, audit);
        // While the run waits, the pause itself lists its approvals; afterwards the trail does.
        const approvals: ApprovalJson[] =
          s.type !== "PAUSED"
            ? []
            : !next && run.pause
              ? (run.pause.approvals ?? [])
              : approvalsDuring(s, next, audit).map((e) => ({
                  by: { principal: e.principal, channel: e.channel },
                  at: e.time,
                  input: e.input,
                  inputSha256: e.inputSha256,
                  linkId: null,
                }));
        return (
          <li key={s.id}>
            <StateBadge state={s} />
            <time dateTime={s.timestamp}>{formatTimestamp(s.timestamp)}</time>
            <span className="duration">
              {next ? `for ${formatDuration(end - Date.parse(s.timestamp))}` : `now, for ${formatDuration(end - Date.parse(s.timestamp))}`}
            </span>
            {resume ? <ResumedBy entry={resume} /> : reject ? <RejectedBy entry={reject} /> : <CausedBy state={s} />}
            {s.message ? <p className="state-message">{s.message}</p> : null}
            {approvals.map((a) => (
              <p className="cause approval" key={`${a.by.principal}/${a.at}`}>
                Approved by {a.by.principal} {channelPhrase(a.by.channel)} at <time dateTime={a.at}>{formatClock(a.at)}</time>
              </p>
            ))}
          </li>
        );
      })}
    </ol>
  );
}

function CausedBy({ state }: { state: StateJson }) {
  const cause = causeOf(state);
  return cause ? <p className="cause">by {cause}</p> : null;
}

/** "Rejected by alice in the web UI at 10:42"; the reason is the state's message, shown under it. */
function RejectedBy({ entry }: { entry: AuditEntryJson }) {
  return (
    <p className="cause">
      Rejected by {entry.principal} {channelPhrase(entry.channel)} at <time dateTime={entry.time}>{formatClock(entry.time)}</time>
    </p>
  );
}

/** "Resumed by alice in the web UI at 10:42 with {…}", the input cut to one line (all of it a click away). */
function ResumedBy({ entry }: { entry: AuditEntryJson }) {
  const input = entry.input === null ? undefined : compactJson(entry.input);
  return (
    <>
      <p className="cause">
        Resumed by {entry.principal} {channelPhrase(entry.channel)} at <time dateTime={entry.time}>{formatClock(entry.time)}</time>
        {input ? (
          <>
            {" "}
            with <code className="audit-input">{input.text}</code>
          </>
        ) : entry.inputSha256 ? (
          <>
            {" "}
            with input SHA-256 <code className="audit-input">{entry.inputSha256}</code>
          </>
        ) : null}
      </p>
      {input?.cut ? (
        <details className="audit-input-full">
          <summary>The whole input</summary>
          <pre className="json">{JSON.stringify(entry.input, null, 2)}</pre>
        </details>
      ) : null}
    </>
  );
}
