import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Clock } from "../domain/rules.js";
import { RunInputSchemas } from "../domain/run-input-schema.js";
import type { Store } from "./ports.js";
import type { RunChangeNotifier } from "./run-change-notifier.js";
import type { RunEventHub } from "./run-event-hub.js";

export interface AppLimits {
  /** Largest run input, parameters, input value or task result, in bytes of JSON. */
  maxInputBytes: number;
}

/** What every application service shares. */
export interface AppContext {
  store: Store;
  hub: RunEventHub;
  schemas: RunInputSchemas;
  logger: Logger;
  limits: AppLimits;
  /** Webhooks' outbox; absent in services built without one. */
  notifier?: RunChangeNotifier;
  /** The web UI's base URL (resume links point into it); a function because it is known only once HTTP listens. */
  uiUrl?: () => string;
}

export function systemClock(): Clock {
  return { now: new Date(), newId: randomUUID };
}
