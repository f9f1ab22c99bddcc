import type { FlowRun } from "../domain/flow-run.js";

/** A resume link as handed out once, to the pausing caller and to webhooks: the only time its token is in clear. */
export interface IssuedLink {
  id: string;
  /** The principal it acts for; undefined for a shared link. */
  approver?: string;
  url: string;
  token: string;
}

/**
 * Told of every stored change of a flow run, after it is stored (webhooks derive their events from
 * it: a pause entered, an approval recorded, a pause resumed, rejected or timed out). `links` are the
 * resume links issued by the change that entered a pause. Implementations must return quickly and
 * never throw: a slow or failing receiver must not delay or fail the call that changed the run.
 */
export interface RunChangeNotifier {
  runChanged(next: FlowRun, previous: FlowRun | undefined, links?: readonly IssuedLink[]): Promise<void>;
}
