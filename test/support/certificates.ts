/**
 * Certificates for TLS tests, made with openssl into a temporary folder: a CA, a server certificate
 * for 127.0.0.1 and localhost, and a client certificate (for mTLS), all signed by that CA. Nothing is
 * checked in, so nothing expires in the repository.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestCertificates {
  dir: string;
  /** The CA's certificate: what a client trusts (FLOWGATE_TLS_CA) and what a server requires client certificates from. */
  ca: string;
  caKey: string;
  /** The server's certificate and key (FLOWGATE_TLS_CERT, FLOWGATE_TLS_KEY). */
  cert: string;
  key: string;
  /** A client's certificate and key (FLOWGATE_TLS_CLIENT_CERT, FLOWGATE_TLS_CLIENT_KEY). */
  clientCert: string;
  clientKey: string;
}

export function makeCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), "flowgate-tls-"));
  const f = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => void execFileSync("openssl", args, { stdio: "ignore" });
  const sign = (name: string, extfile?: string): void =>
    openssl(
      "x509",
      "-req",
      "-in",
      f(`${name}.csr`),
      "-CA",
      f("ca.pem"),
      "-CAkey",
      f("ca.key"),
      "-CAcreateserial",
      "-days",
      "2",
      ...(extfile ? ["-extfile", f(extfile)] : []),
      "-out",
      f(`${name}.pem`),
    );
  openssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=flowgate test CA",
    "-keyout",
    f("ca.key"),
    "-out",
    f("ca.pem"),
  );
  writeFileSync(f("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", f("server.key"), "-out", f("server.csr"));
  sign("server", "server.ext");
  openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=a runner", "-keyout", f("client.key"), "-out", f("client.csr"));
  sign("client");
  return {
    dir,
    ca: f("ca.pem"),
    caKey: f("ca.key"),
    cert: f("server.pem"),
    key: f("server.key"),
    clientCert: f("client.pem"),
    clientKey: f("client.key"),
  };
}
