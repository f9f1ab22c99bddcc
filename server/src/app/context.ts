import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Clock } from "../domain/rules.js";
import { RunInputSchemas } from "../domain/run-input-schema.js";
import type { Store } from "../store/mongo-store.js";
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
}

export function systemClock(): Clock {
  return { now: new Date(), newId: randomUUID };
}

export function encodePageToken(offset: number): string {
  return Buffer.from(`o:${offset}`).toString("base64url");
}

export function decodePageToken(token: string): number | undefined {
  if (!token) return 0;
  const m = /^o:(\d{1,9})$/.exec(Buffer.from(token, "base64url").toString("utf8"));
  return m ? Number(m[1]) : undefined;
}
