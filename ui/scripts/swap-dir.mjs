import { mkdir, readdir, rename, rm, rmdir } from "node:fs/promises";
import { join } from "node:path";

/**
 * Puts the build in `next` in place of the one in `live`, so that a server reading `live` meanwhile
 * always finds a complete build. A directory cannot be swapped for another in one step (rename(2)
 * refuses a non-empty target, and two renames leave a moment with no `live`), so each file is renamed
 * over its old version, which is atomic: a reader opens either the old file or the new one. Hashed
 * assets go first and the HTML pages last, so a new page never names a script that is not there yet;
 * files of the old build that the new one lacks are removed after, then `next`.
 *
 * `live` missing (a first build): `next` is renamed to it. Both must be on one file system (next to
 * each other). Two swaps of different builds at once may remove each other's assets; builds of the
 * same sources make the same hashed names, so they do not.
 */
export async function swapInDir(next, live) {
  const built = await walk(next);
  if (!built) throw new Error(`${next} is not a directory: nothing to swap in.`);
  const old = await walk(live);
  if (!old) {
    await rename(next, live);
    return;
  }
  for (const dir of built.dirs) await mkdir(join(live, dir), { recursive: true });
  const isPage = (file) => !file.includes("/") && file.endsWith(".html");
  for (const file of [...built.files.filter((f) => !isPage(f)), ...built.files.filter(isPage)]) {
    await rename(join(next, file), join(live, file));
  }
  const kept = new Set(built.files);
  for (const file of old.files) if (!kept.has(file)) await rm(join(live, file), { force: true });
  const keptDirs = new Set(built.dirs);
  for (const dir of old.dirs.reverse()) {
    if (!keptDirs.has(dir)) await rmdir(join(live, dir)).catch(() => undefined);
  }
  await rm(next, { recursive: true, force: true });
}

/** The files under `root` and its directories (parents first), as "/"-separated relative paths; undefined if it is no directory. */
async function walk(root) {
  const files = [];
  const dirs = [];
  const visit = async (rel) => {
    for (const entry of await readdir(join(root, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        dirs.push(path);
        await visit(path);
      } else {
        files.push(path);
      }
    }
  };
  try {
    await visit("");
  } catch (err) {
    if (err.code === "ENOENT" || err.code === "ENOTDIR") return undefined;
    throw err;
  }
  return { files, dirs };
}
