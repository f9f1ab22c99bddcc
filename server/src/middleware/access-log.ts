import type { Logger } from "pino";
import type { Middleware } from "./call-context.js";
import { reasonOfFailure } from "./error-reason.js";

/**
 * Logs every call once it ends: transport, method, request id, duration and outcome (the reason when
 * it failed). Successful calls log at debug so a busy server stays quiet at info; refused and failed
 * calls log at info. Never logs headers: they may hold credentials.
 */
export function accessLog(logger: Logger): Middleware {
  return async (ctx, next) => {
    let failure: string | undefined;
    try {
      await next();
    } catch (err) {
      failure = reasonOfFailure(err);
      throw err;
    } finally {
      const durationMs = Math.round((performance.now() - ctx.startedAt) * 1000) / 1000;
      const entry = {
        transport: ctx.transport,
        method: ctx.method,
        requestId: ctx.requestId,
        durationMs,
        ...(ctx.principal ? { principal: ctx.principal.name } : {}),
        ...(failure ? { reason: failure } : {}),
        ...(ctx.signal.aborted ? { aborted: true } : {}),
      };
      if (failure) logger.info(entry, "call failed");
      else logger.debug(entry, "call");
    }
  };
}
