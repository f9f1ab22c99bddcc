"""Whether a client talks TLS to the server, and with which certificates, found the same way as by the
TypeScript SDK, the CLI and the Go client. Each setting comes from the explicit argument first, then
the environment: ``FLOWGATE_TLS`` (``true``/``false``), ``FLOWGATE_TLS_CA`` (the CA that signed the
server's certificate; setting it implies TLS), ``FLOWGATE_TLS_CLIENT_CERT`` and
``FLOWGATE_TLS_CLIENT_KEY`` (a client certificate, for a server that requires one). Default:
plaintext, what a local ``npm start`` serves."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

import grpc

#: A PEM input: ``bytes`` hold the PEM itself; a ``str`` or path names a file, unless the ``str`` is
#: PEM text (it starts with ``-----BEGIN``), as a secret handed over in an environment variable often is.
PemSource: TypeAlias = "str | os.PathLike[str] | bytes"

_TLS = "FLOWGATE_TLS"
_CA = "FLOWGATE_TLS_CA"
_CERT = "FLOWGATE_TLS_CLIENT_CERT"
_KEY = "FLOWGATE_TLS_CLIENT_KEY"


class TlsSettingsError(ValueError):
    """A TLS setting that cannot be used: a contradiction, or a file that cannot be read."""


@dataclass(frozen=True)
class Pem:
    """One PEM input, read: the file it came from (None when given as PEM) and its contents."""

    file: Path | None
    pem: bytes


@dataclass(frozen=True)
class TlsSettings:
    """TLS as resolved; ``None`` in its place stands for plaintext."""

    ca: Pem | None
    """None: the system's CAs."""
    client: tuple[Pem, Pem] | None
    """The client certificate and its key, both or neither."""


def _env_value(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    return value if value and value.strip() else None


def _env_flag(env: Mapping[str, str]) -> bool | None:
    value = _env_value(env, _TLS)
    if value is None:
        return None
    if value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise TlsSettingsError(f'{_TLS} must be "true" or "false", got "{value}".')


def _read_pem(source: PemSource, what: str, cwd: Path) -> Pem:
    if isinstance(source, bytes):
        return Pem(None, source)
    if isinstance(source, str) and source.lstrip().startswith("-----BEGIN"):
        return Pem(None, source.encode())
    file = cwd / Path(os.fspath(source).strip())
    try:
        return Pem(file, file.read_bytes())
    except OSError as err:
        raise TlsSettingsError(f"cannot read {what} {file}: {err.strerror}") from None


def resolve_tls(
    tls: bool | None,
    ca: PemSource | None,
    cert: PemSource | None,
    key: PemSource | None,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> TlsSettings | None:
    """TLS for a client, or None for plaintext. ``tls=False`` (or ``FLOWGATE_TLS=false`` when ``tls``
    is None and no certificate argument is given) means plaintext whatever else is set; ``tls=True``
    or any certificate argument means TLS; otherwise any of the certificate variables turns TLS on.
    Files are read here, once, so a wrong path fails when the client is made."""
    env = os.environ if env is None else env
    given = ca is not None or cert is not None or key is not None
    ca = ca if ca is not None else _env_value(env, _CA)
    cert = cert if cert is not None else _env_value(env, _CERT)
    key = key if key is not None else _env_value(env, _KEY)
    if tls is None:
        flag = None if given else _env_flag(env)
        tls = given or (flag if flag is not None else any(s is not None for s in (ca, cert, key)))
    if not tls:
        return None
    if (cert is None) != (key is None):
        raise TlsSettingsError(
            f"a client certificate needs its key: set both {_CERT} and {_KEY} (or tls_cert and tls_key)"
        )
    base = cwd or Path.cwd()
    return TlsSettings(
        ca=None if ca is None else _read_pem(ca, f"the CA certificate ({_CA})", base),
        client=None
        if cert is None or key is None
        else (
            _read_pem(cert, f"the client certificate ({_CERT})", base),
            _read_pem(key, f"the client key ({_KEY})", base),
        ),
    )


def channel_credentials(tls: TlsSettings) -> grpc.ChannelCredentials:
    """grpc's SSL credentials; grpc checks the server's certificate against the address's host name."""
    return grpc.ssl_channel_credentials(
        root_certificates=tls.ca.pem if tls.ca else None,
        private_key=tls.client[1].pem if tls.client else None,
        certificate_chain=tls.client[0].pem if tls.client else None,
    )


def describe_transport(tls: TlsSettings | None) -> str:
    """How the client connects, in a sentence added to its failures to connect: grpc reports a TLS
    mismatch as "Socket closed" or "TSI_DATA_CORRUPTED", which says nothing about what to change."""
    if tls is None:
        return f"Tried without TLS; if the server uses TLS, set {_CA} to its CA's certificate, or {_TLS}=true."
    ca = f"the CA in {tls.ca.file or 'the PEM given'}" if tls.ca else "the system's CAs"
    client = (
        f"with the client certificate {tls.client[0].file or 'given as PEM'}"
        if tls.client
        else "without a client certificate"
    )
    return f"Tried over TLS, trusting {ca}, {client}; set {_CA}, {_CERT} and {_KEY} as the server requires."
