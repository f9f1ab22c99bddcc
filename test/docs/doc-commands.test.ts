/**
 * The README and docs/ stay true: every block of commands or of a whole program in README.md and
 * docs/*.md is run here as written, or is marked `<!-- not-run: why -->` just before it. A block that
 * is run is marked `<!-- test: NAME -->`; the test of that name lists its commands one by one (with
 * the exit code and output each must give), so a command changed in the doc fails here until the test
 * says what it does.
 *
 * The server is the README's `npm start` (with ports 0, a data directory of this test and the test
 * run's store). The commands run one after another in one bash (aliases on, each background job a
 * process group of its own), in a stand-in for the reader's clone holding that data directory
 * (`.flowgate/`, where the server wrote its admin key), so the CLI and the clients find the key by
 * themselves as the docs say. A command the docs run "in another terminal" (a stream held open) runs
 * as a background job, checked when the block ends. What differs from a reader's terminal:
 * `FLOWGATE_API_ADDRESS` names the server's port, as do the addresses in commands and programs in
 * place of 127.0.0.1:50051 and 127.0.0.1:4200; placeholders (`<id>`: the run the block is about,
 * `<key-id>`, `<scheduled-id>`, `<paused-id>`, `<running-id>`) are filled in; and Go runs offline from
 * the module cache (`GOPROXY=off`, `GOSUMDB=off`).
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, watch, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { configure, StateType, type FlowgateClient } from "../../client-sdk/src/index.js";
import { runReaches } from "../support/sdk.js";
import { makeCertificates } from "../support/certificates.js";
import { startTestServer, storeUri, uniqueDatabase, type TestServer } from "../support/test-server.js";
import { allDocBlocks, REPO, shellCommands, type DocBlock } from "./doc-blocks.js";

/** Every `<!-- test: NAME -->` block, run by the test named after it below. */
const TESTED = [
  "readme-start",
  "readme-example-run",
  "readme-example-resume",
  "cli-session",
  "run-logs-follow",
  "cli-deployments",
  "cli-keys",
  "python-resume-script",
  "python-resume-run",
  "go-install",
  "go-program",
  "go-run",
  "grpc-buf-curl",
  "http-api-session",
  "cli-tls",
] as const;
type TestedName = (typeof TESTED)[number];

const { blocks, strayMarkers } = allDocBlocks();

function block(name: TestedName): DocBlock {
  const found = blocks.filter((b) => b.marker?.kind === "test" && b.marker.name === name);
  assert.equal(found.length, 1, `one block is marked <!-- test: ${name} -->`);
  return found[0]!;
}

describe("README.md and docs/*.md: every block of commands is run or says why not", () => {
  test("each sh, bash, python and go block is marked, as run by this test or not run with a reason", () => {
    const unmarked = blocks.filter((b) => b.marker === undefined).map((b) => `${b.file}:${b.line} (${b.language})`);
    assert.deepEqual(unmarked, [], "blocks without <!-- test: NAME --> or <!-- not-run: why --> just before them");
    const noReason = blocks.filter((b) => b.marker?.kind === "not-run" && b.marker.reason.length < 10).map((b) => `${b.file}:${b.line}`);
    assert.deepEqual(noReason, [], "a not-run marker says why");
    const unknown = blocks
      .filter((b) => b.marker?.kind === "test" && !(TESTED as readonly string[]).includes(b.marker.name))
      .map((b) => `${b.file}:${b.line}`);
    assert.deepEqual(unknown, [], "a test marker names a test of this file");
    for (const name of TESTED) block(name);
    assert.deepEqual(strayMarkers, [], "markers are followed (blank lines apart) by the block they are about");
  });

  test("the README's two commands come first and its example is run whole", () => {
    const readme = blocks.filter((b) => b.file === "README.md").map((b) => (b.marker?.kind === "test" ? b.marker.name : "not-run"));
    assert.deepEqual(readme.slice(0, 4), ["not-run", "readme-start", "readme-example-run", "readme-example-resume"]);
    assert.deepEqual(shellCommands(blocks.find((b) => b.file === "README.md")!.body), ["npm ci"]);
  });
});

/** A bash that keeps its variables and working directory from one command to the next. */
class Shell {
  private readonly child: ChildProcess;
  private stdout = "";
  private stderr = "";
  private count = 0;
  private readonly waiters = new Set<() => void>();

