import type { FlowRunContext } from "../runtime/run-context.js";

/**
 * The key of the next pause or suspend of this execution. The counter advances on every call, custom
 * key or not (as in Prefect), so a re-executed run meets exactly the same default keys.
 */
export function nextKey(ctx: FlowRunContext, custom: string | undefined): string {
  const counted = ctx.nextPauseKey();
  return custom ?? counted;
}
