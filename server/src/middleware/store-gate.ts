import { StoreUnavailableError } from "../app/ports.js";
import type { Middleware } from "./call-context.js";

/** What the gate needs to know: whether the store answered its last ping. */
export interface StoreStatus {
  isUp(): boolean;
}

/** Calls that never need the store: the health check, and the web UI's static files. */
function needsNoStore(method: string): boolean {
  return method === "GET /api/health" || method.endsWith("(web UI)");
}

/**
 * While the store is known to be down, a call fails at once with StoreUnavailableError
 * (UNAVAILABLE / 503, reason STORE_UNAVAILABLE) rather than waiting out the driver's server
 * selection: the client learns the same thing, seconds sooner, and can retry on its own schedule.
 * Streams already open are not touched: they wait for the store to come back.
 */
export function storeGate(status: StoreStatus): Middleware {
  return async (ctx, next) => {
    if (!status.isUp() && !needsNoStore(ctx.method)) {
      throw new StoreUnavailableError({ cause: new Error("the store did not answer its last health ping") });
    }
    return next();
  };
}
