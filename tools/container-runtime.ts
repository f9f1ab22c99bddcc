/**
 * Whether a container runtime (Docker, or Podman's Docker-compatible API) can be reached, so that
 * `npm test` can also run the store and server suites against a real MongoDB replica set started by
 * @testcontainers/mongodb. Looked for as testcontainers looks: DOCKER_HOST first, then the usual
 * socket paths. Without one, the run says so in one line and uses the embedded store only.
 */
import { statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export interface RuntimeProbe {
  env: Readonly<Record<string, string | undefined>>;
  home: string;
  /** True when `path` is a Unix socket (a runtime's API), false when missing or anything else. */
  isSocket(path: string): boolean;
}

export type ContainerRuntime =
  /** `dockerHost` is what testcontainers is to be given as DOCKER_HOST. */
  { found: true; dockerHost: string; via: string } | { found: false; message: string };

export function systemProbe(): RuntimeProbe {
  return {
    env: process.env,
    home: homedir(),
    isSocket: (path) => {
      try {
        return statSync(path).isSocket();
      } catch {
        return false;
      }
    },
  };
}

/** Docker Engine, Docker Desktop, Podman (root and rootless), Colima, Rancher Desktop. */
function socketCandidates(probe: RuntimeProbe): string[] {
  const runtimeDir = probe.env["XDG_RUNTIME_DIR"];
  return [
    "/var/run/docker.sock",
    join(probe.home, ".docker", "run", "docker.sock"),
    join(probe.home, ".docker", "desktop", "docker.sock"),
    ...(runtimeDir ? [join(runtimeDir, "docker.sock"), join(runtimeDir, "podman", "podman.sock")] : []),
    "/run/podman/podman.sock",
    join(probe.home, ".colima", "default", "docker.sock"),
    join(probe.home, ".rd", "docker.sock"),
  ];
}

export function findContainerRuntime(probe: RuntimeProbe = systemProbe()): ContainerRuntime {
  const given = probe.env["DOCKER_HOST"];
  if (given) {
    if (!given.startsWith("unix://")) return { found: true, dockerHost: given, via: "DOCKER_HOST" };
    const path = given.slice("unix://".length);
    if (probe.isSocket(path)) return { found: true, dockerHost: given, via: "DOCKER_HOST" };
    return {
      found: false,
      message: `container runtime: DOCKER_HOST names ${path}, which is not a socket; the MongoDB replica-set run is skipped and the embedded store is used`,
    };
  }
  for (const path of socketCandidates(probe)) {
    if (probe.isSocket(path)) return { found: true, dockerHost: `unix://${path}`, via: path };
  }
  return {
    found: false,
    message:
      "container runtime: none found (no DOCKER_HOST, no Docker or Podman socket); the MongoDB replica-set run is skipped and the embedded store is used",
  };
}
