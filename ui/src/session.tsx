/** Who is signed in, for every page: loaded once, dropped when the server says the session is gone. */
import { createContext, useCallback, useContext, useEffect, useRef, useState } from "react";
import { getSession, SIGNED_OUT_EVENT, type SessionJson } from "./api.ts";
import { hasScope, isScope } from "../../server/src/domain/access.ts";

export type SessionState =
  | { status: "loading" }
  | { status: "signed-out" }
  | { status: "signed-in"; session: SessionJson }
  /** The server could not be asked (down, restarting): the pages show their own errors. */
  | { status: "unknown"; message: string };

/** The session state, and a way to replace it (after signing in or out). */
export function useSessionState(): [SessionState, (next: SessionState) => void] {
  const [state, setState] = useState<SessionState>({ status: "loading" });
  // Set once the app has changed the session itself (signed in with a link, say): the first look's
  // answer, which may arrive later, is older news then.
  const changed = useRef(false);
  const change = useCallback((next: SessionState): void => {
    changed.current = true;
    setState(next);
  }, []);
  useEffect(() => {
    const controller = new AbortController();
    getSession({ signal: controller.signal, quiet: true }).then(
      (session) => {
        if (!changed.current) setState({ status: "signed-in", session });
      },
      (err: unknown) => {
        if (controller.signal.aborted || changed.current) return;
        const status = (err as { status?: number }).status;
        setState(
          status === 401 ? { status: "signed-out" } : { status: "unknown", message: err instanceof Error ? err.message : String(err) },
        );
      },
    );
    const signedOut = (): void => setState({ status: "signed-out" });
    window.addEventListener(SIGNED_OUT_EVENT, signedOut);
    return () => {
      controller.abort();
      window.removeEventListener(SIGNED_OUT_EVENT, signedOut);
    };
  }, []);
  return [state, change];
}

export const SessionContext = createContext<SessionJson | undefined>(undefined);

/** The signed-in principal (undefined while unknown). */
export function useSession(): SessionJson | undefined {
  return useContext(SessionContext);
}

/** Whether the signed-in key holds `scope` (admin holds every one); unknown sessions are given the benefit: the server decides. */
export function may(session: SessionJson | undefined, scope: string): boolean {
  if (!session || !isScope(scope)) return true;
  return hasScope({ name: session.name, groups: session.groups, scopes: session.scopes.filter(isScope) }, scope);
}
