import { useEffect, useMemo, useState } from "react";
import { ApiError, getLink, rejectWithLink, resumeWithLink, type LinkViewJson } from "../api.ts";
import { recordedText } from "../approval-text.ts";
import { PausePanel, preloadResumeForm, type Decide, type Decided } from "../components/pause-panel.tsx";
import { StateBadge } from "../components/state-badge.tsx";
import { formatTimestamp } from "../time.ts";

/** What the page says for each way a link can be refused, by the server's reason. */
const LINK_REFUSALS: Readonly<Record<string, { title: string; text: string }>> = {
  RESUME_LINK_USED: {
    title: "This link has been used",
    text: "A resume link is good for one decision, and this one has made it. The run's page shows what happened since.",
  },
  RESUME_LINK_EXPIRED: {
    title: "This link has expired",
    text: "The pause it was made for has ended: the run was resumed, rejected, cancelled or timed out, or it paused again since (a new pause gets new links).",
  },
  RESUME_LINK_INVALID: {
    title: "This link is not valid",
    text: "It may have been revoked, or the address was cut or mistyped. Ask whoever sent it for a new one.",
  },
};

function isLinkRefusal(err: unknown): err is ApiError {
  return err instanceof ApiError && err.reason in LINK_REFUSALS;
}

type View =
  | { status: "loading" }
  | { status: "failed"; error: ApiError }
  | { status: "open"; link: LinkViewJson }
  | { status: "decided"; link: LinkViewJson; outcome: Decided };

/**
 * /approve/<token>: a resume link's page, for someone who has no key. The token in the address is the
 * credential (the server sends this page with Referrer-Policy: no-referrer, and the page never puts
 * the token in its title or anywhere but the calls that need it). It shows the run, the pause's
 * description and form, and Resume and Reject, as the run page does, through the link's own routes.
 */
export function LinkPage({ token }: { token: string }) {
  const [view, setView] = useState<View>({ status: "loading" });

  useEffect(() => {
    const controller = new AbortController();
    void preloadResumeForm();
    setView({ status: "loading" });
    getLink(token, controller.signal).then(
      (link) => setView({ status: "open", link }),
      (err: unknown) => {
        if (!controller.signal.aborted) setView({ status: "failed", error: err instanceof ApiError ? err : new ApiError(String(err), 0) });
      },
    );
    return () => controller.abort();
  }, [token]);

  const run = view.status === "open" || view.status === "decided" ? view.link.run : undefined;
  useEffect(() => {
    document.title = run ? `Decide on ${run.name} · Flowgate` : "Flowgate";
    return () => {
      document.title = "Flowgate";
    };
  }, [run?.name]);

  // A refusal of the link itself (used meanwhile, say) replaces the page; any other stays beside the form.
  const decide = useMemo<Decide>(() => {
    const guard = async <T,>(call: () => Promise<T>): Promise<T> => {
      try {
        return await call();
      } catch (err) {
        if (isLinkRefusal(err)) setView({ status: "failed", error: err });
        throw err;
      }
    };
    return {
      resume: (input) => guard(() => resumeWithLink(token, input)),
      reject: (reason) => guard(() => rejectWithLink(token, reason)),
    };
  }, [token]);

  if (view.status === "loading") {
    return (
      <main>
        <p aria-busy="true">Loading…</p>
      </main>
    );
  }
  if (view.status === "failed") {
    const known = LINK_REFUSALS[view.error.reason];
    return (
      <main>
        <h1>{known?.title ?? "This link cannot be opened"}</h1>
        <p role="alert" className="error" data-reason={view.error.reason || undefined}>
          {known?.text ?? view.error.message}
        </p>
      </main>
    );
  }

  const { link } = view;
  const shown = view.status === "decided" ? view.outcome.run : link.run;
  return (
    <main>
      <div className="page-header">
        <h1>{shown.name}</h1>
        <StateBadge state={shown.state} role="Current state" />
      </div>
      {shown.state?.message ? <p className="state-message">{shown.state.message}</p> : null}
      <dl className="facts">
        <dt>Flow</dt>
        <dd>{shown.flowName}</dd>
        <dt>Created</dt>
        <dd>{formatTimestamp(shown.createdAt)}</dd>
        <dt>This link</dt>
        <dd>
          {link.link.approver
            ? `acts for ${link.link.approver}, and is good for one decision`
            : "is shared: whoever holds it may decide, once"}
        </dd>
      </dl>
      {/* Present from the start, so that screen readers announce the outcome when it is written in. */}
      <div role="status" className="notice" aria-live="polite">
        {view.status === "decided" ? outcomeText(view.outcome) : null}
      </div>
      {view.status === "decided" ? null : shown.pause ? (
        <PausePanel
          run={shown}
          pause={shown.pause}
          offer={shown.actions}
          decide={decide}
          onDecided={(outcome) => setView({ status: "decided", link, outcome })}
        />
      ) : (
        <p className="empty">The run is not paused any more.</p>
      )}
    </main>
  );
}

/** What the one decision did; the link is spent now, so the page offers nothing more. */
function outcomeText(outcome: Decided): string {
  if (outcome.kind === "resumed") return "Resumed: the run continues.";
  if (outcome.kind === "recorded") return `${recordedText(outcome.run.pause)}. The run resumes once enough approvers agree.`;
  return "Rejected: the pause has ended, and the flow is told your reason.";
}
