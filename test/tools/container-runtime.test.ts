import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { findContainerRuntime, systemProbe, type RuntimeProbe } from "../../tools/container-runtime.js";

/** A probe over a made-up machine: these environment variables, this home, these paths as sockets. */
function machine(env: Record<string, string>, sockets: string[] = [], home = "/home/dev"): RuntimeProbe {
  return { env, home, isSocket: (path) => sockets.includes(path) };
}

describe("finding a container runtime", () => {
  test("no DOCKER_HOST and no socket: not found, with the one line the test run prints", () => {
    const r = findContainerRuntime(machine({}));
    assert.equal(r.found, false);
    assert.match(r.found ? "" : r.message, /^container runtime: none found .*embedded store is used$/);
  });

  test("DOCKER_HOST wins over every socket; a TCP or SSH host is taken as given", () => {
    assert.deepEqual(findContainerRuntime(machine({ DOCKER_HOST: "tcp://10.0.0.5:2376" }, ["/var/run/docker.sock"])), {
      found: true,
      dockerHost: "tcp://10.0.0.5:2376",
      via: "DOCKER_HOST",
    });
    assert.equal(findContainerRuntime(machine({ DOCKER_HOST: "ssh://me@build" })).found, true);
  });

  test("a DOCKER_HOST socket that is not there is reported, not silently replaced by another", () => {
    const r = findContainerRuntime(machine({ DOCKER_HOST: "unix:///run/user/1000/podman/podman.sock" }, ["/var/run/docker.sock"]));
    assert.equal(r.found, false);
    assert.match(r.found ? "" : r.message, /DOCKER_HOST names \/run\/user\/1000\/podman\/podman.sock, which is not a socket/);
  });

  test("Docker's, Docker Desktop's, rootless Podman's and Colima's sockets are found and named for testcontainers", () => {
    const cases: [RuntimeProbe, string][] = [
      [machine({}, ["/var/run/docker.sock"]), "unix:///var/run/docker.sock"],
      [machine({}, ["/home/dev/.docker/run/docker.sock"]), "unix:///home/dev/.docker/run/docker.sock"],
      [machine({ XDG_RUNTIME_DIR: "/run/user/1000" }, ["/run/user/1000/podman/podman.sock"]), "unix:///run/user/1000/podman/podman.sock"],
      [machine({}, ["/home/dev/.colima/default/docker.sock"]), "unix:///home/dev/.colima/default/docker.sock"],
    ];
    for (const [probe, dockerHost] of cases)
      assert.deepEqual(findContainerRuntime(probe), { found: true, dockerHost, via: dockerHost.slice("unix://".length) });
  });

  test("the rootless Podman socket is only looked for where XDG_RUNTIME_DIR says", () => {
    assert.equal(findContainerRuntime(machine({}, ["/run/user/1000/podman/podman.sock"])).found, false);
  });
});

describe("the probe of this machine", () => {
  let dir = "";
  let server: Server;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "flowgate-runtime-"));
    server = createServer();
    await new Promise<void>((resolve) => server.listen(join(dir, "docker.sock"), resolve));
    writeFileSync(join(dir, "plain-file"), "");
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  test("tells a listening Unix socket from a plain file and from nothing", () => {
    const probe = systemProbe();
    assert.equal(probe.isSocket(join(dir, "docker.sock")), true);
    assert.equal(probe.isSocket(join(dir, "plain-file")), false);
    assert.equal(probe.isSocket(join(dir, "missing.sock")), false);
  });

  test("finds a runtime through DOCKER_HOST naming a real socket", () => {
    const sock = join(dir, "docker.sock");
    const r = findContainerRuntime({ ...systemProbe(), env: { DOCKER_HOST: `unix://${sock}` } });
    assert.deepEqual(r, { found: true, dockerHost: `unix://${sock}`, via: "DOCKER_HOST" });
  });
});