  constructor(
    cwd: string,
    readonly env: NodeJS.ProcessEnv,
  ) {
    this.child = spawn("bash", ["--noprofile", "--norc"], { cwd, env, stdio: ["pipe", "pipe", "pipe"] });
    // As in a terminal: aliases expand, and each background job is a process group of its own.
    this.child.stdin!.write("shopt -s expand_aliases; set -m\n");
    this.child.stdout!.on("data", (d: Buffer) => this.seen((this.stdout += d.toString())));
    this.child.stderr!.on("data", (d: Buffer) => this.seen((this.stderr += d.toString())));
  }

  private seen(_: string): void {
    for (const w of [...this.waiters]) w();
  }

  /** Runs one command; its exit code and what it printed. */
  async run(command: string, signal: AbortSignal): Promise<{ code: number; stdout: string; stderr: string }> {
    const mark = `__doc_command_${++this.count}__`;
    const outStart = this.stdout.length;
    const errStart = this.stderr.length;
    this.child.stdin!.write(`${command}\n__rc=$?; printf '\\n${mark} %s\\n' "$__rc"; printf '\\n${mark}\\n' >&2\n`);
    const done = new RegExp(`\\n${mark} (\\d+)\\n`);
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (done.test(this.stdout.slice(outStart)) && this.stderr.slice(errStart).includes(`\n${mark}\n`)) {
          this.waiters.delete(check);
          signal.removeEventListener("abort", onAbort);
          resolve();
        }
      };
      const onAbort = (): void => {
        this.waiters.delete(check);
        reject(
          new Error(`"${command}" did not end: ${String(signal.reason)}\n${this.stdout.slice(outStart)}\n${this.stderr.slice(errStart)}`),
        );
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.waiters.add(check);
      check();
    });
    const out = this.stdout.slice(outStart);
    const err = this.stderr.slice(errStart);
    const match = done.exec(out)!;
    return {
      code: Number(match[1]),
      stdout: out.slice(0, match.index),
      stderr: err.slice(0, err.indexOf(`\n${mark}\n`)),
    };
  }

  close(): void {
    this.child.stdin!.end();
  }
}

/** A command left running, as in a terminal of its own (`npm start`, a flow waiting for its resume). */
class Background {
  readonly child: ChildProcess;
  private text = "";
  readonly exited: Promise<number | null>;

  constructor(command: string, cwd: string, env: NodeJS.ProcessEnv) {
    // A process group of its own, so that stopping it stops what it started (npm → node).
    this.child = spawn("bash", ["-c", command], { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    this.child.stdout!.on("data", (d: Buffer) => (this.text += d.toString()));
    this.child.stderr!.on("data", (d: Buffer) => (this.text += d.toString()));
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
  }

  output(): string {
    return this.text;
  }

  async waitFor(pattern: RegExp, signal: AbortSignal): Promise<RegExpExecArray> {
    for (;;) {
      const match = pattern.exec(this.text);
      if (match) return match;
      if (this.child.exitCode !== null) assert.fail(`ended (${this.child.exitCode}) before printing ${pattern}:\n${this.text}`);
      if (signal.aborted) assert.fail(`did not print ${pattern}: ${String(signal.reason)}\n${this.text}`);
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          this.child.stdout!.off("data", wake);
          this.child.stderr!.off("data", wake);
          this.child.off("exit", wake);
          signal.removeEventListener("abort", wake);
          resolve();
        };
        this.child.stdout!.once("data", wake);
        this.child.stderr!.once("data", wake);
        this.child.once("exit", wake);
        signal.addEventListener("abort", wake, { once: true });
      });
    }
  }

  async exitCode(signal: AbortSignal): Promise<number | null> {
    const aborted = new Promise<never>((_, reject) =>
      signal.addEventListener("abort", () => reject(new Error(`did not exit: ${String(signal.reason)}\n${this.text}`)), { once: true }),
    );
    return Promise.race([this.exited, aborted]);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null && this.child.pid !== undefined) {
      process.kill(-this.child.pid, "SIGTERM");
    }
    await this.exited;
  }
}

