import { useEffect, useState } from "react";
import { signOut, type SessionJson } from "./api.ts";
import { AwaitingPage } from "./pages/awaiting-page.tsx";
import { DeploymentPage } from "./pages/deployment-page.tsx";
import { DeploymentsPage } from "./pages/deployments-page.tsx";
import { LinkPage } from "./pages/link-page.tsx";
import { RunPage } from "./pages/run-page.tsx";
import { RunsPage } from "./pages/runs-page.tsx";
import { SignInPage } from "./pages/sign-in-page.tsx";
import { Link, navigate, usePath } from "./router.tsx";
import { may, SessionContext, useSessionState } from "./session.tsx";
import { AwaitingMeContext, useAwaitingMeState, type AwaitingMe } from "./use-awaiting-me.tsx";

/** A resume link's page: its token is its credential, so it opens without signing in. */
const LINK_PAGE = /^\/approve\/([^/]+)\/?$/;

export function App() {
  const path = usePath();
  const [state, setState] = useSessionState();
  const [notice, setNotice] = useState<string | undefined>();
  const session = state.status === "signed-in" ? state.session : undefined;
  const onSignIn = path === "/signin";
  const linkToken = LINK_PAGE.exec(path)?.[1];
  // Who is signed in sees, in the header, how many paused runs wait for their decision.
  const awaiting = useAwaitingMeState(session !== undefined && !onSignIn && linkToken === undefined && may(session, "runs:read"));

  // Signed out (or never signed in): to the sign-in page, which comes back here afterwards.
  useEffect(() => {
    if (state.status === "signed-out" && !onSignIn && linkToken === undefined) {
      const here = window.location.pathname + window.location.search;
      navigate(here === "/" ? "/signin" : `/signin?next=${encodeURIComponent(here)}`, { replace: true });
    }
  }, [state.status, onSignIn, linkToken]);

  const leave = async (): Promise<void> => {
    try {
      await signOut();
    } finally {
      setNotice("Signed out.");
      setState({ status: "signed-out" });
    }
  };

  let page;
  if (linkToken !== undefined) {
    page = <LinkPage token={linkToken} />;
  } else if (onSignIn) {
    page = (
      <SignInPage
        notice={notice}
        onSignedIn={(s) => {
          setNotice(undefined);
          setState({ status: "signed-in", session: s });
        }}
      />
    );
  } else if (state.status === "loading" || state.status === "signed-out") {
    page = (
      <main>
        <p aria-busy="true">Loading…</p>
      </main>
    );
  } else {
    const runId = /^\/runs\/([^/]+)\/?$/.exec(path)?.[1];
    const deploymentId = /^\/deployments\/([^/]+)\/?$/.exec(path)?.[1];
    page =
      path === "/" ? (
        <RunsPage />
      ) : path === "/awaiting" ? (
        <AwaitingPage />
      ) : path === "/deployments" ? (
        <DeploymentsPage />
      ) : deploymentId ? (
        <DeploymentPage deploymentId={decodeURIComponent(deploymentId)} />
      ) : runId ? (
        <RunPage runId={decodeURIComponent(runId)} />
      ) : (
        <NotFound />
      );
  }

  return (
    <SessionContext.Provider value={session}>
      <AwaitingMeContext.Provider value={awaiting}>
        <header className="site-header">
          <Link href="/" className="brand">
            Flowgate
          </Link>
          {session && !onSignIn && linkToken === undefined ? (
            <nav aria-label="Site" className="site-nav">
              <Link href="/deployments" className="nav-link" aria-current={path.startsWith("/deployments") ? "page" : undefined}>
                Deployments
              </Link>
              <AwaitingLink awaiting={awaiting} current={path === "/awaiting"} />
            </nav>
          ) : null}
          {session && !onSignIn ? <Account session={session} onSignOut={() => void leave()} /> : null}
        </header>
        {page}
      </AwaitingMeContext.Provider>
    </SessionContext.Provider>
  );
}

/** "Awaiting me 3": the runs waiting for this principal's decision, counted (no count until known). */
function AwaitingLink({ awaiting, current }: { awaiting: AwaitingMe; current: boolean }) {
  const count = awaiting.runs?.length;
  return (
    <Link href="/awaiting" className="awaiting-link" aria-current={current ? "page" : undefined}>
      Awaiting me{" "}
      {count === undefined ? null : (
        <span className={count > 0 ? "count count-some" : "count"} data-count={count}>
          {count}
        </span>
      )}
    </Link>
  );
}

/** Who is signed in, with what scopes, and the way out. */
function Account({ session, onSignOut }: { session: SessionJson; onSignOut: () => void }) {
  if (session.authentication === "disabled") {
    return <span className="account">Authentication is disabled: everyone may do everything</span>;
  }
  return (
    <span className="account">
      <span>
        Signed in as <strong>{session.name}</strong> <span className="scopes">({session.scopes.join(", ")})</span>
      </span>
      {session.authentication === "session" ? (
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      ) : null}
    </span>
  );
}

function NotFound() {
  return (
    <main>
      <h1>Page not found</h1>
      <p>
        <Link href="/">See all flow runs</Link>
      </p>
    </main>
  );
}
