/**
 * Reads the `grpc-status-details-bin` trailer: a google.rpc.Status whose details carry the
 * google.rpc.ErrorInfo (the machine-readable reason) and, for invalid input, a google.rpc.BadRequest.
 * Decoded by hand with the wire reader: three small messages do not justify vendoring googleapis.
 *
 *   Status     { int32 code = 1; string message = 2; repeated Any details = 3; }
 *   Any        { string type_url = 1; bytes value = 2; }
 *   ErrorInfo  { string reason = 1; string domain = 2; map<string,string> metadata = 3; }
 *   BadRequest { repeated FieldViolation field_violations = 1; }
 *   FieldViolation { string field = 1; string description = 2; }
 */
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import type { FieldError } from "../errors.js";

export const STATUS_DETAILS_TRAILER = "grpc-status-details-bin";
/** The ErrorInfo domain of Flowgate's reasons; a reason from another domain is not ours to interpret. */
export const ERROR_DOMAIN = "flowgate.dev";

export interface StatusDetails {
  /** ErrorInfo.reason when the domain is Flowgate's; undefined when absent. */
  reason: string | undefined;
  /** BadRequest.field_violations; [] when absent. */
  fieldErrors: FieldError[];
}

const NONE: StatusDetails = { reason: undefined, fieldErrors: [] };

/** Calls `onField` for each field of one message; skips what it does not read. */
function eachField(bytes: Uint8Array, onField: (fieldNo: number, wireType: WireType, reader: BinaryReader) => boolean): void {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [fieldNo, wireType] = reader.tag();
    if (!onField(fieldNo, wireType, reader)) reader.skip(wireType, fieldNo);
  }
}

function readString(wireType: WireType, reader: BinaryReader, set: (s: string) => void): boolean {
  if (wireType !== WireType.LengthDelimited) return false;
  set(reader.string());
  return true;
}

function readBytes(wireType: WireType, reader: BinaryReader, set: (b: Uint8Array) => void): boolean {
  if (wireType !== WireType.LengthDelimited) return false;
  set(reader.bytes());
  return true;
}

/** The details of an encoded google.rpc.Status; NONE when the bytes are absent or unreadable. */
export function decodeStatusDetails(bytes: Uint8Array | undefined): StatusDetails {
  if (bytes === undefined || bytes.length === 0) return NONE;
  try {
    let reason: string | undefined;
    const fieldErrors: FieldError[] = [];
    eachField(bytes, (no, wt, r) => {
      if (no !== 3) return false;
      return readBytes(wt, r, (any) => {
        let typeUrl = "";
        let value: Uint8Array = new Uint8Array();
        eachField(any, (n, w, rr) =>
          n === 1 ? readString(w, rr, (s) => (typeUrl = s)) : n === 2 ? readBytes(w, rr, (b) => (value = b)) : false,
        );
        const type = typeUrl.slice(typeUrl.lastIndexOf("/") + 1);
        if (type === "google.rpc.ErrorInfo") {
          const info = decodeErrorInfo(value);
          if (info.domain === ERROR_DOMAIN && info.reason) reason = info.reason;
        } else if (type === "google.rpc.BadRequest") {
          fieldErrors.push(...decodeBadRequest(value));
        }
      });
    });
    return { reason, fieldErrors };
  } catch {
    // A trailer we cannot read is no reason to lose the error itself: the status code still counts.
    return NONE;
  }
}

function decodeErrorInfo(bytes: Uint8Array): { reason: string; domain: string } {
  const info = { reason: "", domain: "" };
  eachField(bytes, (no, wt, r) =>
    no === 1 ? readString(wt, r, (s) => (info.reason = s)) : no === 2 ? readString(wt, r, (s) => (info.domain = s)) : false,
  );
  return info;
}

function decodeBadRequest(bytes: Uint8Array): FieldError[] {
  const out: FieldError[] = [];
  eachField(bytes, (no, wt, r) => {
    if (no !== 1) return false;
    return readBytes(wt, r, (violation) => {
      const v: FieldError = { field: "", description: "" };
      eachField(violation, (n, w, rr) =>
        n === 1 ? readString(w, rr, (s) => (v.field = s)) : n === 2 ? readString(w, rr, (s) => (v.description = s)) : false,
      );
      out.push(v);
    });
  });
  return out;
}
