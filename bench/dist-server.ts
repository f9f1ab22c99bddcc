/**
 * A server from the compiled build (server/dist/main.js, what `npm start` runs) rather than through
 * tsx: tsx's transform names every function at run time, which gives each closure a dictionary of
 * properties, so memory measured under tsx is not what a deployed server spends. Run `npm run build`
 * first. Takes over a database some other server has set up (its admin key included).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { connect, type TestClients } from "../test/support/grpc-client.js";

const MAIN = new URL("../server/dist/main.js", import.meta.url).pathname;

export interface DistServer extends TestClients {
  child: ChildProcess;
  logs: string[];
  stop: () => Promise<void>;
}

export async function startDistServer(opts: { database: string; dataDir: string; apiKey: string }): Promise<DistServer> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first`);
  const flags = (process.env["FLOWGATE_SERVER_NODE_FLAGS"] ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...flags, MAIN], {
    env: {
      ...process.env,
      FLOWGATE_GRPC_ADDRESS: "127.0.0.1:0",
      FLOWGATE_HTTP_ADDRESS: "127.0.0.1:0",
      FLOWGATE_MONGODB_DATABASE: opts.database,
      FLOWGATE_DATA_DIR: opts.dataDir,
      FLOWGATE_LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const logs: string[] = [];
  const address = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stderr }).on("line", (line) => {
      logs.push(line);
      const grpc = /gRPC on (\S+)/.exec(line)?.[1];
      if (grpc) resolve(grpc);
    });
    child.once("exit", (code) => reject(new Error(`server exited with ${code}:\n${logs.join("\n")}`)));
  });
  const clients = connect(address, opts.apiKey);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    ...clients,
    child,
    logs,
    stop: async () => {
      clients.close();
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
