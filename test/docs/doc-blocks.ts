/**
 * The code blocks of README.md and docs/*.md that hold commands or whole programs (sh, bash, shell,
 * console, python, go), each with the marker just before it: `<!-- test: NAME -->` (a test runs it,
 * under that name) or `<!-- not-run: why -->`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const CHECKED_LANGUAGES = new Set(["sh", "bash", "shell", "console", "python", "go"]);

export type Marker = { kind: "test"; name: string } | { kind: "not-run"; reason: string };

export interface DocBlock {
  /** Relative to the repository, e.g. "docs/cli.md". */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  language: string;
  body: string;
  marker: Marker | undefined;
}

/** A marker comment that no checked block follows: a marker must say which block it is about. */
export interface StrayMarker {
  file: string;
  line: number;
  text: string;
}

export function docFiles(): string[] {
  const docs = readdirSync(join(REPO, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => `docs/${name}`);
  return ["README.md", ...docs];
}

const MARKER = /^<!--\s*(test|not-run):\s*(.*?)\s*-->$/;

export function parseDoc(file: string, text: string): { blocks: DocBlock[]; strayMarkers: StrayMarker[] } {
  const lines = text.split("\n");
  const blocks: DocBlock[] = [];
  const strayMarkers: StrayMarker[] = [];
  let pending: { marker: Marker; line: number; text: string } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const marker = MARKER.exec(line.trim());
    if (marker) {
      if (pending) strayMarkers.push({ file, line: pending.line, text: pending.text });
      const value = marker[2] ?? "";
      pending = {
        marker: marker[1] === "test" ? { kind: "test", name: value } : { kind: "not-run", reason: value },
        line: i + 1,
        text: line,
      };
      continue;
    }
    const fence = /^(`{3,})(\S*)/.exec(line);
    if (fence) {
      const close = lines.findIndex((l, j) => j > i && l.startsWith(fence[1] ?? "```") && l.trim() === fence[1]);
      const end = close === -1 ? lines.length : close;
      const language = fence[2] ?? "";
      if (CHECKED_LANGUAGES.has(language)) {
        blocks.push({ file, line: i + 1, language, body: lines.slice(i + 1, end).join("\n"), marker: pending?.marker });
        pending = undefined;
      } else if (pending) {
        strayMarkers.push({ file, line: pending.line, text: pending.text });
        pending = undefined;
      }
      i = end;
      continue;
    }
    if (line.trim() !== "" && pending) {
      // Only blank lines may stand between a marker and its block.
      strayMarkers.push({ file, line: pending.line, text: pending.text });
      pending = undefined;
    }
  }
  if (pending) strayMarkers.push({ file, line: pending.line, text: pending.text });
  return { blocks, strayMarkers };
}

export function allDocBlocks(): { blocks: DocBlock[]; strayMarkers: StrayMarker[] } {
  const blocks: DocBlock[] = [];
  const strayMarkers: StrayMarker[] = [];
  for (const file of docFiles()) {
    const parsed = parseDoc(file, readFileSync(join(REPO, file), "utf8"));
    blocks.push(...parsed.blocks);
    strayMarkers.push(...parsed.strayMarkers);
  }
  return { blocks, strayMarkers };
}

/**
 * The commands of a shell block as a shell reads them: lines ending in `\` joined with the next, a
 * line ending inside quotes continued (newline kept) on the next, comment lines (the outputs shown)
 * dropped, and a trailing `# comment` cut off (outside quotes).
 */
export function shellCommands(body: string): string[] {
  const commands: string[] = [];
  let current = "";
  let quote: string | undefined;
  for (const raw of body.split("\n")) {
    const line = current === "" || quote ? raw : raw.trimStart();
    const scanned = scan(line, quote);
    quote = scanned.quote;
    if (current === "" && !quote && scanned.code.trim() === "") continue;
    if (quote) {
      current += `${scanned.code}\n`;
      continue;
    }
    if (scanned.code.endsWith("\\")) {
      current += scanned.code.slice(0, -1);
      continue;
    }
    commands.push((current + scanned.code).trim());
    current = "";
  }
  if (current !== "") commands.push(current.trim());
  return commands;
}

/**
 * The line without a `#` comment that starts outside quotes after whitespace (or at the start), and
 * the quote still open at its end, given the one open at its start.
 */
function scan(line: string, open: string | undefined): { code: string; quote: string | undefined } {
  let quote = open;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === "\\") {
      i++;
    } else if (c === "#" && (i === 0 || /\s/.test(line[i - 1] ?? ""))) {
      return { code: line.slice(0, i).trimEnd(), quote };
    }
  }
  return { code: quote ? line : line.trimEnd(), quote };
}
