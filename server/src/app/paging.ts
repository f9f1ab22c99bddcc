import { InvalidArgumentError } from "../domain/errors.js";

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

export interface Page {
  offset: number;
  size: number;
}

/** The one check of paging arguments for every list call: size 0 means the default; tokens are ours. */
export function readPage(pageSize: number, pageToken: string): Page {
  const size = pageSize === 0 ? DEFAULT_PAGE_SIZE : pageSize;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new InvalidArgumentError(`page_size must be between 1 and ${MAX_PAGE_SIZE}.`, [
      { field: "page_size", description: `must be between 1 and ${MAX_PAGE_SIZE}` },
    ]);
  }
  const offset = decodePageToken(pageToken);
  if (offset === undefined) {
    throw new InvalidArgumentError("page_token is not one this server issued.", [{ field: "page_token", description: "is invalid" }]);
  }
  return { offset, size };
}

/** One page from `found`, which holds up to `size + 1` items read from `offset`: the extra one says there is more. */
export function pageOf<T>(found: readonly T[], page: Page): { items: T[]; nextPageToken: string } {
  const more = found.length > page.size;
  return { items: found.slice(0, page.size), nextPageToken: more ? encodePageToken(page.offset + page.size) : "" };
}

function encodePageToken(offset: number): string {
  return Buffer.from(`o:${offset}`).toString("base64url");
}

function decodePageToken(token: string): number | undefined {
  if (!token) return 0;
  const m = /^o:(\d{1,9})$/.exec(Buffer.from(token, "base64url").toString("utf8"));
  return m ? Number(m[1]) : undefined;
}