/** Resolves once the file a background job writes to shows `pattern`. */
async function fileShows(file: string, pattern: RegExp, signal: AbortSignal): Promise<void> {
  let wake: (() => void) | undefined;
  let changes = 0;
  const watcher = watch(file, () => {
    changes++;
    wake?.();
  });
  try {
    for (;;) {
      const seen = changes;
      const text = readFileSync(file, "utf8");
      if (pattern.test(text)) return;
      if (signal.aborted) assert.fail(`${file} did not show ${pattern}: ${String(signal.reason)}\n${text}`);
      if (changes !== seen) continue;
      await new Promise<void>((resolve) => {
        wake = resolve;
        signal.addEventListener("abort", () => resolve(), { once: true });
      });
      wake = undefined;
    }
  } finally {
    watcher.close();
  }
}

/** What one command of a block must do: its text, exit code and output. */
interface Step {
  command: string;
  /** The exit code (0 unless given); -1: any but 0. */
  code?: number;
  output?: RegExp;
  /** Run in the shell just before the command (not a command of the block): which server it talks to. */
  setup?: string;
  /** Takes a value for a later command's placeholder from what this one printed. */
  capture?: (printed: string) => void;
  /**
   * Run as in a terminal of its own (a stream that stays open): the block goes on once it has printed
   * `ready`; at the block's end it must have exited by itself (with `code`, having printed `final`),
   * or, with `stop`, it is stopped.
   */
  background?: { ready?: RegExp; final?: RegExp; stop?: true };
}

