/**
 * Puts the build in `next` in place of the one in `live`, file by file with renames, so that a server
 * reading `live` meanwhile always finds a complete build (see swap-dir.mjs).
 */
export function swapInDir(next: string, live: string): Promise<void>;
