import { useEffect, useRef, useState } from "react";
import { cancelRun, getRun, isFinalState, rejectRun, resumeRun, runEventsUrl, suspendRun, type RunJson, type StateJson } from "../api.ts";
import { pastOf, withPastStates } from "../past-states.ts";
import { recordedText, refusalText } from "../approval-text.ts";
import { ConfirmDialog } from "../components/confirm-dialog.tsx";
import { LiveIndicator } from "../components/live-indicator.tsx";
import { PausePanel, preloadResumeForm } from "../components/pause-panel.tsx";
import { ResumeInputs } from "../components/resume-inputs.tsx";
import { RunLogs } from "../components/run-logs.tsx";
import { TaskRuns } from "../components/task-runs.tsx";
import { StateBadge } from "../components/state-badge.tsx";
import { StateTimeline } from "../components/state-timeline.tsx";
import { Link } from "../router.tsx";
import { may, useSession } from "../session.tsx";
import { formatTimestamp } from "../time.ts";
import { useEventStream } from "../use-event-stream.ts";
import { useRunAudit } from "../use-run-audit.ts";

/** One run at /runs/<id>: what it is doing, its history, and the actions a person can take. */
export function RunPage({ runId }: { runId: string }) {
  const session = useSession();
  const [run, setRun] = useState<RunJson | undefined>();
  const [loadError, setLoadError] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const [actionError, setActionError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [confirmCancel, setConfirmCancel] = useState(false);

  const [history, setHistory] = useState<StateJson[]>([]);
  const [historyNonce, setHistoryNonce] = useState(0);
  const shownVersion = useRef(0);

  // Only the newer version wins: a reply and a stream event may arrive in either order. The past
  // states come with the run's read and, one per change, with events (`left`); every change is an
  // event, so a version skipped (the stream was away) means states to read again.
  const show = (next: RunJson, left?: StateJson | null): void => {
    const learnt = [...(next.stateHistory ?? []), ...(left ? [left] : [])];
    if (learnt.length > 0) setHistory((known) => withPastStates(known, learnt));
    if (shownVersion.current > 0 && next.version > shownVersion.current + 1 && !next.stateHistory) setHistoryNonce((n) => n + 1);
    shownVersion.current = Math.max(shownVersion.current, next.version);
    setRun((prev) => (prev && prev.version >= next.version ? prev : next));
  };

  useEffect(() => {
    setRun(undefined);
    setHistory([]);
    shownVersion.current = 0;
  }, [runId]);
  useEffect(() => {
    const controller = new AbortController();
    void preloadResumeForm();
    setLoadError(undefined);
    getRun(runId, controller.signal).then(
      (r) => show(r),
      (err: unknown) => {
        if (!controller.signal.aborted) setLoadError(err instanceof Error ? err.message : String(err));
      },
    );
    return () => controller.abort();
  }, [runId, historyNonce]);
  // The server ends a run's stream at a final state; the page then stops following it.
  const status = useEventStream(
    loadError ? undefined : runEventsUrl(runId),
    (e) => show(e.run, e.previousState),
    (e) => e.run.state !== null && isFinalState(e.run.state.type),
  );
  const past = run ? pastOf(history, run.state) : [];
  // Who did what, for the timeline; the run shown is always this page's run (a stale one is cleared above).
  const audit = useRunAudit(run?.id === runId ? run : undefined, past.at(-1));

  const act = async (action: () => Promise<RunJson>, done: string): Promise<void> => {
    setBusy(true);
    setActionError(undefined);
    setNotice(undefined);
    try {
      show(await action());
      audit.refresh();
      setNotice(done);
    } catch (err) {
      setActionError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  if (loadError) {
    return (
      <main>
        <p>
          <Link href="/">← All runs</Link>
        </p>
        <h1>Flow run not found</h1>
        <p role="alert" className="error">
          {loadError}
        </p>
      </main>
    );
  }
  if (!run) {
    return (
      <main>
        <p aria-busy="true">Loading flow run…</p>
      </main>
    );
  }

  // The server says what it would accept from this caller (the run's state and the key's scopes,
  // by the same rules it applies), so no rule is repeated here.
  const { suspend: canSuspend, cancel: canCancel } = run.actions;
  // A key that may only read still sees the pause, without a way to resume it.
  const readOnly = !may(session, "runs:resume");

  return (
    <main>
      <p>
        <Link href="/">← All runs</Link>
      </p>
      <div className="page-header">
        <h1>{run.name}</h1>
        <StateBadge state={run.state} role="Current state" />
        <LiveIndicator status={status} />
      </div>
      {run.state?.message ? <p className="state-message">{run.state.message}</p> : null}
      <dl className="facts">
        <dt>Flow</dt>
        <dd>{run.flowName}</dd>
        <dt>Run id</dt>
        <dd>
          <code>{run.id}</code>
        </dd>
        <dt>Deployment</dt>
        <dd>
          {run.deploymentId ? (
            <Link href={`/deployments/${run.deploymentId}`}>
              <code>{run.deploymentId}</code>
            </Link>
          ) : (
            "None (not runnable by a worker)"
          )}
        </dd>
        <dt>Created</dt>
        <dd>{formatTimestamp(run.createdAt)}</dd>
      </dl>

      <div role="status" className="notice" aria-live="polite">
        {notice}
      </div>
      {actionError ? (
        <p role="alert" className="error">
          {actionError}
        </p>
      ) : null}

      {/* Every reader sees the pause; who may not decide it is told why (a read-only key, below). */}
      {run.pause && run.state?.type === "PAUSED" ? (
        <PausePanel
          key={`${run.id}/${run.pause.key}`}
          run={run}
          pause={run.pause}
          offer={run.actions}
          refusal={readOnly ? undefined : refusalText(run.myDecision, run.pause, session?.name)}
          decide={{ resume: (input) => resumeRun(run.id, input), reject: (reason) => rejectRun(run.id, reason) }}
          onDecided={(outcome) => {
            show(outcome.run);
            audit.refresh();
            setNotice(
              outcome.kind === "resumed" ? "Resumed." : outcome.kind === "rejected" ? "Rejected." : recordedText(outcome.run.pause),
            );
            setActionError(undefined);
          }}
        />
      ) : null}

      {canSuspend || canCancel ? (
        <section aria-labelledby="actions-heading" className="actions">
          <h2 id="actions-heading">Actions</h2>
          {canSuspend ? (
            <button
              type="button"
              disabled={busy}
              onClick={() => void act(() => suspendRun(run.id), "Suspended: the run's process ends; resume it to run it again.")}
            >
              Suspend
            </button>
          ) : null}
          {canCancel ? (
            <button type="button" className="danger" disabled={busy} onClick={() => setConfirmCancel(true)}>
              Cancel run
            </button>
          ) : null}
        </section>
      ) : null}
      {readOnly && session ? (
        <p className="muted read-only">
          Signed in as {session.name}, whose key may read runs but not resume, suspend or cancel them (that takes the runs:resume scope).
        </p>
      ) : null}
      <ConfirmDialog
        open={confirmCancel}
        title="Cancel this run?"
        confirmLabel="Cancel run"
        dismissLabel="Keep it"
        onConfirm={() => {
          setConfirmCancel(false);
          void act(() => cancelRun(run.id), "Cancelled.");
        }}
        onDismiss={() => setConfirmCancel(false)}
      >
        <p>A cancelled run cannot be resumed.</p>
      </ConfirmDialog>

      <section aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">State timeline</h2>
        <StateTimeline run={run} past={past} audit={audit.entries} />
      </section>

      <TaskRuns runId={run.id} version={run.version} />

      <section aria-labelledby="parameters-heading">
        <h2 id="parameters-heading">Parameters</h2>
        {Object.keys(run.parameters).length === 0 ? (
          <p className="empty">None.</p>
        ) : (
          <pre className="json">{JSON.stringify(run.parameters, null, 2)}</pre>
        )}
      </section>

      <ResumeInputs runId={run.id} version={run.version} />

      <RunLogs key={run.id} runId={run.id} />
    </main>
  );
}
