/**
 * The health and reflection services come from libraries (grpc-health-check, @grpc/reflection), yet
 * answer malformed requests like Flowgate's own methods (issue 12): INVALID_ARGUMENT with an
 * ErrorInfo, never grpc-js's bare INTERNAL; well-formed requests still work.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { BinaryReader, BinaryWriter } from "@bufbuild/protobuf/wire";
import { Client, credentials, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { reasonOf } from "../support/status-details.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const GARBAGE = [
  Buffer.from([0x0a, 0xff]), // a string field whose length runs past the end
  Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), // a varint that never ends
  Buffer.from([0x0f]), // wire type 7 does not exist
];
const REFLECTION = ["grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"];
const raw = (b: Buffer): Buffer => b;

describe("health and reflection refuse malformed requests with INVALID_ARGUMENT", () => {
  let server: TestServer;
  let client: Client;
  before(async () => {
    server = await startTestServer();
    client = new Client(server.address, credentials.createInsecure());
  });
  after(async () => {
    client.close();
    await server.stop();
  });

  const check = (bytes: Buffer): Promise<{ err: ServiceError | null; res?: Buffer }> =>
    new Promise((resolve) => {
      client.makeUnaryRequest("/grpc.health.v1.Health/Check", raw, raw, bytes, new Metadata(), (err, res) => resolve({ err, res }));
    });

  /** The first message or the status of a stream, whichever comes first; the stream is then closed. */
  const firstOf = (start: () => ReturnType<Client["makeBidiStreamRequest"]> | ReturnType<Client["makeServerStreamRequest"]>) =>
    new Promise<{ err?: ServiceError; message?: Buffer }>((resolve) => {
      const stream = start();
      stream.on("data", (message: Buffer) => {
        resolve({ message });
        stream.cancel();
      });
      stream.on("error", (err: ServiceError) => resolve({ err }));
    });

  test("Health/Check and Health/Watch", async () => {
    for (const bytes of GARBAGE) {
      const { err } = await check(bytes);
      assert.equal(err?.code, status.INVALID_ARGUMENT, err?.details);
      assert.equal(reasonOf(err), "INVALID_ARGUMENT");
      const watched = await firstOf(() => client.makeServerStreamRequest("/grpc.health.v1.Health/Watch", raw, raw, bytes, new Metadata()));
      assert.equal(watched.err?.code, status.INVALID_ARGUMENT, watched.err?.details);
      assert.equal(reasonOf(watched.err), "INVALID_ARGUMENT");
    }
    // A well-formed check of the whole server: SERVING (HealthCheckResponse.status = 1).
    const { err, res } = await check(Buffer.alloc(0));
    assert.equal(err, null);
    assert.deepEqual([...res!], [0x08, 0x01]);
  });

  test("ServerReflectionInfo, v1 and v1alpha", async () => {
    for (const service of REFLECTION) {
      const path = `/${service}/ServerReflectionInfo`;
      for (const bytes of GARBAGE) {
        const { err } = await firstOf(() => {
          const stream = client.makeBidiStreamRequest(path, raw, raw, new Metadata());
          stream.write(bytes);
          return stream;
        });
        assert.equal(err?.code, status.INVALID_ARGUMENT, `${service}: ${err?.details}`);
        assert.equal(reasonOf(err), "INVALID_ARGUMENT");
      }
      // list_services (field 7) still answers, naming Flowgate's services.
      const { message } = await firstOf(() => {
        const stream = client.makeBidiStreamRequest(path, raw, raw, new Metadata());
        stream.write(Buffer.from(new BinaryWriter().uint32(58).string("*").finish()));
        return stream;
      });
      assert.ok(message, `${service} answered`);
      assert.ok(listedServices(message).includes("flowgate.v1.RunService"), service);
    }
  });
});

/** ServerReflectionResponse.list_services_response (6) → service (1) → name (1). */
function listedServices(response: Buffer): string[] {
  const names: string[] = [];
  const r = new BinaryReader(response);
  while (r.pos < r.len) {
    const [field, wire] = r.tag();
    if (field !== 6) {
      r.skip(wire);
      continue;
    }
    const list = new BinaryReader(r.bytes());
    while (list.pos < list.len) {
      const [f, w] = list.tag();
      if (f !== 1) {
        list.skip(w);
        continue;
      }
      const svc = new BinaryReader(list.bytes());
      while (svc.pos < svc.len) {
        const [sf, sw] = svc.tag();
        if (sf === 1) names.push(svc.string());
        else svc.skip(sw);
      }
    }
  }
  return names;
}
