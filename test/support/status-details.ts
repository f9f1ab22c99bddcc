import assert from "node:assert/strict";
import type { ServiceError } from "@grpc/grpc-js";
import { BinaryReader } from "@bufbuild/protobuf/wire";

export interface StatusDetails {
  code: number;
  message: string;
  errorInfo?: { reason: string; domain: string };
  violations: { field: string; description: string }[];
}

/**
 * The google.rpc.Status of a failed call, read from its `grpc-status-details-bin` trailer the way any
 * gRPC client would (decoded here independently of the server's encoder, so a test can catch it).
 */
export function statusDetails(err: ServiceError): StatusDetails {
  const raw = err.metadata?.get("grpc-status-details-bin") ?? [];
  assert.equal(raw.length, 1, "expected one grpc-status-details-bin trailer");
  const r = new BinaryReader(raw[0] as Buffer);
  const out: StatusDetails = { code: 0, message: "", violations: [] };
  while (r.pos < r.len) {
    const [field, wire] = r.tag();
    if (field === 1) out.code = r.int32();
    else if (field === 2) out.message = r.string();
    else if (field === 3) readAny(r.bytes(), out);
    else r.skip(wire);
  }
  return out;
}

function readAny(bytes: Uint8Array, out: StatusDetails): void {
  const r = new BinaryReader(bytes);
  let typeUrl = "";
  let value: Uint8Array = new Uint8Array();
  while (r.pos < r.len) {
    const [field, wire] = r.tag();
    if (field === 1) typeUrl = r.string();
    else if (field === 2) value = r.bytes();
    else r.skip(wire);
  }
  const v = new BinaryReader(value);
  if (typeUrl === "type.googleapis.com/google.rpc.ErrorInfo") {
    const info = { reason: "", domain: "" };
    while (v.pos < v.len) {
      const [field, wire] = v.tag();
      if (field === 1) info.reason = v.string();
      else if (field === 2) info.domain = v.string();
      else v.skip(wire);
    }
    out.errorInfo = info;
  } else if (typeUrl === "type.googleapis.com/google.rpc.BadRequest") {
    while (v.pos < v.len) {
      const [field, wire] = v.tag();
      if (field !== 1) {
        v.skip(wire);
        continue;
      }
      const fv = new BinaryReader(v.bytes());
      const violation = { field: "", description: "" };
      while (fv.pos < fv.len) {
        const [f, w] = fv.tag();
        if (f === 1) violation.field = fv.string();
        else if (f === 2) violation.description = fv.string();
        else fv.skip(w);
      }
      out.violations.push(violation);
    }
  }
}

/** The ErrorInfo reason of a failed call; fails the test when the error carries none or another domain's. */
export function reasonOf(err: ServiceError): string {
  const info = statusDetails(err).errorInfo;
  assert.ok(info, `error ${err.code} "${err.details}" carries no ErrorInfo`);
  assert.equal(info.domain, "flowgate.dev");
  return info.reason;
}
