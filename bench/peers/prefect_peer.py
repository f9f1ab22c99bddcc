"""Prefect's side of `npm run bench:peers`: flows in this process (async, so many can wait at once)
against the `prefect server start` that bench/peers/run.ts started (PREFECT_API_URL), and a served
deployment in a child process for suspend. Pauses poll the server every POLL seconds (Prefect's
default is 10). Prints the raw samples as JSON on the last line of stdout.

    python prefect_peer.py SERVER_PID ROUNDS WAITING POLL SUSPEND_ROUNDS
"""

import asyncio
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any
from uuid import UUID

from prefect import flow
from prefect.client.orchestration import PrefectClient, get_client
from prefect.context import FlowRunContext
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound
from prefect.flow_runs import apause_flow_run, aresume_flow_run

from peer_support import Handoff, attempt, emit, progress, tree_rss_bytes

started = Handoff()
woke = Handoff()
held: list[UUID] = []
POLL = 10.0


def this_run() -> UUID:
    context = FlowRunContext.get()
    assert context is not None and context.flow_run is not None
    return context.flow_run.id


@flow(name="pauses-in-a-loop")
async def pauses_in_a_loop(count: int) -> None:
    started.put(this_run())
    for i in range(count):
        await apause_flow_run(timeout=600, poll_interval=POLL, key=f"p{i}")  # type: ignore[arg-type]
        woke.mark_now()


@flow(name="waits-once")
async def waits_once() -> None:
    held.append(this_run())
    await apause_flow_run(timeout=600, poll_interval=POLL)  # type: ignore[arg-type]


async def state_of(client: PrefectClient, run_id: UUID) -> Any:
    return (await client.read_flow_run(run_id)).state


async def until(client: PrefectClient, run_id: UUID, ok: Any, every: float = 0.01) -> float:
    """Polls the run until ok(state); returns when it saw it (perf_counter seconds)."""
    while True:
        state = await state_of(client, run_id)
        if state is not None and ok(state):
            return time.perf_counter()
        await asyncio.sleep(every)


def paused_at(key: str) -> Any:
    return lambda s: s.is_paused() and s.state_details.pause_key == key


async def resume_loop(client: PrefectClient, rounds: int) -> tuple[list[float], float]:
    first = started.arm()
    running = asyncio.create_task(pauses_in_a_loop(rounds))
    run_id = await first
    samples: list[float] = []
    t0 = time.perf_counter()
    for i in range(rounds):
        await until(client, run_id, paused_at(f"p{i}"))
        if i == 0:
            t0 = time.perf_counter()
        ran = woke.arm()
        sent = time.perf_counter()
        await aresume_flow_run(run_id)
        samples.append((await ran - sent) * 1000)
    elapsed = time.perf_counter() - t0
    await running
    return samples, rounds / elapsed


async def new_run_each(client: PrefectClient, rounds: int) -> float:
    t0 = time.perf_counter()
    for _ in range(rounds):
        held.clear()
        running = asyncio.create_task(waits_once())
        while not held:
            await asyncio.sleep(0.005)
        await until(client, held[0], lambda s: s.is_paused())
        await aresume_flow_run(held[0])
        await running
    return rounds / (time.perf_counter() - t0)


async def memory_per_waiting(client: PrefectClient, server_pid: int, waiting: int) -> float:
    held.clear()
    await asyncio.sleep(1)
    before = tree_rss_bytes(server_pid)
    running = asyncio.gather(*(waits_once() for _ in range(waiting)))
    while len(held) < waiting:
        await asyncio.sleep(0.05)
    for run_id in held:
        await until(client, run_id, lambda s: s.is_paused(), every=0.1)
    await asyncio.sleep(2)
    after = tree_rss_bytes(server_pid)
    for run_id in held:
        await aresume_flow_run(run_id)
    await running
    return (after - before) / waiting


async def suspend_to_running(client: PrefectClient, rounds: int) -> list[float]:
    """Per round a new run of a served deployment suspends, is resumed, and its code after the suspend runs."""
    runner = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("prefect_served.py"))],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                await client.read_deployment_by_name("suspends-once/peers")
                break
            except ObjectNotFound:
                if time.monotonic() > deadline or runner.poll() is not None:
                    raise RuntimeError("the served deployment never appeared") from None
                await asyncio.sleep(0.2)
        samples: list[float] = []
        with tempfile.TemporaryDirectory() as marks:
            for i in range(rounds):
                mark = Path(marks, f"{i}")
                run = await run_deployment("suspends-once/peers", parameters={"mark_file": str(mark)}, timeout=0)
                await until(client, run.id, lambda s: s.is_paused(), every=0.02)
                sent = time.time()
                await aresume_flow_run(run.id)
                while not mark.exists():
                    await asyncio.sleep(0.01)
                await asyncio.sleep(0.01)  # the file's write finished
                samples.append((float(mark.read_text()) - sent) * 1000)
                progress(f"Prefect: suspend round {i + 1}/{rounds}: {samples[-1]:.0f} ms")
        return samples
    finally:
        runner.terminate()
        runner.wait(30)


async def main() -> None:
    global POLL
    server_pid, rounds, waiting = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    POLL, suspend_rounds = float(sys.argv[4]), int(sys.argv[5])
    errors: dict[str, str] = {}
    async with get_client() as client:
        progress(f"Prefect: {rounds} resumes of one flow pausing in a loop (poll_interval {POLL:g} s)")
        resume = await attempt(errors, "resume", resume_loop(client, rounds))
        progress(f"Prefect: {rounds} new flow runs, each pausing once")
        new_runs = await attempt(errors, "newRun", new_run_each(client, rounds))
        progress(f"Prefect: {waiting} flows paused at once")
        per_waiting = await attempt(errors, "memory", memory_per_waiting(client, server_pid, waiting))
        progress(f"Prefect: {suspend_rounds} resumes of a suspended run of a served deployment")
        suspend = await attempt(errors, "suspend", suspend_to_running(client, suspend_rounds))
    emit(
        {
            "resumeMs": resume and resume[0],
            "loopCyclesPerSecond": resume and resume[1],
            "newRunCyclesPerSecond": new_runs,
            "bytesPerWaiting": per_waiting,
            "suspendMs": suspend,
            "versions": f"prefect {version('prefect')}",
            "errors": errors,
        }
    )


if __name__ == "__main__":
    asyncio.run(main())
