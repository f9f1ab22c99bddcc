import { readFile } from "node:fs/promises";
import type { Config } from "./config.js";

/** The PEM contents behind FLOWGATE_TLS_*, read once at start; both transports serve them. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  /** With it, a client must present a certificate this CA signed (mTLS). */
  clientCa: Buffer | undefined;
}

export class TlsConfigError extends Error {}

export async function loadTls(tls: Config["tls"]): Promise<TlsMaterial | undefined> {
  if (!tls) return undefined;
  const read = async (what: string, file: string): Promise<Buffer> => {
    try {
      return await readFile(file);
    } catch (err) {
      throw new TlsConfigError(`cannot read ${what} ${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  return {
    cert: await read("FLOWGATE_TLS_CERT", tls.certFile),
    key: await read("FLOWGATE_TLS_KEY", tls.keyFile),
    clientCa: tls.clientCaFile ? await read("FLOWGATE_TLS_CLIENT_CA", tls.clientCaFile) : undefined,
  };
}
