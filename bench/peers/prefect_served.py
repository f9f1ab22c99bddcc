"""The runner for Prefect's suspend scenario (bench/peers/prefect_peer.py starts it): one deployment of a
flow that suspends itself once, served with `serve()`'s defaults. A resume schedules the run again; the
runner executes it from the start in a new process, where the suspend returns at once (Prefect skips a
pause key it has seen) and the flow writes when the code after it runs (epoch seconds) to `mark_file`."""

import time
from pathlib import Path

from prefect import flow
from prefect.flow_runs import suspend_flow_run


@flow(name="suspends-once")
def suspends_once(mark_file: str) -> None:
    suspend_flow_run(key="once", timeout=600)
    Path(mark_file).write_text(repr(time.time()))


if __name__ == "__main__":
    suspends_once.serve(name="peers")
