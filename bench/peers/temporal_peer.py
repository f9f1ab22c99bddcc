"""Temporal's side of `npm run bench:peers`: a worker in this process (Python SDK, unsandboxed so that
workflow code can tell the driver when it runs) against the dev server that bench/peers/run.ts
started. Prints the raw samples as JSON on the last line of stdout.

    python temporal_peer.py ADDRESS SERVER_PID ROUNDS WAITING
"""

import asyncio
import sys
import time
import uuid
from datetime import timedelta
from importlib.metadata import version

from temporalio import workflow
from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from peer_support import Handoff, attempt, emit, progress, tree_rss_bytes

woke = Handoff()
TASK_QUEUE = "bench-peers"


@workflow.defn
class PausesInALoop:
    """Waits `count` times; each resume (an Update, or a Signal) lets it pass one wait."""

    def __init__(self) -> None:
        self.resumed = 0
        self.passed = 0

    @workflow.run
    async def run(self, count: int) -> int:
        for i in range(count):
            await workflow.wait_condition(lambda i=i: self.resumed > i)
            if not workflow.unsafe.is_replaying():
                woke.mark_now()
            self.passed = i + 1
        return count

    @workflow.update
    async def resume(self) -> int:
        # Completes once the code after the wait has run, in the same workflow task.
        self.resumed += 1
        n = self.resumed
        await workflow.wait_condition(lambda: self.passed >= n)
        return n

    @workflow.signal
    def resume_signal(self) -> None:
        self.resumed += 1

    @workflow.query
    def passed_waits(self) -> int:
        return self.passed


async def resume_loop(client: Client, rounds: int, by: str) -> tuple[list[float], float]:
    """Resume → code after the wait (ms) for each round, and cycles per second over the loop."""
    handle = await client.start_workflow(
        PausesInALoop.run, rounds, id=f"loop-{by}-{uuid.uuid4()}", task_queue=TASK_QUEUE
    )
    await handle.query(PausesInALoop.passed_waits)  # its first task has run: it waits
    samples: list[float] = []
    started = time.perf_counter()
    for _ in range(rounds):
        ran = woke.arm()
        sent = time.perf_counter()
        if by == "update":
            await handle.execute_update(PausesInALoop.resume)
        else:
            await handle.signal(PausesInALoop.resume_signal)
        samples.append((await ran - sent) * 1000)
        if by == "signal":
            # A query is answered after the workflow task in flight completes: it waits again.
            await handle.query(PausesInALoop.passed_waits)
    elapsed = time.perf_counter() - started
    await handle.result()
    return samples, rounds / elapsed


async def new_run_each(client: Client, rounds: int) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        handle = await client.start_workflow(PausesInALoop.run, 1, id=f"once-{uuid.uuid4()}", task_queue=TASK_QUEUE)
        await handle.execute_update(PausesInALoop.resume)
        await handle.result()
    return rounds / (time.perf_counter() - started)


async def memory_per_waiting(client: Client, server_pid: int, waiting: int) -> float:
    await asyncio.sleep(1)
    before = tree_rss_bytes(server_pid)
    handles = []
    patient = timedelta(seconds=120)
    for i in range(0, waiting, 50):
        batch = await asyncio.gather(
            *(
                client.start_workflow(
                    PausesInALoop.run, 1, id=f"held-{uuid.uuid4()}", task_queue=TASK_QUEUE, rpc_timeout=patient
                )
                for _ in range(min(50, waiting - i))
            )
        )
        # Answered once each workflow's first task has run: it waits.
        await asyncio.gather(*(h.query(PausesInALoop.passed_waits, rpc_timeout=patient) for h in batch))
        handles += batch
    await asyncio.sleep(2)
    after = tree_rss_bytes(server_pid)
    for h in handles:
        await h.terminate()
    return (after - before) / waiting


async def main() -> None:
    address, server_pid, rounds, waiting = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    client = await connect(address)
    worker = Worker(
        client,
        task_queue=TASK_QUEUE,
        workflows=[PausesInALoop],
        workflow_runner=UnsandboxedWorkflowRunner(),
    )
    errors: dict[str, str] = {}
    async with worker:
        await resume_loop(client, 10, "update")  # warm-up
        progress(f"Temporal: {rounds} resumes by Update of one workflow waiting in a loop")
        update = await attempt(errors, "resume", resume_loop(client, rounds, "update"))
        progress(f"Temporal: {rounds} resumes by Signal")
        signal = await attempt(errors, "signal", resume_loop(client, rounds, "signal"))
        progress(f"Temporal: {rounds} new workflows, each waiting once")
        new_runs = await attempt(errors, "newRun", new_run_each(client, rounds))
        progress(f"Temporal: {waiting} workflows waiting at once")
        per_waiting = await attempt(errors, "memory", memory_per_waiting(client, server_pid, waiting))
    emit(
        {
            "resumeMs": update and update[0],
            "loopCyclesPerSecond": update and update[1],
            "signalMs": signal and signal[0],
            "newRunCyclesPerSecond": new_runs,
            "bytesPerWaiting": per_waiting,
            "versions": f"temporalio (Python SDK) {version('temporalio')}",
            "errors": errors,
        }
    )


async def connect(address: str) -> Client:
    """The dev server takes a few seconds to accept workflows after its port opens."""
    deadline = time.monotonic() + 60
    while True:
        try:
            client = await Client.connect(address)
            await client.count_workflows()
            return client
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


if __name__ == "__main__":
    asyncio.run(main())
