import { MongoServerError } from "mongodb";
import { StoreUnavailableError } from "../app/ports.js";

const DUPLICATE_KEY = 11000;

/**
 * The store refused a write because a document with its key exists: an insert of a taken key, or
 * one of two upserts of the same new key at once (the loser does not retry by itself).
 */
export function isDuplicateKey(err: unknown): boolean {
  return err instanceof MongoServerError && err.code === DUPLICATE_KEY;
}

/** Driver errors that mean the store could not be reached (as opposed to a refusal or a bug). */
const UNREACHABLE = /^Mongo(Network|ServerSelection|NotConnected|Topology)/;
/**
 * Socket errors the driver sometimes passes on bare (a plain `Error: write EPIPE`, not wrapped in a
 * MongoNetworkError) when the store's process dies under a call in flight.
 */
const SOCKET_ERRORS: ReadonlySet<string> = new Set(["EPIPE", "ECONNRESET", "ECONNREFUSED", "ECONNABORTED", "ETIMEDOUT", "ENOENT"]);

function translate(err: unknown): unknown {
  const { name = "", code, syscall } = (err ?? {}) as { name?: string; code?: unknown; syscall?: unknown };
  const socketError = typeof code === "string" && SOCKET_ERRORS.has(code) && typeof syscall === "string";
  return UNREACHABLE.test(name) || socketError ? new StoreUnavailableError({ cause: err }) : err;
}

/**
 * The same object whose methods fail with StoreUnavailableError where the driver could not reach the
 * store, so that nothing outside the store needs to know the driver's error names.
 */
export function reportingUnavailable<T extends object>(target: T): T {
  return new Proxy(target, {
    get(obj, prop) {
      const member: unknown = Reflect.get(obj, prop, obj);
      if (typeof member !== "function") return member;
      return (...args: unknown[]) => {
        try {
          const out: unknown = member.apply(obj, args);
          return out instanceof Promise
            ? out.catch((err: unknown) => {
                throw translate(err);
              })
            : out;
        } catch (err) {
          throw translate(err);
        }
      };
    },
  });
}
