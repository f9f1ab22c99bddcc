import { useEffect, useState } from "react";
import { ApiError, type JsonObjectJson, type PauseJson, type RunJson } from "../api.ts";
import { approversText, progressText } from "../approval-text.ts";
import { formatDuration, formatTimestamp, useNow } from "../time.ts";
import { ConfirmDialog } from "./confirm-dialog.tsx";
import { Markdown } from "./markdown.tsx";
import { RejectDialog } from "./reject-dialog.tsx";

type ResumeFormModule = typeof import("./resume-form.tsx");

// The form library (rjsf) is most of the code, and the runs list never needs it. A run page starts
// loading it at once (preloadResumeForm), alongside the run itself, rather than after it.
let formModule: Promise<ResumeFormModule> | undefined;
export function preloadResumeForm(): Promise<ResumeFormModule> {
  formModule ??= import("./resume-form.tsx");
  return formModule;
}

/**
 * The form component once its code is here. Not React.lazy: a Suspense boundary holds back
 * revealing its content for up to 300 ms (React 19's fallback throttling), for a module that is
 * usually loaded already.
 */
function useResumeForm(): ResumeFormModule["default"] | undefined {
  const [loaded, setLoaded] = useState<ResumeFormModule["default"] | undefined>();
  useEffect(() => {
    let live = true;
    preloadResumeForm().then(
      (m) => live && setLoaded(() => m.default),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);
  return loaded;
}

/** How this page decides: the run's own routes when signed in, a resume link's routes on /approve/<token>. */
export interface Decide {
  resume: (input?: JsonObjectJson) => Promise<RunJson>;
  reject: (reason: string) => Promise<RunJson>;
}

/** What a decision did: resumed the run, only recorded an approval (the quorum is not met), or ended the pause with a no. */
export type Decided = { kind: "resumed" | "recorded"; run: RunJson } | { kind: "rejected"; run: RunJson };

interface PausePanelProps {
  run: RunJson;
  pause: PauseJson;
  /** What the server would accept from this caller now (run.actions): the pause is shown without what it would refuse. */
  offer: { resume: boolean; reject: boolean };
  /** Why this principal may not decide this pause, in words: shown in place of Resume and Reject. */
  refusal?: string | undefined;
  decide: Decide;
  onDecided: (outcome: Decided) => void;
}

/** The pause a run is waiting in: what it waits for, until when, who may decide, and the way to resume or reject it. */
export function PausePanel({ run, pause, offer, refusal, decide, onDecided }: PausePanelProps) {
  const now = useNow();
  const ResumeForm = useResumeForm();
  const [confirming, setConfirming] = useState(false);
  const [rejecting, setRejecting] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();

  const act = async (call: () => Promise<Decided>): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      onDecided(await call());
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(String(err), 0));
    } finally {
      setBusy(false);
    }
  };
  const resume = (input?: JsonObjectJson): Promise<void> =>
    act(async () => {
      const answer = await decide.resume(input);
      // An older server answers without `resumed`: then the resume did resume.
      return { kind: answer.resumed === false ? "recorded" : "resumed", run: answer };
    });
  const reject = (reason: string): Promise<void> => act(async () => ({ kind: "rejected", run: await decide.reject(reason) }));

  const policy = pause.approval;
  const progress = progressText(pause);
  const resumesOnTimeout = pause.onTimeout?.action === "resume";
  const expiresIn = pause.expiresAt ? Date.parse(pause.expiresAt) - now : undefined;
  const mayResume = offer.resume && refusal === undefined;
  const mayReject = offer.reject && refusal === undefined;
  return (
    <section aria-labelledby="pause-heading" className="pause">
      <h2 id="pause-heading">{pause.reschedule ? "Suspended, waiting to be resumed" : "Paused, waiting to be resumed"}</h2>
      <dl className="facts">
        <dt>Pause key</dt>
        <dd>
          <code>{pause.key}</code>
        </dd>
        <dt>Paused at</dt>
        <dd>
          {formatTimestamp(pause.createdAt)}
          {policy && pause.pausedBy ? <span className="muted"> by {pause.pausedBy}</span> : null}
        </dd>
        <dt>Expires</dt>
        <dd>
          {pause.expiresAt === null ? (
            "Never"
          ) : expiresIn !== undefined && expiresIn > 0 ? (
            <>
              in{" "}
              <span className="countdown" aria-label="Time left before the pause expires">
                {formatDuration(expiresIn)}
              </span>{" "}
              <span className="muted">({formatTimestamp(pause.expiresAt)})</span>
            </>
          ) : resumesOnTimeout ? (
            "Now: the server is resuming the run with its default input"
          ) : (
            "Now: the server is failing the run"
          )}
        </dd>
        {pause.onTimeout && pause.expiresAt !== null ? (
          <>
            <dt>On timeout</dt>
            <dd>{resumesOnTimeout ? "The run resumes with the default input given when it paused" : "The run fails"}</dd>
          </>
        ) : null}
        {policy ? (
          <>
            <dt>Who may decide</dt>
            <dd>
              {approversText(policy)}
              {policy.allowSelfApproval ? null : <span className="muted"> (not whoever paused it)</span>}
            </dd>
            <dt>Approvals needed</dt>
            <dd>{Math.max(1, policy.required)}</dd>
          </>
        ) : null}
      </dl>
      {progress ? <p className="approval-progress">{progress}</p> : null}
      {pause.inputDescription ? (
        <div className="pause-description">
          <Markdown text={pause.inputDescription} />
        </div>
      ) : null}

      {error ? (
        <p role="alert" className="error" data-reason={error.reason || undefined}>
          {error.fieldErrors.length > 0 ? "The input was not accepted; see the fields below." : error.message}
        </p>
      ) : null}

      {refusal !== undefined ? <p className="decision-refused">{refusal}</p> : null}

      {!mayResume ? null : pause.inputSchema ? (
        ResumeForm ? (
          <ResumeForm
            schema={pause.inputSchema}
            initial={pause.inputInitial}
            fieldErrors={error?.fieldErrors ?? []}
            busy={busy}
            onSubmit={(input) => void resume(input)}
          />
        ) : (
          <p aria-busy="true">Loading the form…</p>
        )
      ) : (
        <>
          <p>This pause takes no input.</p>
          <button type="button" className="primary" disabled={busy} onClick={() => setConfirming(true)}>
            Resume
          </button>
          <ConfirmDialog
            open={confirming}
            title="Resume this run?"
            confirmLabel="Resume"
            dismissLabel="Not now"
            onConfirm={() => {
              setConfirming(false);
              void resume();
            }}
            onDismiss={() => setConfirming(false)}
          >
            <p>
              {progress && (pause.approvals ?? []).length + 1 < Math.max(1, policy?.required ?? 1) ? (
                <>
                  Your approval is recorded; <strong>{run.name}</strong> waits for the others.
                </>
              ) : (
                <>
                  <strong>{run.name}</strong> continues {pause.reschedule ? "when a worker picks it up again" : "at once"}.
                </>
              )}
            </p>
          </ConfirmDialog>
        </>
      )}
      {mayReject ? (
        <div className="reject-row">
          <button type="button" className="danger" disabled={busy} onClick={() => setRejecting(true)}>
            Reject
          </button>
          <RejectDialog
            open={rejecting}
            consequence={
              pause.reschedule
                ? "One reject ends the pause, whatever the approvals so far: the run fails and is not run again."
                : "One reject ends the pause, whatever the approvals so far: the flow is told, and decides what follows."
            }
            onReject={(reason) => {
              setRejecting(false);
              void reject(reason);
            }}
            onDismiss={() => setRejecting(false)}
          />
        </div>
      ) : null}
    </section>
  );
}
