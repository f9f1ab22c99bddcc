import { useEffect, useRef, useState, type FormEvent } from "react";
import { ApiError, signInWithKey, signInWithLink, type SessionJson } from "../api.ts";
import { navigate } from "../router.tsx";

/**
 * /signin: an API key in a password field, or, arriving from the link `npm start` prints
 * (/signin#token=…), the link's one-time token. Either is exchanged for a session cookie the page
 * never sees; the key or token is not kept. Then on to where the person was going (?next=).
 */
export function SignInPage({ onSignedIn, notice }: { onSignedIn: (session: SessionJson) => void; notice?: string | undefined }) {
  const [key, setKey] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const linkTried = useRef(false);

  const done = (session: SessionJson): void => {
    onSignedIn(session);
    navigate(nextPath(window.location.search), { replace: true });
  };
  const fail = (err: unknown, what: string): void => {
    setError(err instanceof ApiError && err.status === 401 ? what : err instanceof Error ? err.message : String(err));
  };

  useEffect(() => {
    const token = new URLSearchParams(window.location.hash.slice(1)).get("token");
    if (!token || linkTried.current) return;
    linkTried.current = true;
    // Off the address bar and out of the history at once: the token works once, and is nobody's business.
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
    setBusy(true);
    signInWithLink(token).then(done, (err: unknown) => {
      fail(err, "This sign-in link has been used already or has expired. Sign in with an API key instead.");
      setBusy(false);
    });
  }, []);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      done(await signInWithKey(key.trim()));
    } catch (err) {
      fail(err, "That API key is not valid (unknown, expired or revoked).");
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <h1>Sign in to Flowgate</h1>
      {notice ? (
        <p role="status" className="notice">
          {notice}
        </p>
      ) : null}
      {error ? (
        <p role="alert" className="error">
          {error}
        </p>
      ) : null}
      <form onSubmit={(e) => void submit(e)}>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          required
          value={key}
          onChange={(e) => setKey(e.target.value)}
          aria-describedby="api-key-help"
        />
        <p id="api-key-help" className="muted">
          A key starting with <code>fgk_</code>: the one-time link <code>npm start</code> prints signs you in without one, and{" "}
          <code>npx flowgate keys create --name NAME --scopes runs:read,runs:resume</code> makes one.
        </p>
        <button type="submit" className="primary" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}

/** Where to go after signing in: a path of this site only (never "//elsewhere"), and not back here. */
function nextPath(search: string): string {
  const next = new URLSearchParams(search).get("next") ?? "/";
  return next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") && !next.startsWith("/signin") ? next : "/";
}
