"""A live Flowgate server for the whole test session, started from the repository root (and, through
``running_server``, more servers with settings of their own, such as TLS).

With FLOWGATE_MONGODB_URI set (as `npm test` does) the server uses that store, in a database of its
own; otherwise it starts its embedded store in its data dir. Its data dir is always a temporary one:
on first start the server writes the admin key there, which the tests' clients send (`api_key`). It
listens on a free port; the address is read from its "gRPC on ADDRESS" line on stderr.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from flow_side import Flow

REPO = Path(__file__).resolve().parents[3]
STARTUP_SECONDS = 180  # the embedded store may be built on first use


@dataclass(frozen=True)
class Server:
    address: str
    data_dir: Path
    api_key: str
    """The admin key the server wrote into ``data_dir`` on its first start."""


@contextmanager
def running_server(extra_env: Mapping[str, str] | None = None) -> Iterator[Server]:
    """A Flowgate server process, in a temporary data dir, with ``extra_env`` (e.g. FLOWGATE_TLS_CERT)."""
    env = dict(os.environ)
    env["FLOWGATE_GRPC_ADDRESS"] = "127.0.0.1:0"
    env["FLOWGATE_HTTP_ADDRESS"] = "127.0.0.1:0"
    env.setdefault("FLOWGATE_LOG_LEVEL", "warn")
    env["FLOWGATE_EVENT_POLL_MS"] = "20"
    env.pop("FLOWGATE_AUTH", None)
    if env.get("FLOWGATE_MONGODB_URI"):
        env["FLOWGATE_MONGODB_DATABASE"] = f"py_{secrets.token_hex(6)}"
    data_dir = Path(tempfile.mkdtemp(prefix="flowgate-py-"))
    env["FLOWGATE_DATA_DIR"] = str(data_dir)
    env.update(extra_env or {})
    proc = subprocess.Popen(
        ["node", "--import", "tsx", "server/src/main.ts"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    found = threading.Event()
    address: list[str] = []
    lines: list[str] = []

    def read_stderr() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:  # keep draining so the server never blocks on a full pipe
            if not found.is_set():
                lines.append(line)
                m = re.search(r"gRPC on (\S+)", line)
                if m:
                    address.append(m.group(1))
                    found.set()

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    try:
        if not found.wait(STARTUP_SECONDS) or not address:
            raise RuntimeError("flowgate server did not start:\n" + "".join(lines))
        # Written before the server listens, on the first start with an empty store (a fresh database).
        api_key = (data_dir / "admin-key").read_text(encoding="utf-8").strip()
        yield Server(address=address[0], data_dir=data_dir, api_key=api_key)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    with running_server() as s:
        yield s


@pytest.fixture(scope="session")
def server_address(server: Server) -> str:
    return server.address


@pytest.fixture(scope="session")
def api_key(server: Server) -> str:
    return server.api_key


@pytest.fixture
def flow(server: Server) -> Iterator[Flow]:
    f = Flow(server.address, server.api_key)
    yield f
    f.close()
