/**
 * Rebuilding the web UI does not disturb a running server (issue 14 item 4): `npm run build` swaps
 * the new build into ui/dist file by file (ui/scripts/swap-dir.mjs), and a server reading it
 * meanwhile answers every request for the page with the old page or the new one, whole.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { swapInDir } from "../../ui/scripts/swap-dir.mjs";
import { startTestServer, type TestServer } from "../support/test-server.js";

/** A build as Vite lays it out: a page naming its hashed script, and the script. */
function writeBuild(dir: string, tag: string, size: number): string {
  mkdirSync(join(dir, "assets"), { recursive: true });
  const page = `<!doctype html><div id="root"></div><script src="/assets/index-${tag}.js"></script><!-- ${tag.repeat(size)} -->`;
  writeFileSync(join(dir, "index.html"), page);
  writeFileSync(join(dir, "assets", `index-${tag}.js`), `console.log(${JSON.stringify(tag)});`);
  return page;
}

describe("a UI rebuild under a running server", () => {
  let root: string;
  let live: string;
  let server: TestServer;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), "flowgate-ui-swap-"));
    live = join(root, "dist");
    server = await startTestServer({ env: { FLOWGATE_UI_DIR: live } });
  });
  after(() => server?.stop());

  test("a first build is moved into place; a later one replaces it, and the old build's files go", async () => {
    const first = join(root, ".dist-next-1");
    const pageA = writeBuild(first, "aaaa", 1);
    await swapInDir(first, live);
    assert.equal(readFileSync(join(live, "index.html"), "utf8"), pageA);
    assert.equal(existsSync(first), false);

    const second = join(root, ".dist-next-2");
    const pageB = writeBuild(second, "bbbb", 2);
    mkdirSync(join(second, "fonts"));
    writeFileSync(join(second, "fonts", "x.woff2"), "font");
    mkdirSync(join(live, "old-only"));
    writeFileSync(join(live, "old-only", "gone.txt"), "old");
    await swapInDir(second, live);
    assert.equal(readFileSync(join(live, "index.html"), "utf8"), pageB);
    assert.deepEqual(readdirSync(join(live, "assets")), ["index-bbbb.js"], "the old build's script is gone");
    assert.deepEqual(readdirSync(live).sort(), ["assets", "fonts", "index.html"], "the old build's folder is gone");
    assert.equal(existsSync(second), false, "nothing is left next to dist");
  });

  test("while builds are swapped in again and again, every request for the page gets an old or a new page, whole", async () => {
    const pages = new Set([writeBuild(join(root, ".seed"), "cccc", 1)]);
    await swapInDir(join(root, ".seed"), live);
    const origin = `http://${server.httpAddress}`;
    const answers: { path: string; status: number; body: string }[] = [];
    let swapping = true;
    const reader = async (path: string): Promise<void> => {
      while (swapping) {
        const res = await fetch(`${origin}${path}`);
        answers.push({ path, status: res.status, body: await res.text() });
      }
    };
    const readers = ["/", "/index.html", "/runs/some-run", "/", "/index.html"].map(reader);
    try {
      for (let i = 0; i < 60; i++) {
        const next = join(root, `.dist-next-${i}`);
        // Pages of different sizes, so a length from one and bytes from the other would show.
        pages.add(writeBuild(next, i % 2 === 0 ? "dddd" : "eeee", i % 2 === 0 ? 50 : 3_000));
        await swapInDir(next, live);
      }
    } finally {
      swapping = false;
      await Promise.all(readers);
    }
    assert.ok(answers.length > 0);
    const wrong = answers.filter((a) => a.status !== 200 || !pages.has(a.body));
    assert.deepEqual(
      wrong.map((a) => `${a.path}: ${a.status} ${a.body.slice(0, 80)}`),
      [],
      `${wrong.length} of ${answers.length} answers were not a whole page`,
    );
  });
});
