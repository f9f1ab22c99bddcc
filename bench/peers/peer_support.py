"""What the Python peers share: progress lines on stderr, the result as JSON on stdout's last line,
and the resident memory of a server's process tree (Prefect's `server start` serves from a child).
Percentiles and the table are bench/peers/run.ts's job: the peers hand back raw samples."""

import asyncio
import json
import sys
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def progress(line: str) -> None:
    print(f"  {line}", file=sys.stderr, flush=True)


def emit(result: dict[str, Any]) -> None:
    """The result, measures that failed left out (their reasons are in result["errors"])."""
    print(json.dumps({k: v for k, v in result.items() if v is not None}), flush=True)


async def attempt(errors: dict[str, str], measure: str, work: Awaitable[T]) -> T | None:
    """Runs one scenario; a failure is recorded under `measure` instead of ending the whole run."""
    try:
        return await work
    except Exception as e:
        errors[measure] = f"{type(e).__name__}: {e}"
        progress(f"{measure} failed: {errors[measure]}")
        return None


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = (task / "children").read_text().split()
        found.extend(int(c) for c in text)
    return found


def tree_rss_bytes(pid: int) -> int:
    """VmRSS of `pid` and all its descendants."""
    total = 0
    pending = [pid]
    while pending:
        p = pending.pop()
        status = Path(f"/proc/{p}/status").read_text()
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
        pending.extend(_children(p))
    return total


class Handoff:
    """One value at a time from flow or workflow code to the driver's event loop, from whichever thread
    runs that code (Temporal runs workflow tasks on worker threads)."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiter: asyncio.Future[Any] | None = None

    def arm(self) -> "asyncio.Future[Any]":
        self._loop = asyncio.get_running_loop()
        self._waiter = self._loop.create_future()
        return self._waiter

    def put(self, value: Any) -> None:
        loop, waiter = self._loop, self._waiter
        if loop is not None and waiter is not None:
            loop.call_soon_threadsafe(lambda: waiter.done() or waiter.set_result(value))

    def mark_now(self) -> None:
        """The code after a wait runs: when, as perf_counter seconds."""
        self.put(time.perf_counter())
