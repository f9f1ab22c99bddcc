"""C02: `watch_flow_run(run_id)` yields state changes as they happen; `wait_for_resume(run_id)` blocks
until resumed and returns the input."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest

from flow_side import NAME_SCHEMA, Flow
from flowgate import Client, FlowRunCancelled, StateType, WaitTimeout


@pytest.fixture
def client(server_address: str, api_key: str) -> Iterator[Client]:
    with Client(server_address, api_key=api_key) as c:
        yield c


def test_c02_watch_flow_run_yields_state_changes_as_they_happen(client: Client, flow: Flow) -> None:
    run_id = flow.running_run()
    flow.pause(run_id, NAME_SCHEMA)

    events = client.watch_flow_run(run_id, timeout=60)
    first = next(events)
    assert first.initial and first.state_type is StateType.PAUSED and first.previous_state is None

    # Each change is seen before the next one is made: they arrive as they happen, not at the end.
    client.resume_flow_run(run_id, {"name": "Marvin"})
    running = next(events)
    assert running.state_type is StateType.RUNNING and not running.initial
    assert running.previous_state is not None and running.previous_state.type is StateType.PAUSED

    flow.complete(run_id)
    completed = next(events)
    assert completed.state_type is StateType.COMPLETED
    assert list(events) == []  # the stream ends after a final state


def test_c02_wait_for_resume_blocks_until_resumed_and_returns_the_input(client: Client, flow: Flow) -> None:
    run_id = flow.running_run()
    flow.pause(run_id, NAME_SCHEMA)

    # The waiter is still blocked half a second in; only the resume answers it.
    with ThreadPoolExecutor(max_workers=1) as pool:
        waiting: Future[dict[str, Any]] = pool.submit(client.wait_for_resume, run_id, None, 60)
        with pytest.raises(TimeoutError):
            waiting.result(timeout=0.5)
        assert not waiting.done()
        client.resume_flow_run(run_id, {"name": "Marvin", "age": 42})
        assert waiting.result(timeout=30) == {"name": "Marvin", "age": 42}


def test_c02_wait_for_resume_raises_when_the_run_is_cancelled(client: Client, flow: Flow) -> None:
    run_id = flow.running_run()
    flow.pause(run_id)
    result: list[BaseException] = []
    started = threading.Event()

    def wait() -> None:
        started.set()
        try:
            client.wait_for_resume(run_id, key="1", timeout=60)
        except BaseException as err:
            result.append(err)

    t = threading.Thread(target=wait)
    t.start()
    started.wait()
    client.cancel_flow_run(run_id)
    t.join(30)
    assert len(result) == 1 and isinstance(result[0], FlowRunCancelled)
    assert result[0].flow_run is not None and result[0].flow_run.state_type is StateType.CANCELLED


def test_c02_wait_for_resume_honours_its_timeout(client: Client, flow: Flow) -> None:
    run_id = flow.running_run()
    flow.pause(run_id)
    with pytest.raises(WaitTimeout):
        client.wait_for_resume(run_id, timeout=0.3)
