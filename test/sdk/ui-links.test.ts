// Links into the web UI name the address the server actually serves it on (issue 14 item 6): the
// server reports it in GetCaller (FLOWGATE_UI_URL, else its bound HTTP address), the SDK's
// client.uiUrl() / runUrl() read it, FLOWGATE_UI_URL in the client's environment overrides it, and
// the greet-user example prints its run's link from there.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { FlowgateClient, isFinalStateType } from "../../client-sdk/src/index.js";
import { startRunnerProcess } from "../support/runner-process.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

/** A client of `server` made while FLOWGATE_UI_URL is `uiUrl` (or unset) in this process's environment. */
function clientWith(server: TestServer, uiUrl: string | undefined): FlowgateClient {
  const before = process.env["FLOWGATE_UI_URL"];
  if (uiUrl === undefined) delete process.env["FLOWGATE_UI_URL"];
  else process.env["FLOWGATE_UI_URL"] = uiUrl;
  try {
    return new FlowgateClient({ address: server.address, apiKey: server.apiKey });
  } finally {
    if (before === undefined) delete process.env["FLOWGATE_UI_URL"];
    else process.env["FLOWGATE_UI_URL"] = before;
  }
}

describe("web UI links", () => {
  let server: TestServer;
  let proxied: TestServer;
  before(async () => {
    server = await startTestServer();
    proxied = await startTestServer({ env: { FLOWGATE_UI_URL: "https://flowgate.example.com/" } });
  });
  after(async () => {
    await server?.stop();
    await proxied?.stop();
  });

  test("a server on a random HTTP port reports that port; the SDK's run links name it", async () => {
    const port = server.httpAddress.slice(server.httpAddress.lastIndexOf(":") + 1);
    assert.notEqual(port, "4200");
    const client = clientWith(server, undefined);
    try {
      assert.equal(await client.uiUrl(), `http://127.0.0.1:${port}`);
      assert.equal(await client.runUrl("0b6f…/x"), `http://127.0.0.1:${port}/runs/0b6f%E2%80%A6%2Fx`);
      // The page the link names is the web UI, served there.
      const res = await fetch(`http://127.0.0.1:${port}/runs/some-run`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /text\/html/);
    } finally {
      client.close();
    }
  });

  test("FLOWGATE_UI_URL on the server (a proxy in front) is what it reports, without the trailing slash", async () => {
    const client = clientWith(proxied, undefined);
    try {
      assert.equal(await client.uiUrl(), "https://flowgate.example.com");
      assert.equal(await client.runUrl("r1"), "https://flowgate.example.com/runs/r1");
    } finally {
      client.close();
    }
  });

  test("FLOWGATE_UI_URL in the client's environment overrides what the server reports", async () => {
    const client = clientWith(server, "http://ui.internal:8080/");
    try {
      assert.equal(await client.uiUrl(), "http://ui.internal:8080");
      assert.equal(await client.runUrl("r2"), "http://ui.internal:8080/runs/r2");
    } finally {
      client.close();
    }
  });

  for (const [label, env, expected] of [
    ["the server's HTTP port", {}, () => `http://${server.httpAddress}`],
    ["FLOWGATE_UI_URL when set", { FLOWGATE_UI_URL: "https://runs.example.org" }, () => "https://runs.example.org"],
  ] as const) {
    test(`the greet-user example prints its run's link under ${label}`, async () => {
      const signal = AbortSignal.timeout(60_000);
      const example = startRunnerProcess("examples/greet-user.ts", { FLOWGATE_API_ADDRESS: server.address, ...env });
      const client = clientWith(server, undefined);
      let id: string | undefined;
      try {
        id = (await example.waitFor(/runs resume ([0-9a-f-]{36})/, signal))[1];
        assert.ok(id);
        const link = (await example.waitFor(/in the web UI: (\S+)/, signal))[1];
        assert.equal(link, `${expected()}/runs/${id}`);
        assert.doesNotMatch(example.output(), /:4200\b/);
      } finally {
        if (id) {
          const run = await client.getFlowRun(id).catch(() => undefined);
          if (run?.state && !isFinalStateType(run.state.type)) await client.cancelFlowRun(id).catch(() => undefined);
        }
        client.close();
        await example.stop();
      }
    });
  }
});
