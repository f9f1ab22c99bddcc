/** What each peer's run hands back: raw samples per measure, and why a measure is missing. */
import { z } from "zod";

export const PeerResult = z.object({
  /** Resume sent → the code after the wait runs (ms), one flow or workflow waiting in a loop. Temporal: by Update. */
  resumeMs: z.array(z.number()).optional(),
  /** Temporal only: the same, resumed by Signal. */
  signalMs: z.array(z.number()).optional(),
  loopCyclesPerSecond: z.number().optional(),
  newRunCyclesPerSecond: z.number().optional(),
  /** Server RSS growth (with its store) divided by the number of workflows waiting. */
  bytesPerWaiting: z.number().optional(),
  /** Resume of a suspended run sent → that run RUNNING again in a new process (ms). */
  suspendMs: z.array(z.number()).optional(),
  versions: z.string(),
  /** Measure name ("resume", "signal", "newRun", "memory", "suspend") → why it failed. */
  errors: z.record(z.string(), z.string()).default({}),
});
export type PeerResult = z.infer<typeof PeerResult>;

/** Runs one scenario; a failure is recorded under `measure` instead of ending the whole run. */
export async function attempt<T>(errors: Record<string, string>, measure: string, work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (e) {
    errors[measure] = e instanceof Error ? e.message : String(e);
    console.error(`  ${measure} failed: ${errors[measure]}`);
    return undefined;
  }
}
