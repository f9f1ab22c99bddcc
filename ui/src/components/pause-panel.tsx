import { useEffect, useState } from "react";
import { ApiError, resumeRun, type JsonObjectJson, type PauseJson, type RunJson } from "../api.ts";
import { formatDuration, formatTimestamp, useNow } from "../time.ts";
import { ConfirmDialog } from "./confirm-dialog.tsx";
import { Markdown } from "./markdown.tsx";

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

interface PausePanelProps {
  run: RunJson;
  pause: PauseJson;
  /** False when the signed-in key may not resume runs: the pause is shown without the form. */
  canResume: boolean;
  onResumed: (run: RunJson) => void;
}

/** The pause a run is waiting in: what it waits for, until when, and the way to resume it. */
export function PausePanel({ run, pause, canResume, onResumed }: PausePanelProps) {
  const now = useNow();
  const ResumeForm = useResumeForm();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();

  const resume = async (input?: JsonObjectJson): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      onResumed(await resumeRun(run.id, input));
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(String(err), 0));
    } finally {
      setBusy(false);
    }
  };

  const expiresIn = pause.expiresAt ? Date.parse(pause.expiresAt) - now : undefined;
  return (
    <section aria-labelledby="pause-heading" className="pause">
      <h2 id="pause-heading">{pause.reschedule ? "Suspended, waiting to be resumed" : "Paused, waiting to be resumed"}</h2>
      <dl className="facts">
        <dt>Pause key</dt>
        <dd>
          <code>{pause.key}</code>
        </dd>
        <dt>Paused at</dt>
        <dd>{formatTimestamp(pause.createdAt)}</dd>
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
          ) : (
            "Now: the server is failing the run"
          )}
        </dd>
      </dl>
      {pause.inputDescription ? (
        <div className="pause-description">
          <Markdown text={pause.inputDescription} />
        </div>
      ) : null}

      {error ? (
        <p role="alert" className="error">
          {error.fieldErrors.length > 0 ? "The input was not accepted; see the fields below." : error.message}
        </p>
      ) : null}

      {!canResume ? null : pause.inputSchema ? (
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
              <strong>{run.name}</strong> continues {pause.reschedule ? "when a worker picks it up again" : "at once"}.
            </p>
          </ConfirmDialog>
        </>
      )}
    </section>
  );
}
