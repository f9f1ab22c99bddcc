"""Certificates for the TLS tests, made with openssl into a temporary folder (as the TypeScript tests'
test/support/certificates.ts does): a CA, a server certificate for 127.0.0.1 and localhost, and a
client certificate for mTLS, both signed by that CA."""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Certificates:
    dir: Path
    ca: Path
    """What a client trusts (FLOWGATE_TLS_CA) and what an mTLS server requires client certificates from."""
    cert: Path
    key: Path
    """The server's certificate and key (FLOWGATE_TLS_CERT, FLOWGATE_TLS_KEY)."""
    client_cert: Path
    client_key: Path
    """A client's certificate and key (FLOWGATE_TLS_CLIENT_CERT, FLOWGATE_TLS_CLIENT_KEY)."""


def make_certificates() -> Certificates:
    d = Path(tempfile.mkdtemp(prefix="flowgate-py-tls-"))

    def openssl(*args: str | Path) -> None:
        subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True)

    def sign(name: str, *extra: str | Path) -> None:
        openssl(
            "x509", "-req", "-in", d / f"{name}.csr", "-CA", d / "ca.pem", "-CAkey", d / "ca.key",
            "-CAcreateserial", "-days", "2", *extra, "-out", d / f"{name}.pem",
        )  # fmt: skip

    openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=flowgate test CA",
        "-keyout", d / "ca.key", "-out", d / "ca.pem",
    )  # fmt: skip
    (d / "server.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n", encoding="utf-8")
    for name, subject in (("server", "/CN=localhost"), ("client", "/CN=a python client")):
        openssl(
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            subject,
            "-keyout",
            d / f"{name}.key",
            "-out",
            d / f"{name}.csr",
        )
    sign("server", "-extfile", d / "server.ext")
    sign("client")
    return Certificates(
        dir=d,
        ca=d / "ca.pem",
        cert=d / "server.pem",
        key=d / "server.key",
        client_cert=d / "client.pem",
        client_key=d / "client.key",
    )
