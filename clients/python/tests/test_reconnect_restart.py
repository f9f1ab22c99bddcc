"""A wait survives a server restart: a process blocked in ``wait_for_resume`` (or following
``watch_flow_run``) while its server is killed (SIGKILL) and started again on the same store gets the
resume made after the restart, reconnecting a single-digit number of times."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import grpc
import pytest

from flow_side import NAME_SCHEMA, Flow
from flowgate import AsyncClient, Client, FlowgateError, StateType
from flowgate._reconnect import CHANNEL_OPTIONS
from flowgate.gen.flowgate.v1 import run_service_pb2 as pb
from flowgate.gen.flowgate.v1 import run_service_pb2_grpc as pb_grpc
from flowgate.gen.flowgate.v1 import types_pb2

REPO = Path(__file__).resolve().parents[3]
STARTUP_SECONDS = 180  # the embedded store may be built on first use
WAIT_SECONDS = 120


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RestartableServer:
    """A Flowgate server process on a fixed port, data dir and database, so that the server started
    again after a kill is the same address on the same store (its embedded store keeps its files in
    the data dir; with FLOWGATE_MONGODB_URI, one database of that store)."""

    def __init__(self) -> None:
        self.address = f"127.0.0.1:{_free_port()}"
        self.data_dir = Path(tempfile.mkdtemp(prefix="flowgate-py-restart-"))
        env = dict(os.environ)
        env.pop("FLOWGATE_AUTH", None)
        env.setdefault("FLOWGATE_LOG_LEVEL", "warn")
        env.update(
            FLOWGATE_GRPC_ADDRESS=self.address,
            FLOWGATE_HTTP_ADDRESS="127.0.0.1:0",
            FLOWGATE_EVENT_POLL_MS="20",
            FLOWGATE_DATA_DIR=str(self.data_dir),
        )
        if env.get("FLOWGATE_MONGODB_URI"):
            env["FLOWGATE_MONGODB_DATABASE"] = f"py_restart_{secrets.token_hex(6)}"
        self._env = env
        self._proc: subprocess.Popen[str] | None = None
        self.logs: list[str] = []
        """Every server's stderr, for a failure's message."""
        self.start()
        self.api_key = (self.data_dir / "admin-key").read_text(encoding="utf-8").strip()

    def start(self) -> None:
        proc = subprocess.Popen(
            ["node", "--import", "tsx", "server/src/main.ts"],
            cwd=REPO,
            env=self._env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        listening = threading.Event()
        lines: list[str] = []

        def read_stderr() -> None:
            assert proc.stderr is not None
            for line in proc.stderr:  # keep draining so the server never blocks on a full pipe
                self.logs.append(line)
                if not listening.is_set():
                    lines.append(line)
                    if re.search(r"gRPC on (\S+)", line):
                        listening.set()
            self.logs.append(f"(exited with {proc.wait()})")

        threading.Thread(target=read_stderr, daemon=True).start()
        self._proc = proc
        if not listening.wait(STARTUP_SECONDS):
            self.kill()
            raise RuntimeError("flowgate server did not start:\n" + "".join(lines))

    def kill(self) -> None:
        """kill -9: no shutdown hook runs, the streams just drop."""
        if self._proc is not None:
            self._proc.send_signal(signal.SIGKILL)
            self._proc.wait()
            self._proc = None

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
            self._proc = None
        shutil.rmtree(self.data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def restartable() -> Iterator[RestartableServer]:
    s = RestartableServer()
    yield s
    s.stop()


class _FirstMessage(grpc.UnaryStreamClientInterceptor):
    """Sets ``seen`` when a stream delivers its first message: WaitForResume's first heartbeat, sent as
    soon as the server holds the wait, so the test kills the server while the wait is open."""

    def __init__(self) -> None:
        self.seen = threading.Event()

    def intercept_unary_stream(self, continuation: Any, client_call_details: Any, request: Any) -> Any:
        return _Observed(continuation(client_call_details, request), self.seen)


class _Observed:
    def __init__(self, call: Any, seen: threading.Event) -> None:
        self._call = call
        self._seen = seen

    def __iter__(self) -> _Observed:
        return self

    def __next__(self) -> Any:
        message = next(self._call)
        self._seen.set()
        return message

    def __getattr__(self, name: str) -> Any:
        return getattr(self._call, name)


def _resume_after_restart(
    server: RestartableServer, run_id: str, run_input: dict[str, Any], *, then_complete: bool = False
) -> None:
    server.kill()
    server.start()
    # A channel of its own subchannels: grpc shares them between channels to the same address by
    # default, and the waiter's may still be backing off from the refused connections of the outage.
    channel = grpc.insecure_channel(server.address, [("grpc.use_local_subchannel_pool", 1)])
    with Client(channel=channel, api_key=server.api_key) as resumer:
        resumer.resume_flow_run(run_id, run_input)
    if then_complete:
        pb_grpc.RunServiceStub(channel).SetFlowRunState(
            pb.SetFlowRunStateRequest(
                flow_run_id=run_id, state=types_pb2.StateProposal(type=types_pb2.STATE_TYPE_COMPLETED)
            ),
            metadata=(("authorization", f"Bearer {server.api_key}"),),
        )
    channel.close()


def test_a_wait_survives_a_server_restart_and_gets_the_resume_made_after_it(
    restartable: RestartableServer,
) -> None:
    flow = Flow(restartable.address, restartable.api_key)
    run_id = flow.running_run()
    flow.pause(run_id, NAME_SCHEMA)
    flow.close()

    opened = _FirstMessage()
    channel = grpc.intercept_channel(grpc.insecure_channel(restartable.address, CHANNEL_OPTIONS), opened)
    reconnects: list[FlowgateError] = []
    with Client(channel=channel, api_key=restartable.api_key) as waiter, ThreadPoolExecutor(1) as pool:
        waiting: Future[Any] = pool.submit(
            waiter.wait_for_resume,
            run_id,
            "1",
            WAIT_SECONDS,
            on_reconnect=lambda _attempt, cause, _delay: reconnects.append(cause),
        )
        assert opened.seen.wait(WAIT_SECONDS), "the wait never opened"

        _resume_after_restart(restartable, run_id, {"name": "after the restart"})

        assert waiting.result(WAIT_SECONDS) == {"name": "after the restart"}
    channel.close()
    assert 1 <= len(reconnects) <= 9, reconnects


class _HeadersSeen(grpc.aio.UnaryStreamClientInterceptor):
    """Sets ``seen`` once a stream's response headers arrive (with WaitForResume's first heartbeat, sent
    as soon as the server holds the wait)."""

    def __init__(self) -> None:
        self.seen = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()

    async def intercept_unary_stream(self, continuation: Any, client_call_details: Any, request: Any) -> Any:
        call = await continuation(client_call_details, request)

        async def headers() -> None:
            await call.initial_metadata()
            self.seen.set()

        task = asyncio.create_task(headers())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return call


def test_an_async_wait_survives_a_server_restart(restartable: RestartableServer) -> None:
    flow = Flow(restartable.address, restartable.api_key)
    run_id = flow.running_run()
    flow.pause(run_id, NAME_SCHEMA)
    flow.close()
    reconnects: list[FlowgateError] = []

    async def scenario() -> Any:
        opened = _HeadersSeen()
        channel = grpc.aio.insecure_channel(restartable.address, CHANNEL_OPTIONS, interceptors=[opened])
        async with AsyncClient(channel=channel, api_key=restartable.api_key) as waiter:
            waiting = asyncio.create_task(
                waiter.wait_for_resume(
                    run_id, "1", WAIT_SECONDS, on_reconnect=lambda _a, cause, _d: reconnects.append(cause)
                )
            )
            await asyncio.wait_for(opened.seen.wait(), WAIT_SECONDS)
            await asyncio.to_thread(_resume_after_restart, restartable, run_id, {"name": "async"})
            result = await asyncio.wait_for(waiting, WAIT_SECONDS)
        await channel.close()
        return result

    assert asyncio.run(scenario()) == {"name": "async"}
    assert 1 <= len(reconnects) <= 9, reconnects


def test_a_watch_survives_a_server_restart_without_repeating_a_version(restartable: RestartableServer) -> None:
    flow = Flow(restartable.address, restartable.api_key)
    run_id = flow.running_run()
    flow.pause(run_id, NAME_SCHEMA)
    flow.close()

    with Client(restartable.address, api_key=restartable.api_key) as watcher:
        events = watcher.watch_flow_run(run_id, timeout=WAIT_SECONDS)
        first = next(events)
        assert first.initial and first.state_type is StateType.PAUSED

        _resume_after_restart(restartable, run_id, {"name": "watched"}, then_complete=True)
        rest = list(events)

    versions = [first.flow_run.version] + [e.flow_run.version for e in rest]
    assert versions == sorted(set(versions)), versions  # each version once, in order
    assert rest[-1].state_type is StateType.COMPLETED
    assert not any(e.initial for e in rest)
