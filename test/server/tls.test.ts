import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { credentials, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { RunServiceClient } from "@flowgate/contract/flowgate/v1/run_service.js";
import { makeCertificates } from "../support/certificates.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const certs = makeCertificates();
const pem = (file: string): Buffer => readFileSync(file);

/** GetFlowRun of a random id over gRPC: NOT_FOUND means the call got through TLS and authentication. */
function getRun(address: string, creds: ReturnType<typeof credentials.createSsl>, apiKey: string): Promise<number> {
  const client = new RunServiceClient(address, creds);
  const md = new Metadata();
  md.set("authorization", `Bearer ${apiKey}`);
  return new Promise((resolve) => {
    client.getFlowRun(
      { flowRunId: "00000000-0000-4000-8000-000000000000" },
      md,
      { deadline: Date.now() + 30_000 },
      (err: ServiceError | null) => {
        client.close();
        resolve(err ? err.code : status.OK);
      },
    );
  });
}

/** GET /api/health over HTTPS with the given TLS options; the status, or the connection error's code. */
function health(httpAddress: string, tls: { ca: Buffer; cert?: Buffer; key?: Buffer }): Promise<number | string> {
  const [host, port] = httpAddress.split(":");
  return new Promise((resolve) => {
    const req = request({ host, port: Number(port), path: "/api/health", ...tls, timeout: 30_000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    req.end();
  });
}

describe("TLS: FLOWGATE_TLS_CERT and FLOWGATE_TLS_KEY serve gRPC and HTTP over TLS", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ env: { FLOWGATE_TLS_CERT: certs.cert, FLOWGATE_TLS_KEY: certs.key } });
  });
  after(() => server.stop());

  test("a client trusting the CA gets through; plaintext and untrusting clients do not", async () => {
    assert.equal(await getRun(server.address, credentials.createSsl(pem(certs.ca)), server.apiKey), status.NOT_FOUND);
    assert.equal(
      await getRun(server.address, credentials.createSsl(), server.apiKey),
      status.UNAVAILABLE,
      "the system CAs do not know ours",
    );
    assert.equal(await health(server.httpAddress, { ca: pem(certs.ca) }), 200);
    assert.equal(await health(server.httpAddress, { ca: pem(certs.cert) }), "UNABLE_TO_VERIFY_LEAF_SIGNATURE");
  });
});

describe("mTLS: FLOWGATE_TLS_CLIENT_CA also requires a client certificate it signed", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      env: { FLOWGATE_TLS_CERT: certs.cert, FLOWGATE_TLS_KEY: certs.key, FLOWGATE_TLS_CLIENT_CA: certs.ca },
    });
  });
  after(() => server.stop());

  test("with a client certificate the call works; without one the handshake fails, on gRPC and HTTP", async () => {
    const withCert = credentials.createSsl(pem(certs.ca), pem(certs.clientKey), pem(certs.clientCert));
    assert.equal(await getRun(server.address, withCert, server.apiKey), status.NOT_FOUND);
    assert.equal(await getRun(server.address, credentials.createSsl(pem(certs.ca)), server.apiKey), status.UNAVAILABLE);
    assert.equal(await health(server.httpAddress, { ca: pem(certs.ca), cert: pem(certs.clientCert), key: pem(certs.clientKey) }), 200);
    assert.notEqual(await health(server.httpAddress, { ca: pem(certs.ca) }), 200);
  });
});

describe("TLS settings are checked at start", () => {
  test("a certificate without its key, or a client CA without TLS, stops the server with a reason", async () => {
    await assert.rejects(startTestServer({ env: { FLOWGATE_TLS_CERT: certs.cert } }), /FLOWGATE_TLS_CERT and FLOWGATE_TLS_KEY go together/);
    await assert.rejects(startTestServer({ env: { FLOWGATE_TLS_CLIENT_CA: certs.ca } }), /FLOWGATE_TLS_CLIENT_CA needs/);
    await assert.rejects(
      startTestServer({ env: { FLOWGATE_TLS_CERT: certs.cert, FLOWGATE_TLS_KEY: join(certs.dir, "missing.key") } }),
      /cannot read FLOWGATE_TLS_KEY/,
    );
  });
});
