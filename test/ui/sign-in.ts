/** Signing a browser context in to the web UI, for the browser tests. */
import assert from "node:assert/strict";
import type { BrowserContext } from "playwright-core";

/**
 * Opens a session for `context` as the page's sign-in does (POST /api/session with the key as a
 * bearer credential); the session cookie lands in the context's cookie jar, so its pages are signed in.
 */
export async function signIn(target: { context: BrowserContext }, origin: string, key: string): Promise<void> {
  const res = await target.context.request.post(`${origin}/api/session`, { headers: { authorization: `Bearer ${key}` }, data: {} });
  assert.equal(res.status(), 200, `signing in: ${await res.text()}`);
}
