"""Which API key a client sends, found the same way as by the TypeScript SDK, the CLI and the Go client:
the explicit ``api_key`` first, else ``FLOWGATE_API_KEY``, else — only for a server on a loopback
address — ``.flowgate/admin-key`` of the working directory, where a server started there writes its
first admin key. A key meant for the server on this machine is never sent to another one."""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

LOCAL_ADMIN_KEY_FILE = Path(".flowgate") / "admin-key"

_IPV4_LOOPBACK = re.compile(r"^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$")


def is_loopback_address(address: str) -> bool:
    """``127.0.0.1:50051``, ``localhost:50051``, ``[::1]:50051``: a server on this machine."""
    host = address.rsplit(":", 1)[0] if ":" in address else address
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    host = host.lower()
    return host in ("localhost", "::1") or bool(_IPV4_LOOPBACK.match(host))


def resolve_api_key(
    api_key: str | None,
    address: str | None,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> str | None:
    """The secret to send, or None (the server then answers UNAUTHENTICATED, saying how to send one).
    ``address`` None (a channel the caller made) skips the local key file."""
    env = os.environ if env is None else env
    explicit = (api_key or "").strip() or env.get("FLOWGATE_API_KEY", "").strip()
    if explicit:
        return explicit
    if address is None or not is_loopback_address(address):
        return None
    path = (cwd or Path.cwd()) / LOCAL_ADMIN_KEY_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        if err.errno in (errno.ENOENT, errno.ENOTDIR):
            return None
        raise OSError(err.errno, f"cannot read the API key from {path}: {err.strerror}") from None
    return text.strip() or None


def with_api_key(api_key: str | None, metadata: Sequence[tuple[str, str]] | None) -> tuple[tuple[str, str], ...]:
    """The metadata every call sends: ``authorization: Bearer <key>``, unless the caller's own
    metadata already carries an ``authorization`` entry, and ``x-flowgate-client: python`` (the
    channel the audit trail records), unless the caller names another; then the caller's entries."""
    own = tuple(metadata or ())
    names = {name.lower() for name, _ in own}
    added: tuple[tuple[str, str], ...] = ()
    if api_key and "authorization" not in names:
        added += (("authorization", f"Bearer {api_key}"),)
    if "x-flowgate-client" not in names:
        added += (("x-flowgate-client", "python"),)
    return (*added, *own)


def without_api_key(metadata: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """The metadata of a call that carries a resume link's token instead: no ``authorization`` entry, so
    the call acts as the link's principal and no API key travels with the token."""
    return tuple((name, value) for name, value in metadata if name.lower() != "authorization")
