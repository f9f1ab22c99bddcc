// The hint socket: only the exact hint payloads count, and the announced address is the configured one
// or, failing that, the one bound.
import assert from "node:assert/strict";
import { test } from "node:test";
import { pino } from "pino";
import type { HintKind } from "../app/peer-wakeups.js";
import { ConfigError, loadConfig } from "../config.js";
import { announceAddress, decodeHint, openUdpHintSocket } from "./udp-hint-socket.js";

test("only the exact payloads are hints", () => {
  assert.equal(decodeHint(Buffer.from("flowgate/1 wake")), "wake");
  assert.equal(decodeHint(Buffer.from("flowgate/1 peers")), "peers");
  for (const other of ["", "flowgate/1 wake ", "flowgate/1 WAKE", "flowgate/2 wake", "\u0000flowgate/1 peers"]) {
    assert.equal(decodeHint(Buffer.from(other)), undefined, JSON.stringify(other));
  }
});

test("the announced address is the configured one, its port the bound one when it names none", () => {
  assert.equal(announceAddress("127.0.0.1:40000", undefined), "127.0.0.1:40000");
  assert.equal(announceAddress("0.0.0.0:7946", "10.0.0.5:7946"), "10.0.0.5:7946");
  assert.equal(announceAddress("0.0.0.0:40000", "node-2.internal"), "node-2.internal:40000");
  assert.equal(announceAddress("[::]:40000", "fd00::5"), "[fd00::5]:40000");
  assert.equal(announceAddress("[::]:40000", "[fd00::5]:7946"), "[fd00::5]:7946");
});

test("listening for hints on every interface needs the address the others reach this server at", () => {
  assert.throws(() => loadConfig({ FLOWGATE_PEER_ADDRESS: "0.0.0.0:7946" }), ConfigError);
  assert.throws(() => loadConfig({ FLOWGATE_PEER_ADDRESS: "[::]:7946" }), ConfigError);
  const config = loadConfig({ FLOWGATE_PEER_ADDRESS: "0.0.0.0:7946", FLOWGATE_PEER_ANNOUNCE_ADDRESS: "node-2.internal" });
  assert.deepEqual([config.peerAddress, config.peerAnnounceAddress], ["0.0.0.0:7946", "node-2.internal"]);
  assert.equal(loadConfig({ FLOWGATE_PEER_ADDRESS: "off" }).peerAddress, undefined);
  assert.equal(loadConfig({}).peerAddress, "127.0.0.1:0");
});

test("two sockets on loopback, IPv4 and IPv6, exchange hints", async () => {
  const got: [string, HintKind][] = [];
  let arrived: () => void = () => undefined;
  // The sockets do not keep the process alive (a server's timers and streams do): the deadline does here.
  let deadline: NodeJS.Timeout | undefined;
  const both = new Promise<void>((resolve, reject) => {
    deadline = setTimeout(() => reject(new Error(`hints that arrived within 5 s: ${JSON.stringify(got)}`)), 5_000);
    arrived = () => got.length === 2 && resolve();
  }).finally(() => clearTimeout(deadline));
  const note = (at: string) => (kind: HintKind) => {
    got.push([at, kind]);
    arrived();
  };
  const logger = pino({ level: "silent" });
  const four = await openUdpHintSocket({ listen: "127.0.0.1:0", onHint: note("four"), logger });
  const six = await openUdpHintSocket({ listen: "[::1]:0", onHint: note("six"), logger });
  try {
    four.send(six.boundAddress, "wake");
    six.send(four.boundAddress, "peers");
    await both;
    assert.deepEqual(got.sort(), [
      ["four", "peers"],
      ["six", "wake"],
    ]);
  } finally {
    await Promise.all([four.close(), six.close()]);
  }
});