describe("README.md and docs/*.md, run as written against `npm start`", { timeout: 600_000 }, () => {
  let work: string;
  let clone: string;
  let env: NodeJS.ProcessEnv;
  let server: Background;
  const database = uniqueDatabase();
  let grpcAddress = "";
  let httpAddress = "";
  let client: FlowgateClient;
  let shell: Shell;
  const started: Background[] = [];

  before(() => {
    work = mkdtempSync(join(tmpdir(), "flowgate-docs-"));
    // The reader's clone, where the commands run: npx finds the repository's node_modules, examples/ and
    // package.json are the repository's (copied: an example runs its flow only when it is the script
    // Node was started with, which a link's path is not), and docs/go.md's module sits beside it.
    clone = join(work, "flowgate");
    mkdirSync(clone);
    symlinkSync(join(REPO, "node_modules"), join(clone, "node_modules"));
    symlinkSync(join(REPO, "clients"), join(clone, "clients"));
    cpSync(join(REPO, "examples"), join(clone, "examples"), { recursive: true });
    cpSync(join(REPO, "package.json"), join(clone, "package.json"));
    env = { ...process.env };
    for (const name of Object.keys(env)) if (name.startsWith("FLOWGATE_") && name !== "FLOWGATE_STORE_COMPAT") delete env[name];
    env["NO_COLOR"] = "1";
    env["PATH"] = `${join(REPO, ".venv", "bin")}:${env["PATH"] ?? ""}`;
    env["GOPROXY"] = "off";
    env["GOSUMDB"] = "off";
  });

  after(async () => {
    shell?.close();
    client?.close();
    await Promise.all(started.map((b) => b.stop()));
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  /** The block's commands, checked against the steps, run one after another in the shell. */
  async function runBlock(name: TestedName, vars: Record<string, string>, steps: Step[], signal: AbortSignal): Promise<string[]> {
    const commands = shellCommands(block(name).body);
    assert.deepEqual(
      commands,
      steps.map((s) => s.command),
      `the commands of <!-- test: ${name} --> (${block(name).file}) are the ones this test runs`,
    );
    const outputs: string[] = [];
    const jobs: { step: Step; command: string; pid: string; file: string }[] = [];
    for (const step of steps) {
      const command = fill(step.command, vars);
      if (step.setup) assert.equal((await shell.run(step.setup, signal)).code, 0, step.setup);
      if (step.background) {
        const file = join(work, `job-${jobs.length + 1}-${Date.now()}.out`);
        writeFileSync(file, "");
        const pid = (await shell.run(`${command} > ${file} 2>&1 &\necho $!`, signal)).stdout.trim();
        jobs.push({ step, command, pid, file });
        if (step.background.ready) await fileShows(file, step.background.ready, signal);
        outputs.push("");
        continue;
      }
      const result = await shell.run(command, signal);
      const printed = `${result.stdout}${result.stderr}`;
      if (step.code === -1) assert.notEqual(result.code, 0, `${command} fails:\n${printed}`);
      else assert.equal(result.code, step.code ?? 0, `${command} exits ${step.code ?? 0}:\n${printed}`);
      if (step.output) assert.match(printed, step.output, command);
      step.capture?.(printed);
      outputs.push(printed);
    }
    for (const job of jobs) {
      if (job.step.background?.stop) {
        await shell.run(`kill -- -${job.pid}; wait ${job.pid}`, signal);
        continue;
      }
      const { code } = await shell.run(`wait ${job.pid}`, signal);
      const printed = readFileSync(job.file, "utf8");
      assert.equal(code, job.step.code ?? 0, `${job.command} exits ${job.step.code ?? 0}:\n${printed}`);
      if (job.step.background?.final) assert.match(printed, job.step.background.final, job.command);
    }
    return outputs;
  }

  function fill(command: string, vars: Record<string, string>): string {
    return command
      .replaceAll("127.0.0.1:50051", grpcAddress)
      .replaceAll("127.0.0.1:4200", httpAddress)
      .replace(/<([a-z-]+)>/g, (whole, key: string) => {
        const value = vars[key];
        assert.ok(value, `a value for ${whole} in ${command}`);
        return value;
      });
  }

  /** `npx tsx examples/greet-user.ts` in a terminal of its own, once it has printed its run id. */
  async function greetUser(signal: AbortSignal): Promise<{ example: Background; id: string }> {
    const [command] = shellCommands(block("readme-example-run").body);
    assert.equal(command, "npx tsx examples/greet-user.ts");
    const example = new Background(command, clone, env);
    started.push(example);
    const id = (
      await example.waitFor(/Paused; resume with: npx flowgate runs resume ([0-9a-f-]{36}) --input '\{"name": "Marvin"\}'/, signal)
    )[1]!;
    return { example, id };
  }

  test("README: `npm start` builds, starts the server and prints its addresses and a sign-in link", async () => {
    const signal = AbortSignal.timeout(300_000);
    assert.deepEqual(shellCommands(block("readme-start").body), ["npm start"]);
    server = new Background("npm start", REPO, {
      ...env,
      FLOWGATE_GRPC_ADDRESS: "127.0.0.1:0",
      FLOWGATE_HTTP_ADDRESS: "127.0.0.1:0",
      FLOWGATE_DATA_DIR: join(clone, ".flowgate"),
      FLOWGATE_MONGODB_URI: await storeUri(),
      FLOWGATE_MONGODB_DATABASE: database,
      FLOWGATE_EVENT_POLL_MS: "20",
      FLOWGATE_LOG_LEVEL: "warn",
    });
    grpcAddress = (await server.waitFor(/flowgate: gRPC on (127\.0\.0\.1:\d+) \(try: npx buf curl/, signal))[1]!;
    const http = (await server.waitFor(/flowgate: web UI on (http:\/\/127\.0\.0\.1:\d+)\/ \(HTTP API: curl /, signal))[1]!;
    httpAddress = http.slice("http://".length);
    await server.waitFor(
      /flowgate: sign in to the web UI with this one-time link \(valid for 10 minutes, once\): http:\/\/127\.0\.0\.1:\d+\/signin#token=fgl_/,
      signal,
    );
    assert.deepEqual(await (await fetch(`${http}/api/health`)).json(), { status: "ok" });
    // The lines the README shows after `npm start`, with this server's ports and sign-in token.
    const readme = readFileSync(join(REPO, "README.md"), "utf8");
    const shown = /<!-- test: readme-start -->\s*```sh\nnpm start\n```[\s\S]*?```text\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(shown, "the README shows what npm start prints, in a text block after it");
    for (const line of shown.trim().split("\n")) {
      const pattern = line
        .replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
        .replaceAll("127\\.0\\.0\\.1:50051", "127\\.0\\.0\\.1:\\d+")
        .replaceAll("127\\.0\\.0\\.1:4200", "127\\.0\\.0\\.1:\\d+")
        .replace("fgl_…", "fgl_\\S+");
      assert.match(server.output(), new RegExp(`^${pattern}$`, "m"), `npm start prints the README's line: ${line}`);
    }

    env["FLOWGATE_API_ADDRESS"] = grpcAddress;
    shell = new Shell(clone, env);
    client = configure({ address: grpcAddress, apiKey: readFileSync(join(clone, ".flowgate", "admin-key"), "utf8").trim() });
  });

  test("README: the example pauses, is refused invalid input, and resumed with the CLI says hello and completes", async () => {
    const signal = AbortSignal.timeout(120_000);
    const { example, id } = await greetUser(signal);
    await example.waitFor(new RegExp(`or in the web UI: http://127\\.0\\.0\\.1:\\d+/runs/${id}`), signal);
    await runBlock(
      "readme-example-resume",
      { id },
      [
        { command: "npx flowgate runs ls --state paused", output: new RegExp(`${id} +\\S+ +greet-user +PAUSED`) },
        { command: "npx flowgate runs inspect <id>", output: /Who are you\?/ },
        {
          command: `npx flowgate runs resume <id> --input '{"name": 42}'`,
          code: 4,
          output: /error: Run input is invalid: name: must be string\nreason: INVALID_RUN_INPUT\n {2}name: must be string/,
        },
        { command: `npx flowgate runs resume <id> --input '{"name": "Marvin"}'`, output: new RegExp(`Resumed \\S+ \\(${id}\\): RUNNING`) },
      ],
      signal,
    );
    assert.equal(await example.exitCode(signal), 0);
    assert.match(example.output(), /Hello, Marvin!/);
    assert.equal((await client.getFlowRun(id)).state?.type, StateType.COMPLETED);
  });

  let sessionRun = "";
  test("docs/cli.md: a session, then the run's log followed to its end (docs/run-logs.md)", async () => {
    const signal = AbortSignal.timeout(120_000);
    const { example, id } = await greetUser(signal);
    sessionRun = id;
    await runBlock(
      "cli-session",
      { id },
      [
        { command: "npx flowgate runs ls --state paused", output: new RegExp(`${id} +\\S+ +greet-user +PAUSED`) },
        { command: "npx flowgate runs ls --state paused --json", output: new RegExp(`"id": ?"${id}"`) },
        { command: "npx flowgate runs inspect <id>", output: /Who are you\?/ },
        {
          command: `npx flowgate runs resume <id> --input '{"name": 42}'`,
          code: 4,
          output: /error: Run input is invalid: name: must be string/,
        },
        { command: `npx flowgate runs resume <id> --input '{"name": "Marvin"}'`, output: /Resumed \S+ \([0-9a-f-]{36}\): RUNNING/ },
        { command: "npx flowgate runs watch <id>", output: /COMPLETED/ },
        { command: "npx flowgate runs logs <id>", output: /\| INFO +\| Hello, Marvin!/ },
        {
          command: "npx flowgate --address 127.0.0.1:1 runs ls",
          code: 6,
          output: /error: cannot reach the Flowgate server at 127\.0\.0\.1:1: .*ECONNREFUSED[\s\S]*Tried without TLS/,
        },
      ],
      signal,
    );
    assert.equal(await example.exitCode(signal), 0);
    // Nothing at warning or above: the followed log ends at once, the run being final.
    await runBlock("run-logs-follow", { id }, [{ command: "npx flowgate runs logs <id> -f --level warning" }], signal);
  });

  test("docs/cli.md: deployments listed and run, the scheduled run cancelled", async () => {
    const signal = AbortSignal.timeout(60_000);
    await client.createDeployment({ name: "nightly", flowName: "greet-user", entrypoint: "examples/greet-user.ts:greetUser" });
    const vars: Record<string, string> = {};
    await runBlock(
      "cli-deployments",
      vars,
      [
        { command: "npx flowgate deployments ls", output: /greet-user\/nightly +examples\/greet-user\.ts:greetUser/ },
        {
          command: `npx flowgate deployments run greet-user/nightly --params '{"name": "Marvin"}'`,
          output: /Started \S+ \([0-9a-f-]{36}\), SCHEDULED: a runner of greet-user\/nightly picks it up\./,
          capture: (printed) => (vars["scheduled-id"] = /Started \S+ \(([0-9a-f-]{36})\)/.exec(printed)?.[1] ?? ""),
        },
        { command: "npx flowgate runs cancel <scheduled-id>", output: /Cancelled \S+ \([0-9a-f-]{36}\): CANCELLED/ },
      ],
      signal,
    );
  });

  test("docs/cli.md: API keys created, listed, refused a scope they lack, and revoked", async () => {
    const signal = AbortSignal.timeout(60_000);
    const vars: Record<string, string> = { id: sessionRun };
    await runBlock(
      "cli-keys",
      vars,
      [
        { command: "npx flowgate whoami", output: /admin/ },
        {
          command: "npx flowgate keys create --name alice --scopes runs:read,runs:resume --groups approvers --expires 30d",
          // The secret alone on stdout, the rest on stderr.
          output:
            /^fgk_\S+\nCreated API key [0-9a-f-]{36} for alice \(runs:read, runs:resume, expires [^)]+\)\.\nCopy the secret below now: it will not be shown again\./,
          capture: (printed) => (vars["key-id"] = /Created API key ([0-9a-f-]{36}) for alice/.exec(printed)?.[1] ?? ""),
        },
        { command: "npx flowgate keys create --name ci --scopes runs:read --json", output: /"name": ?"ci"[\s\S]*"secret": ?"fgk_/ },
        { command: "npx flowgate keys ls", output: /alice +approvers +runs:read,runs:resume/ },
        { command: "READER=$(npx flowgate keys create --name reader --scopes runs:read)" },
        {
          command: "FLOWGATE_API_KEY=$READER npx flowgate runs cancel <id>",
          code: 8,
          output: /error: The key of reader lacks the scope runs:resume that flowgate\.v1\.RunService\/CancelFlowRun needs\./,
        },
        { command: "npx flowgate keys revoke <key-id>" },
      ],
      signal,
    );
    const listed = await shell.run("npx flowgate keys ls --all", signal);
    const alice = listed.stdout.split("\n").find((line) => line.startsWith(`${vars["key-id"]} `));
    assert.ok(alice, listed.stdout);
    assert.match(alice, /\S+T\S+Z$/, "alice's key is revoked: its last column, REVOKED, is a time");
  });

  test("docs/python.md: the script, saved as resume.py and run with .venv's Python, resumes the example's run", async () => {
    const signal = AbortSignal.timeout(120_000);
    const script = block("python-resume-script").body.replaceAll("127.0.0.1:50051", grpcAddress);
    writeFileSync(join(clone, "resume.py"), `${script}\n`);
    const { example, id } = await greetUser(signal);
    await runBlock(
      "python-resume-run",
      { id },
      [
        {
          command: "python resume.py <id>",
          // RUNNING only if the watch opens before the woken flow has finished; COMPLETED always.
          output: /^name must be string\n(StateType\.RUNNING\n)*StateType\.COMPLETED\n$/,
        },
      ],
      signal,
    );
    assert.equal(await example.exitCode(signal), 0);
    assert.match(example.output(), /Hello, Marvin!/);
  });

  test("docs/go.md: the install works from a clone, and the program resumes the example's run", async (t) => {
    const signal = AbortSignal.timeout(300_000);
    // Back from ../app for the blocks after this one, however this one ends.
    t.after(() => shell.run(`cd ${clone}`, AbortSignal.timeout(30_000)));
    await runBlock(
      "go-install",
      {},
      [
        { command: "mkdir ../app && cd ../app && go mod init example.com/app" },
        { command: "go mod edit -replace github.com/flowgate/flowgate/clients/go=../flowgate/clients/go" },
        { command: "go get github.com/flowgate/flowgate/clients/go" },
      ],
      signal,
    );
    const program = block("go-program").body.replaceAll("127.0.0.1:50051", grpcAddress);
    writeFileSync(join(work, "app", "main.go"), `${program}\n`);
    const { example, id } = await greetUser(signal);
    await runBlock(
      "go-run",
      { id },
      [
        {
          command: "FLOWGATE_API_KEY=$(cat ../flowgate/.flowgate/admin-key) go run . <id>",
          // RUNNING only if the watch opens before the woken flow has finished; COMPLETED always.
          output: /^name must be string\n(RUNNING\n)*COMPLETED\n$/,
        },
      ],
      signal,
    );
    assert.equal(await example.exitCode(signal), 0);
    assert.match(example.output(), /Hello, Marvin!/);
  });
  test("docs/grpc.md: buf curl lists, pauses, holds the wait and the watch open, refuses invalid input, resumes and finishes", async () => {
    const signal = AbortSignal.timeout(180_000);
    const url = "http://127.0.0.1:50051";
    await runBlock(
      "grpc-buf-curl",
      {},
      [
        {
          command: `alias bc='npx buf curl --protocol grpc --http2-prior-knowledge -H "authorization: Bearer $(cat .flowgate/admin-key)"'`,
        },
        { command: `bc --list-services ${url}`, output: /flowgate\.v1\.RunService/ },
        { command: `bc --list-methods ${url}`, output: /flowgate\.v1\.RunService\/PauseFlowRun/ },
        { command: `bc ${url}/grpc.health.v1.Health/Check`, output: /"status": "SERVING"/ },
        {
          command: `RUN=$(bc -d '{"flow_name": "greet-user", "state": {"type": "STATE_TYPE_RUNNING"}}' ${url}/flowgate.v1.RunService/CreateFlowRun | python3 -c 'import json,sys; print(json.load(sys.stdin)["flowRun"]["id"])')`,
        },
        {
          command: `bc -d "{\\"flow_run_id\\": \\"$RUN\\", \\"key\\": \\"1\\", \\"timeout_seconds\\": 600,\n        \\"input_schema\\": {\\"type\\": \\"object\\", \\"properties\\": {\\"name\\": {\\"type\\": \\"string\\"}}, \\"required\\": [\\"name\\"]},\n        \\"input_description\\": \\"Who are you?\\"}" ${url}/flowgate.v1.RunService/PauseFlowRun`,
          output: /STATE_TYPE_PAUSED/,
        },
        {
          command: `bc -d "{\\"flow_run_id\\": \\"$RUN\\", \\"key\\": \\"1\\", \\"heartbeat_seconds\\": 5}" ${url}/flowgate.v1.RunService/WaitForResume`,
          background: { ready: /WAIT_EVENT_TYPE_HEARTBEAT/, final: /WAIT_EVENT_TYPE_RESUMED[\s\S]*"name": "Marvin"/ },
        },
        {
          command: `bc -d "{\\"flow_run_id\\": \\"$RUN\\"}" ${url}/flowgate.v1.RunService/WatchFlowRun`,
          background: { ready: /"initial": true/, final: /STATE_TYPE_PAUSED[\s\S]*STATE_TYPE_RUNNING[\s\S]*STATE_TYPE_COMPLETED/ },
        },
        {
          command: `bc -d "{\\"flow_run_id\\": \\"$RUN\\", \\"run_input\\": {\\"name\\": 42}}" ${url}/flowgate.v1.RunService/ResumeFlowRun`,
          code: -1,
          output: /invalid_argument[\s\S]*name: must be string/,
        },
        {
          command: `bc -d "{\\"flow_run_id\\": \\"$RUN\\", \\"run_input\\": {\\"name\\": \\"Marvin\\"}}" ${url}/flowgate.v1.RunService/ResumeFlowRun`,
          output: /STATE_TYPE_RUNNING/,
        },
        {
          command: `bc -d "{\\"flow_run_id\\": \\"$RUN\\", \\"state\\": {\\"type\\": \\"STATE_TYPE_COMPLETED\\"}}" ${url}/flowgate.v1.RunService/SetFlowRunState`,
          output: /STATE_TYPE_COMPLETED/,
        },
      ],
      signal,
    );
  });

  test("docs/http-api.md: the curl session reads, refuses, resumes idempotently, audits, suspends, cancels and streams", async () => {
    const signal = AbortSignal.timeout(180_000);
    const { example, id } = await greetUser(signal);
    await runReaches(client, id, StateType.PAUSED, signal);
    const { deployment } = await client.createDeployment({
      name: "curl",
      flowName: "greet-user",
      entrypoint: "examples/greet-user.ts:greetUser",
    });
    const running = await client.createFlowRun({
      flowName: "greet-user",
      deploymentId: deployment?.id,
      state: { type: StateType.RUNNING },
    });
    const api = "http://127.0.0.1:4200/api";
    const resume = `curl -s -H "$K" -X POST ${api}/runs/<paused-id>/resume -H 'content-type: application/json'`;
    await runBlock(
      "http-api-session",
      { "paused-id": id, "running-id": running.id },
      [
        { command: `K="authorization: Bearer $(cat .flowgate/admin-key)"` },
        { command: `curl -s ${api}/health`, output: /^\{"status":"ok"\}$/ },
        {
          command: `curl -s -H "$K" '${api}/runs?state=PAUSED,RUNNING&flow=greet-user&pageSize=10'`,
          output: new RegExp(`"id":"${id}"[\\s\\S]*"nextPageToken":`),
        },
        {
          command: `curl -s -H "$K" ${api}/runs/<paused-id>`,
          output: /"type":"PAUSED","name":"Paused"[\s\S]*"inputDescription":"Who are you\?"/,
        },
        { command: `curl -s -H "$K" '${api}/runs/<paused-id>/inputs?prefix=paused-1'`, output: /"key":"paused-1-schema"/ },
        {
          command: `${resume} -d '{"input": {"name": 42}}'`,
          output:
            /\{"error":"Run input is invalid: name: must be string","reason":"INVALID_RUN_INPUT","fieldErrors":\[\{"field":"name","description":"must be string"\}\]\}/,
        },
        {
          command: `${resume} -d '{"input": ["Marvin"]}'`,
          output: /"error":"input must be a JSON object \(got an array\); wrap a single value in a field\.","reason":"INVALID_RUN_INPUT"/,
        },
        {
          command: `${resume} -H 'Idempotency-Key: 7f3c9e1a' -d '{"input": {"name": "Marvin"}}'`,
          output: /"type":"RUNNING"[\s\S]*"pause":null/,
        },
        {
          command: `curl -s -H "$K" '${api}/runs/<paused-id>/audit?pageSize=2'`,
          output: /"channel":"http-api","call":"POST \/api\/runs\/:id\/resume"[\s\S]*"input":\{"name":"Marvin"\}/,
        },
        {
          command: `curl -s -H "$K" -X POST ${api}/runs/<running-id>/suspend -H 'content-type: application/json' -d '{"timeoutSeconds": 3600}'`,
          output: /"type":"PAUSED","name":"Suspended"/,
        },
        {
          command: `curl -s -H "$K" -X POST ${api}/runs/<running-id>/cancel -H 'content-type: application/json' -d '{}'`,
          output: /"type":"CANCELLED"/,
        },
        { command: `curl -sN -H "$K" ${api}/runs/<paused-id>/events`, output: /event: state\ndata: \{"run":\{[\s\S]*"type":"COMPLETED"/ },
        { command: `curl -sN -H "$K" '${api}/events?state=PAUSED&flow=greet-user'`, background: { ready: /: flowgate/, stop: true } },
      ],
      signal,
    );
    assert.equal(await example.exitCode(signal), 0);
  });
  test("docs/cli.md: TLS and mTLS, with the CA and the client certificate, and without them (exit 6)", async () => {
    const signal = AbortSignal.timeout(120_000);
    const certs = makeCertificates();
    cpSync(certs.ca, join(clone, "ca.pem"));
    cpSync(certs.clientCert, join(clone, "client.pem"));
    cpSync(certs.clientKey, join(clone, "client.key"));
    // Two more servers on the store and database of `npm start`, so the admin key the CLI finds in
    // .flowgate/admin-key is good on them too: one with TLS, one also requiring client certificates.
    const shared = {
      database,
      env: { FLOWGATE_DATA_DIR: join(clone, ".flowgate"), FLOWGATE_TLS_CERT: certs.cert, FLOWGATE_TLS_KEY: certs.key },
    };
    const tls = await startTestServer(shared);
    const mtls = await startTestServer({ ...shared, env: { ...shared.env, FLOWGATE_TLS_CLIENT_CA: certs.ca } });
    const to = (server: TestServer): string => `export FLOWGATE_API_ADDRESS=${server.address}`;
    try {
      await runBlock(
        "cli-tls",
        {},
        [
          { setup: to(tls), command: "npx flowgate --tls-ca ca.pem runs ls", output: /ID +NAME +FLOW +STATE/ },
          { setup: to(mtls), command: "npx flowgate --tls-ca ca.pem --tls-cert client.pem --tls-key client.key whoami", output: /admin/ },
          {
            setup: to(tls),
            command: "npx flowgate runs ls",
            code: 6,
            output:
              /error: cannot reach the Flowgate server at 127\.0\.0\.1:\d+: No connection established\.[\s\S]*Tried without TLS; if the server uses TLS, set FLOWGATE_TLS_CA to its CA's certificate, or FLOWGATE_TLS=true\./,
          },
          {
            setup: to(mtls),
            command: "npx flowgate --tls-ca ca.pem whoami",
            code: 6,
            output:
              /error: cannot reach [\s\S]*Tried over TLS, trusting the CA in \S*ca\.pem,\s+without a client certificate; set FLOWGATE_TLS_CA, FLOWGATE_TLS_CLIENT_CERT and FLOWGATE_TLS_CLIENT_KEY as the server requires\./,
          },
        ],
        signal,
      );
    } finally {
      await shell.run(`export FLOWGATE_API_ADDRESS=${grpcAddress}`, signal);
      await Promise.all([tls.stop(), mtls.stop()]);
      rmSync(certs.dir, { recursive: true, force: true });
    }
  });
});
