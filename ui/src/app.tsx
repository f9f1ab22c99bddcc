import { useEffect, useState } from "react";
import { signOut, type SessionJson } from "./api.ts";
import { RunPage } from "./pages/run-page.tsx";
import { RunsPage } from "./pages/runs-page.tsx";
import { SignInPage } from "./pages/sign-in-page.tsx";
import { Link, navigate, usePath } from "./router.tsx";
import { SessionContext, useSessionState } from "./session.tsx";

export function App() {
  const path = usePath();
  const [state, setState] = useSessionState();
  const [notice, setNotice] = useState<string | undefined>();
  const session = state.status === "signed-in" ? state.session : undefined;
  const onSignIn = path === "/signin";

  // Signed out (or never signed in): to the sign-in page, which comes back here afterwards.
  useEffect(() => {
    if (state.status === "signed-out" && !onSignIn) {
      const here = window.location.pathname + window.location.search;
      navigate(here === "/" ? "/signin" : `/signin?next=${encodeURIComponent(here)}`, { replace: true });
    }
  }, [state.status, onSignIn]);

  const leave = async (): Promise<void> => {
    try {
      await signOut();
    } finally {
      setNotice("Signed out.");
      setState({ status: "signed-out" });
    }
  };

  let page;
  if (onSignIn) {
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
    page = path === "/" ? <RunsPage /> : runId ? <RunPage runId={decodeURIComponent(runId)} /> : <NotFound />;
  }

  return (
    <SessionContext.Provider value={session}>
      <header className="site-header">
        <Link href="/" className="brand">
          Flowgate
        </Link>
        {session && !onSignIn ? <Account session={session} onSignOut={() => void leave()} /> : null}
      </header>
      {page}
    </SessionContext.Provider>
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
