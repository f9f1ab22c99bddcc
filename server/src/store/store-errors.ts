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

function translate(err: unknown): unknown {
  const name = (err as { name?: string } | undefined)?.name ?? "";
  return UNREACHABLE.test(name) ? new StoreUnavailableError({ cause: err }) : err;
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
