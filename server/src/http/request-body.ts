import type { IncomingMessage } from "node:http";
import { InvalidArgumentError } from "../domain/errors.js";
import { HttpError } from "./http-errors.js";

/**
 * Reads and parses a JSON body of at most `limitBytes`; an empty body is undefined. Larger bodies
 * are refused as soon as the limit is passed, without buffering the rest.
 */
export async function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  const tooLarge = (): HttpError =>
    // Connection: close, because the unread rest of the body would otherwise be taken for the next request.
    new HttpError("PAYLOAD_TOO_LARGE", `The request body is larger than ${limitBytes} bytes.`, { connection: "close" });
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > limitBytes) throw tooLarge();
  // Events rather than for-await: leaving a for-await early destroys the socket, and the 413 with it.
  const chunks = await new Promise<Buffer[]>((resolve, reject) => {
    const received: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limitBytes) {
        req.off("data", onData);
        // Discard the rest; the response closes the connection.
        req.resume();
        reject(tooLarge());
        return;
      }
      received.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => resolve(received));
    req.once("error", reject);
  });
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InvalidArgumentError("The request body is not valid JSON.", [{ field: "", description: "must be valid JSON" }]);
  }
}
