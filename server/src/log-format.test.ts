import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfigError } from "./config.js";
import { chooseLogFormat, formatPrettyLine, logColorEnabled } from "./log-format.js";
import { createLogger } from "./logger.js";

const AT = Date.UTC(2026, 11, 3, 17, 40, 1, 123);

/** A log output that keeps what was written, as a terminal (isTTY) or a pipe. */
function capture(isTTY: boolean): { isTTY: boolean; text: string; write(text: string): void } {
  return {
    isTTY,
    text: "",
    write(text: string) {
      this.text += text;
    },
  };
}

describe("which log format the server writes", () => {
  const cases: Array<[string, NodeJS.ProcessEnv, boolean, "json" | "pretty"]> = [
    ["a terminal gets readable lines", {}, true, "pretty"],
    ["a pipe or a file gets JSON lines", {}, false, "json"],
    ["FLOWGATE_LOG_FORMAT=json wins on a terminal", { FLOWGATE_LOG_FORMAT: "json" }, true, "json"],
    ["FLOWGATE_LOG_FORMAT=pretty wins on a pipe", { FLOWGATE_LOG_FORMAT: "pretty" }, false, "pretty"],
    ["an empty FLOWGATE_LOG_FORMAT is unset", { FLOWGATE_LOG_FORMAT: "" }, false, "json"],
  ];
  for (const [scenario, env, tty, expected] of cases) {
    test(scenario, () => assert.equal(chooseLogFormat(env, tty), expected));
  }

  test("another FLOWGATE_LOG_FORMAT is a configuration error naming the variable", () => {
    assert.throws(
      () => chooseLogFormat({ FLOWGATE_LOG_FORMAT: "yaml" }, true),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /FLOWGATE_LOG_FORMAT must be one of json, pretty, got "yaml"/);
        return true;
      },
    );
  });

  test("colours only on a terminal, and never with NO_COLOR", () => {
    assert.equal(logColorEnabled({}, true), true);
    assert.equal(logColorEnabled({ NO_COLOR: "1" }, true), false);
    assert.equal(logColorEnabled({}, false), false);
  });
});

describe("a readable log line", () => {
  test("time (UTC), level, message, then the fields as key=value; the service name is left out", () => {
    const line = formatPrettyLine(
      {
        level: 30,
        time: AT,
        service: "flowgate",
        msg: "call failed",
        transport: "grpc",
        method: "/flowgate.v1.RunService/GetFlowRun",
        durationMs: 1.5,
        aborted: false,
        reason: "FLOW_RUN_NOT_FOUND",
      },
      false,
    );
    assert.equal(
      line,
      "17:40:01.123Z INFO  call failed transport=grpc method=/flowgate.v1.RunService/GetFlowRun durationMs=1.5 aborted=false reason=FLOW_RUN_NOT_FOUND",
    );
  });

  test("a value with spaces, quotes or = is quoted; an object is compact JSON", () => {
    const line = formatPrettyLine(
      { level: 40, time: AT, msg: "slow", flow: "nightly report", q: 'a="b"', doc: { n: 1, tags: ["x"] } },
      false,
    );
    assert.equal(line, '17:40:01.123Z WARN  slow flow="nightly report" q="a=\\"b\\"" doc={"n":1,"tags":["x"]}');
  });

  test("control characters from a request cannot reach the terminal: they are escaped", () => {
    const line = formatPrettyLine(
      { level: 30, time: AT, msg: "run \u001b[2Jcreated\nINFO forged", flowName: "x\u001b]0;title\u0007" },
      false,
    );
    assert.equal(line, '17:40:01.123Z INFO  run \\u001b[2Jcreated\\nINFO forged flowName="x\\u001b]0;title\\u0007"');
    assert.ok(!line.includes("\u001b") && !line.includes("\n"));
  });

  test("an error shows its type and message as fields, and its stack on the lines after", () => {
    const err = {
      type: "MongoServerError",
      message: "connection reset",
      stack: "MongoServerError: connection reset\n    at a (x.js:1:2)\n    at b (y.js:3:4)",
      code: 6,
    };
    const line = formatPrettyLine({ level: 50, time: AT, msg: "shutdown failed", err }, false);
    assert.equal(
      line,
      '17:40:01.123Z ERROR shutdown failed err.type=MongoServerError err.message="connection reset" err.code=6\n    at a (x.js:1:2)\n    at b (y.js:3:4)',
    );
  });

  test("with colour the level is coloured and the time and keys dimmed", () => {
    const line = formatPrettyLine({ level: 50, time: AT, msg: "boom", runId: "r1" }, true);
    assert.equal(line, "\u001b[2m17:40:01.123Z\u001b[0m \u001b[31mERROR\u001b[0m boom \u001b[2mrunId=\u001b[0mr1");
  });
});

describe("the server's logger", () => {
  test("on a terminal it writes readable lines; on a pipe, JSON lines", () => {
    const tty = capture(true);
    createLogger("info", { NO_COLOR: "1" }, tty).info({ runId: "r1" }, "run created");
    assert.match(tty.text, /^\d\d:\d\d:\d\d\.\d{3}Z INFO {2}run created runId=r1\n$/);

    const pipe = capture(false);
    createLogger("info", {}, pipe).info({ runId: "r1" }, "run created");
    const record = JSON.parse(pipe.text) as Record<string, unknown>;
    assert.equal(record["msg"], "run created");
    assert.equal(record["runId"], "r1");
    assert.equal(record["service"], "flowgate");
  });

  test("the readable line is rendered from the JSON record, so it shows nothing the JSON leaves out", () => {
    const json = capture(false);
    const pretty = capture(false);
    for (const [format, out] of [
      ["json", json],
      ["pretty", pretty],
    ] as const) {
      createLogger("info", { FLOWGATE_LOG_FORMAT: format }, out).error(
        { err: new Error("boom"), keyId: "k1", secret: undefined },
        "call failed",
      );
    }
    const record = JSON.parse(json.text) as Record<string, unknown>;
    // The two calls were made at different moments: compare all but the time.
    const withoutTime = (text: string): string => text.replace(/^\S+ /, "");
    assert.equal(withoutTime(pretty.text), withoutTime(`${formatPrettyLine(record, false)}\n`));
    assert.match(pretty.text, /ERROR call failed err\.type=Error err\.message=boom keyId=k1\n {4}at /);
    assert.ok(!pretty.text.includes("secret"));
  });
});
