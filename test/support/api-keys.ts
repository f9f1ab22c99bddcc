/**
 * Which API key each test server (by gRPC address) wants, so child processes (SDK scripts, runners,
 * the CLI) started against it get it as FLOWGATE_API_KEY. No imports: fixtures load this too.
 */
/** The admin key of the test server listening on this gRPC address (for child processes' env). */
const keysByAddress = new Map<string, string>();

/**
 * `env` for a child process (SDK script, runner, CLI) that talks to the test server named by its
 * FLOWGATE_API_ADDRESS: with that server's key as FLOWGATE_API_KEY, unless the env sets one itself.
 */
export function withApiKey(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const address = env["FLOWGATE_API_ADDRESS"];
  if (env["FLOWGATE_API_KEY"] !== undefined || !address) return env;
  const key = keysByAddress.get(address);
  return key ? { ...env, FLOWGATE_API_KEY: key } : env;
}

export function rememberApiKey(address: string, key: string): void {
  keysByAddress.set(address, key);
}
