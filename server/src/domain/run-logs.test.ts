import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InvalidArgumentError } from "./errors.js";
import {
  LOG_LEVELS,
  MAX_LOG_MESSAGE_CHARS,
  MAX_LOGS_PER_BATCH,
  checkLogFilter,
  clipLogText,
  matchesLogFilter,
  mustTrimOldest,
  parseLogLevel,
  prepareLogBatch,
  toLogLevel,
  type LogInput,
} from "./run-logs.js";

const NOW = new Date("2026-03-01T12:00:00Z");
const input = (over: Partial<LogInput> = {}): LogInput => ({
  taskRunId: "",
  level: 20,
  message: "m",
  timestamp: undefined,
  logger: "",
  ...over,
});

describe("run log rules", () => {
  test("levels: unspecified is INFO, numbers between levels round down, names and aliases parse", () => {
    assert.equal(toLogLevel(0), LOG_LEVELS.INFO);
    assert.equal(toLogLevel(5), LOG_LEVELS.DEBUG);
    assert.equal(toLogLevel(25), LOG_LEVELS.INFO);
    assert.equal(toLogLevel(35), LOG_LEVELS.WARNING);
    assert.equal(toLogLevel(99), LOG_LEVELS.CRITICAL);
    assert.equal(parseLogLevel("warn"), LOG_LEVELS.WARNING);
    assert.equal(parseLogLevel(" Error "), LOG_LEVELS.ERROR);
    assert.equal(parseLogLevel("fatal"), LOG_LEVELS.CRITICAL);
    assert.equal(parseLogLevel("40"), LOG_LEVELS.ERROR);
    assert.equal(parseLogLevel("loud"), undefined);
  });

  test("a long message is cut to exactly the limit in characters, never inside a surrogate pair, and says how much went", () => {
    const short = clipLogText("hello", 10);
    assert.deepEqual(short, { text: "hello", clipped: false });
    const emoji = "😀".repeat(MAX_LOG_MESSAGE_CHARS + 500);
    const cut = clipLogText(emoji, MAX_LOG_MESSAGE_CHARS);
    assert.equal(cut.clipped, true);
    assert.equal([...cut.text].length, MAX_LOG_MESSAGE_CHARS);
    assert.match(cut.text, /^(😀)+ … \[5\d\d characters cut\]$/u);
    // 16,000 emoji are 32,000 UTF-16 units but 16,000 characters: within the limit.
    assert.equal(clipLogText("😀".repeat(MAX_LOG_MESSAGE_CHARS), MAX_LOG_MESSAGE_CHARS).clipped, false);
    assert.equal(clipLogText("a\uD800b", 10).text, "a\uFFFDb", "a lone surrogate cannot be stored as UTF-8");
  });

  test("a batch: 1 to 1,000 records, task run ids checked and lowercased, missing times set, long text cut and counted", () => {
    assert.throws(() => prepareLogBatch([], NOW), InvalidArgumentError);
    assert.throws(
      () =>
        prepareLogBatch(
          Array.from({ length: MAX_LOGS_PER_BATCH + 1 }, () => input()),
          NOW,
        ),
      (err: InvalidArgumentError) => err.violations[0]?.field === "logs",
    );
    assert.throws(
      () => prepareLogBatch([input(), input({ taskRunId: "not-a-uuid" })], NOW),
      (err: InvalidArgumentError) => err.violations[0]?.field === "logs.1.task_run_id",
    );
    const taskRunId = "0B5E8F3A-1C2D-4E5F-8A9B-0C1D2E3F4A5B";
    const at = new Date("2026-02-01T00:00:00Z");
    const r = prepareLogBatch(
      [
        input({ message: "x".repeat(MAX_LOG_MESSAGE_CHARS + 1), logger: ` ${"l".repeat(300)} ` }),
        input({ taskRunId, timestamp: at, level: 0, message: "é" }),
      ],
      NOW,
    );
    assert.equal(r.clipped, 1);
    assert.equal(r.entries[0]!.timestamp, NOW);
    assert.equal(r.entries[0]!.logger.length, 200);
    assert.deepEqual(r.entries[1], { taskRunId: taskRunId.toLowerCase(), level: LOG_LEVELS.INFO, message: "é", timestamp: at, logger: "" });
    assert.deepEqual(r.taskRunIds, [taskRunId.toLowerCase()]);
    assert.match(r.entries[0]!.message, /x … \[2\d characters cut\]$/);
    // The note's "…" is 3 bytes in UTF-8, "é" 2.
    assert.equal(r.bytes, MAX_LOG_MESSAGE_CHARS + 2 + 200 + 2, "bytes count messages and loggers in UTF-8");
  });

  test("filters: minimum level, task run, time range (start included, end excluded); an end before its start is refused", () => {
    const e = { level: LOG_LEVELS.WARNING, message: "", logger: "", timestamp: NOW, taskRunId: "t1" } as const;
    assert.equal(matchesLogFilter(e, {}), true);
    assert.equal(matchesLogFilter(e, { minLevel: LOG_LEVELS.WARNING }), true);
    assert.equal(matchesLogFilter(e, { minLevel: LOG_LEVELS.ERROR }), false);
    assert.equal(matchesLogFilter(e, { taskRunId: "t2" }), false);
    assert.equal(matchesLogFilter(e, { from: NOW, to: new Date(NOW.getTime() + 1) }), true);
    assert.equal(matchesLogFilter(e, { to: NOW }), false);
    assert.throws(() => checkLogFilter({ taskRunId: "", minLevel: 0, from: NOW, to: new Date(NOW.getTime() - 1) }), InvalidArgumentError);
  });

  test("the cap: the oldest batch goes once the log from it to the newest record is over either figure", () => {
    const caps = { maxLinesPerRun: 1000, maxBytesPerRun: 10_000 };
    const oldest = { startSequence: 100, startBytes: 5_000 };
    assert.equal(mustTrimOldest(oldest, { sequence: 1100, bytes: 15_000 }, caps), false, "exactly at both caps");
    assert.equal(mustTrimOldest(oldest, { sequence: 1101, bytes: 15_000 }, caps), true);
    assert.equal(mustTrimOldest(oldest, { sequence: 1100, bytes: 15_001 }, caps), true);
  });
});
