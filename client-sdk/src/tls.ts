/**
 * Whether the SDK talks TLS to the server, and with which certificates. Each setting comes from the
 * explicit option first, then the environment: FLOWGATE_TLS (`true`/`false`), FLOWGATE_TLS_CA (the CA
 * that signed the server's certificate; setting it implies TLS), FLOWGATE_TLS_CLIENT_CERT and
 * FLOWGATE_TLS_CLIENT_KEY (a client certificate, for a server that requires one). Default: plaintext,
 * what a local `npm start` serves. The same variables, with the same meaning, configure the CLI and
 * the Python and Go clients.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

/**
 * A PEM input: a Buffer holds the PEM itself; a string is a file's path, unless it is PEM text
 * (it starts with "-----BEGIN"), as a secret handed over in an environment variable often is.
 */
export type PemSource = string | Buffer;

export interface TlsOptions {
  /** The CA certificate(s) to trust for the server's certificate. Default: FLOWGATE_TLS_CA, else the system's CAs. */
  ca?: PemSource | undefined;
  /** A client certificate (chain) for a server that requires one (mTLS), with `key`. Default: FLOWGATE_TLS_CLIENT_CERT. */
  cert?: PemSource | undefined;
  /** The client certificate's private key. Default: FLOWGATE_TLS_CLIENT_KEY. */
  key?: PemSource | undefined;
}

/** One PEM input, read: where it came from (a file, or undefined when given as text) and its contents. */
export interface Pem {
  file: string | undefined;
  pem: Buffer;
}

/** TLS as resolved; undefined stands for plaintext. */
export interface TlsSettings {
  /** undefined: the system's CAs. */
  ca: Pem | undefined;
  /** Both or neither. */
  client: { cert: Pem; key: Pem } | undefined;
}

/** A TLS setting that cannot be used: a contradiction, or a file that cannot be read. */
export class TlsSettingsError extends Error {}

const ENV = {
  tls: "FLOWGATE_TLS",
  ca: "FLOWGATE_TLS_CA",
  cert: "FLOWGATE_TLS_CLIENT_CERT",
  key: "FLOWGATE_TLS_CLIENT_KEY",
} as const;

/** The variable's value, or undefined when it is unset or blank. */
function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value?.trim() ? value : undefined;
}

function envFlag(env: NodeJS.ProcessEnv): boolean | undefined {
  const value = envValue(env, ENV.tls)?.trim().toLowerCase();
  if (value === undefined) return undefined;
  if (value === "true") return true;
  if (value === "false") return false;
  throw new TlsSettingsError(`${ENV.tls} must be "true" or "false", got "${env[ENV.tls]}".`);
}

function isPemText(value: string): boolean {
  return value.trimStart().startsWith("-----BEGIN");
}

function readPem(source: PemSource, what: string, cwd: string): Pem {
  if (Buffer.isBuffer(source)) return { file: undefined, pem: source };
  if (isPemText(source)) return { file: undefined, pem: Buffer.from(source) };
  const file = resolve(cwd, source.trim());
  try {
    return { file, pem: readFileSync(file) };
  } catch (err) {
    throw new TlsSettingsError(`Cannot read ${what} ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/**
 * TLS for this client, or undefined for plaintext. `tls: false` (or FLOWGATE_TLS=false when the option
 * is absent) means plaintext whatever else is set; `true` or an object means TLS; with neither, any
 * of the certificate settings turns TLS on. Files are read here, once, so a wrong path fails at once.
 * @throws TlsSettingsError
 */
export function resolveTls(
  option: boolean | TlsOptions | undefined,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): TlsSettings | undefined {
  const given = typeof option === "object" ? option : {};
  const ca = given.ca ?? envValue(env, ENV.ca);
  const cert = given.cert ?? envValue(env, ENV.cert);
  const key = given.key ?? envValue(env, ENV.key);
  const enabled = typeof option === "boolean" ? option : option !== undefined || (envFlag(env) ?? (ca ?? cert ?? key) !== undefined);
  if (!enabled) return undefined;
  if ((cert === undefined) !== (key === undefined)) {
    throw new TlsSettingsError(
      `A client certificate needs its key: set both ${ENV.cert} and ${ENV.key} (tls.cert and tls.key, or --tls-cert and --tls-key).`,
    );
  }
  return {
    ca: ca === undefined ? undefined : readPem(ca, `the CA certificate (${ENV.ca})`, cwd),
    client:
      cert === undefined || key === undefined
        ? undefined
        : { cert: readPem(cert, `the client certificate (${ENV.cert})`, cwd), key: readPem(key, `the client key (${ENV.key})`, cwd) },
  };
}

/** A file's path as given to a child process, or the PEM text itself when it came as a Buffer or text. */
function pemForEnv(p: Pem): string {
  return p.file ?? p.pem.toString("utf8");
}

/**
 * The environment that gives a child process the same TLS settings, however this process found them.
 * FLOWGATE_TLS is always set, so a plaintext parent's child is plaintext even if it inherits a CA.
 */
export function tlsChildEnv(tls: TlsSettings | undefined): Record<string, string> {
  if (!tls) return { [ENV.tls]: "false" };
  return {
    [ENV.tls]: "true",
    ...(tls.ca ? { [ENV.ca]: pemForEnv(tls.ca) } : {}),
    ...(tls.client ? { [ENV.cert]: pemForEnv(tls.client.cert), [ENV.key]: pemForEnv(tls.client.key) } : {}),
  };
}

/**
 * How this client connects, in a sentence added to its failures to connect: grpc-js reports a TLS
 * mismatch as "Failed to connect" or an OpenSSL code, which says nothing about what to change.
 */
export function describeTransport(tls: TlsSettings | undefined): string {
  if (!tls) return `Tried without TLS; if the server uses TLS, set ${ENV.ca} to its CA's certificate, or ${ENV.tls}=true.`;
  const ca = tls.ca ? `the CA in ${tls.ca.file ?? "the PEM given"}` : "the system's CAs";
  const client = tls.client ? `with the client certificate ${tls.client.cert.file ?? "given as PEM"}` : "without a client certificate";
  return `Tried over TLS, trusting ${ca}, ${client}; set ${ENV.ca}, ${ENV.cert} and ${ENV.key} as the server requires.`;
}
