"""Run logs from Python: ``client.logs`` writes and reads a run's log (pages, filters, a watch from a
point that goes live and ends with the run), and ``RunLogHandler`` ships ``logging`` records to it."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from flow_side import Flow
from flowgate import Client, FlowRunNotFoundError, InvalidArgumentError, LogLine, RunLogHandler


@pytest.fixture
def client(server_address: str, api_key: str) -> Iterator[Client]:
    with Client(server_address, api_key=api_key) as c:
        yield c


def test_lines_are_numbered_in_order_and_read_back_in_pages_with_filters(client: Client, flow: Flow) -> None:
    run_id = flow.running_run()
    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    result = client.logs.create(
        run_id,
        [
            LogLine("starting", timestamp=t0, logger="orders"),
            LogLine("careful", level="warning", timestamp=t0 + timedelta(seconds=1)),
            LogLine("broken", level=logging.ERROR, timestamp=t0 + timedelta(seconds=2)),
            LogLine("x" * 20_000),
        ],
    )
    assert (result.first_sequence, result.last_sequence, result.clipped_count) == (1, 4, 1)

    page = client.logs.list(run_id, page_size=2)
    assert [(r.sequence, r.message, r.level_name, r.logger) for r in page.logs] == [
        (1, "starting", "INFO", "orders"),
        (2, "careful", "WARNING", ""),
    ]
    assert page.logs[0].timestamp == t0 and page.logs[0].task_run_id is None
    assert page.next_page_token and page.last_sequence == 4

    everything = list(client.logs.iter(run_id, page_size=3))
    assert [r.sequence for r in everything] == [1, 2, 3, 4]
    assert len(everything[3].message) == 16_000 and everything[3].message.endswith("characters cut]")

    assert [r.message for r in client.logs.iter(run_id, min_level="warning")] == ["careful", "broken"]
    assert [
        r.message for r in client.logs.iter(run_id, start=t0 + timedelta(seconds=1), end=t0 + timedelta(seconds=2))
    ] == ["careful"]
    assert [r.sequence for r in client.logs.iter(run_id, newest_first=True)] == [4, 3, 2, 1]
    assert [r.sequence for r in client.logs.list(run_id, after_sequence=2).logs] == [3, 4]


def test_refusals_are_typed(client: Client) -> None:
    with pytest.raises(FlowRunNotFoundError):
        client.logs.list(str(uuid.uuid4()))
    with pytest.raises(FlowRunNotFoundError):
        client.logs.create(str(uuid.uuid4()), [LogLine("x")])
    with pytest.raises(InvalidArgumentError):
        client.logs.list(str(uuid.uuid4()), page_size=5_000)
    with pytest.raises(ValueError):
        client.logs.list(str(uuid.uuid4()), min_level="loud")


def test_watch_sends_what_follows_a_point_then_new_lines_live_and_ends_with_the_run(client: Client, flow: Flow) -> None:
    run_id = flow.running_run()
    client.logs.create(run_id, [LogLine(f"line {i}") for i in range(1, 6)])
    messages = client.logs.watch(run_id, after_sequence=3, timeout=60)
    first = next(messages)
    assert [r.message for r in first.logs] == ["line 4", "line 5"] and first.last_sequence == 5

    client.logs.create(run_id, [LogLine("line 6")])
    live = next(messages)
    assert [(r.sequence, r.message) for r in live.logs] == [(6, "line 6")]

    flow.complete(run_id)
    last = next(messages)
    assert last.run_final and last.last_sequence == 6
    assert list(messages) == []


def test_follow_yields_every_line_until_the_run_ends(client: Client, flow: Flow) -> None:
    run_id = flow.running_run()
    client.logs.create(run_id, [LogLine("before")])
    seen: list[str] = []
    started = threading.Event()

    def read() -> None:
        for line in client.logs.follow(run_id):
            seen.append(line.message)
            started.set()

    reader = threading.Thread(target=read)
    reader.start()
    assert started.wait(30)
    client.logs.create(run_id, [LogLine("during")])
    flow.complete(run_id)
    reader.join(30)
    assert not reader.is_alive()
    assert seen == ["before", "during"]


def test_a_logging_handler_ships_records_with_their_logger_level_time_and_task_run(client: Client, flow: Flow) -> None:
    run_id = flow.running_run()
    handler = RunLogHandler(client, run_id)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger(f"orders.{uuid.uuid4().hex[:6]}")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.addHandler(handler)
    try:
        logger.info("order %s received", 42)
        logger.debug("details")
        try:
            raise RuntimeError("payment declined")
        except RuntimeError:
            logger.exception("could not charge")
        handler.flush()
        stored = list(client.logs.iter(run_id))
    finally:
        logger.removeHandler(handler)
        handler.close()
    assert [(r.level_name, r.logger == logger.name) for r in stored] == [
        ("INFO", True),
        ("DEBUG", True),
        ("ERROR", True),
    ]
    assert stored[0].message == "order 42 received"
    assert stored[2].message.startswith("could not charge\nTraceback (most recent call last):")
    assert "RuntimeError: payment declined" in stored[2].message
    assert handler.sent == 3 and handler.dropped == 0


def test_a_handler_whose_server_is_away_never_blocks_and_counts_what_it_drops(api_key: str) -> None:
    # Nothing listens on port 9: every batch fails UNAVAILABLE. emit() only buffers; the oldest go.
    with Client("127.0.0.1:9", api_key=api_key, timeout=1) as away:
        handler = RunLogHandler(away, str(uuid.uuid4()), max_buffered=100, retry_for=0.5)
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "line %d", (0,), None)
        for i in range(1_000):
            record.args = (i,)
            handler.emit(record)
        handler.close()
    assert handler.sent == 0
    assert handler.dropped == 1_000
