import { randomUUID } from "node:crypto";

/** Header (HTTP) and metadata key (gRPC) that carry a request id in and out. */
export const REQUEST_ID_HEADER = "x-request-id";

/** The caller's id when it is short printable ASCII (it goes into logs and headers), else a new one. */
export function requestIdFrom(given: string | undefined): string {
  return given !== undefined && /^[\x21-\x7e]{1,128}$/.test(given) ? given : randomUUID();
}
