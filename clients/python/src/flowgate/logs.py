"""Run logs: write a run's log lines and read them back (``client.logs``), and a ``logging`` handler
that ships a Python program's records to a run's log.

>>> import logging
>>> from flowgate import Client, RunLogHandler
>>> with Client() as client:
...     handler = RunLogHandler(client, run_id)
...     logging.getLogger().addHandler(handler)
...     logging.getLogger("orders").warning("3 orders left")
...     handler.close()                                   # flushes what is left
...     for line in client.logs.iter(run_id, min_level="warning"):
...         print(line.sequence, line.level_name, line.message)

Every record of a run has a sequence number (1, 2, 3, … in the order stored). The server keeps
16,000 characters of a message, at most FLOWGATE_LOG_MAX_LINES_PER_RUN lines (100,000) and
FLOWGATE_LOG_MAX_BYTES_PER_RUN bytes (64 MiB) per run (the oldest go first), for
FLOWGATE_LOG_RETENTION_DAYS days (7).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, cast

import grpc

from .errors import FlowgateError, UnavailableError, from_rpc_error
from .gen.flowgate.v1 import log_service_pb2 as pb
from .gen.flowgate.v1 import log_service_pb2_grpc as pb_grpc

if TYPE_CHECKING:
    from .client import Client

__all__ = [
    "CreateLogsResult",
    "LogLine",
    "LogPage",
    "LogWatchMessage",
    "RunLog",
    "RunLogHandler",
    "RunLogs",
]

_NAMES = {"DEBUG": 10, "INFO": 20, "WARN": 30, "WARNING": 30, "ERROR": 40, "CRITICAL": 50, "FATAL": 50}


def _level(level: int | str | None) -> pb.LogLevel:
    """A level as the contract's number: logging's ints as they are (the server rounds others down),
    or a name ("warning", "WARN")."""
    if level is None:
        number: int | None = 0
    elif isinstance(level, int):
        number = level
    else:
        number = _NAMES.get(level.strip().upper())
    if number is None:
        raise ValueError(f"unknown log level {level!r}; use debug, info, warning, error or critical")
    return cast("pb.LogLevel", number)


def _when(ts: Any) -> datetime:
    return ts.ToDatetime(tzinfo=timezone.utc)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class RunLog:
    """A stored record of a run's log."""

    flow_run_id: str
    task_run_id: str | None
    """None for a record of the flow run itself."""
    sequence: int
    level: int
    """logging's number: 10 DEBUG, 20 INFO, 30 WARNING, 40 ERROR, 50 CRITICAL."""
    message: str
    timestamp: datetime
    """When it was logged (the logging process's clock), UTC."""
    logger: str
    created_at: datetime
    """When the server stored it."""

    @property
    def level_name(self) -> str:
        return logging.getLevelName(self.level)


@dataclass(frozen=True)
class LogPage:
    logs: list[RunLog]
    next_page_token: str
    """Empty on the last page. A page may hold fewer records than asked for when the filter skipped many."""
    trimmed_count: int
    """How many of the run's oldest records are no longer stored (per-run cap, retention)."""
    last_sequence: int
    """The run's newest sequence number when the page was read."""


@dataclass(frozen=True)
class LogWatchMessage:
    logs: list[RunLog]
    last_sequence: int
    """Where a new watch would resume (``after_sequence``)."""
    skipped_count: int
    """Records no longer stored that the watch had to skip."""
    run_final: bool
    """The run is final and everything stored was sent; the watch ends."""


@dataclass(frozen=True)
class CreateLogsResult:
    first_sequence: int
    last_sequence: int
    clipped_count: int
    """Messages the server cut to 16,000 characters."""
    trimmed_count: int


@dataclass(frozen=True)
class LogLine:
    """A record to store."""

    message: str
    level: int | str = logging.INFO
    timestamp: datetime | None = None
    """Default: when the server receives it."""
    logger: str = ""
    task_run_id: str | None = None


def _run_log(msg: pb.Log) -> RunLog:
    return RunLog(
        flow_run_id=msg.flow_run_id,
        task_run_id=msg.task_run_id or None,
        sequence=msg.sequence,
        level=int(msg.level) or logging.INFO,
        message=msg.message,
        timestamp=_when(msg.timestamp),
        logger=msg.logger,
        created_at=_when(msg.created_at),
    )


def _record(line: LogLine) -> pb.LogRecord:
    record = pb.LogRecord(
        task_run_id=line.task_run_id or "", level=_level(line.level), message=line.message, logger=line.logger
    )
    if line.timestamp is not None:
        record.timestamp.FromDatetime(line.timestamp)
    return record


class RunLogs:
    """A run's log on the server: ``client.logs``. Every method raises a FlowgateError subclass when
    the call fails (FlowRunNotFoundError for an unknown run, InvalidArgumentError for a bad filter)."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self._stub = pb_grpc.LogServiceStub(client._channel)

    def create(self, run_id: str, lines: Sequence[LogLine], *, request_id: str | None = None) -> CreateLogsResult:
        """Appends 1 to 1,000 lines to a run's log (scope runs:write). A retry with the same
        ``request_id`` is stored once. Raises TaskRunNotFoundError for a task run of another run."""
        req = pb.CreateLogsRequest(
            flow_run_id=run_id, logs=[_record(line) for line in lines], request_id=request_id or str(uuid.uuid4())
        )
        res = self._client._unary(self._stub.CreateLogs, req)
        return CreateLogsResult(res.first_sequence, res.last_sequence, res.clipped_count, res.trimmed_count)

    def list(
        self,
        run_id: str,
        *,
        task_run_id: str | None = None,
        min_level: int | str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
        after_sequence: int = 0,
        newest_first: bool = False,
    ) -> LogPage:
        """One page of a run's records (scope runs:read), oldest first (or ``newest_first``): of one
        task run, at ``min_level`` or above, logged in [start, end), after ``after_sequence``. Pass
        ``next_page_token`` back as ``page_token`` for the next page."""
        req = pb.ListLogsRequest(
            flow_run_id=run_id,
            task_run_id=task_run_id or "",
            min_level=_level(min_level),
            page_size=page_size or 0,
            page_token=page_token or "",
            after_sequence=after_sequence,
            newest_first=newest_first,
        )
        if start is not None:
            req.start_time.FromDatetime(start)
        if end is not None:
            req.end_time.FromDatetime(end)
        res = self._client._unary(self._stub.ListLogs, req)
        return LogPage([_run_log(m) for m in res.logs], res.next_page_token, res.trimmed_count, res.last_sequence)

    def iter(self, run_id: str, **filters: Any) -> Iterator[RunLog]:
        """Every record of the run (with ``list``'s filters), page after page."""
        token: str | None = None
        while True:
            page = self.list(run_id, page_token=token, **filters)
            yield from page.logs
            if not page.next_page_token:
                return
            token = page.next_page_token

    def watch(
        self,
        run_id: str,
        *,
        after_sequence: int = 0,
        min_level: int | str | None = None,
        task_run_id: str | None = None,
        timeout: float | None = None,
    ) -> Iterator[LogWatchMessage]:
        """One WatchLogs stream (scope runs:read): the records after ``after_sequence`` (the first
        message comes at once, empty if there are none), then new ones as they are stored; ends after a
        ``run_final`` message. Closing the iterator cancels the stream. No reconnects: see ``follow``."""
        req = pb.WatchLogsRequest(
            flow_run_id=run_id,
            task_run_id=task_run_id or "",
            min_level=_level(min_level),
            after_sequence=after_sequence,
        )
        call = self._stub.WatchLogs(req, timeout=timeout, metadata=self._client._metadata)
        try:
            for res in call:
                yield LogWatchMessage(
                    [_run_log(m) for m in res.logs], res.last_sequence, res.skipped_count, res.run_final
                )
        except grpc.RpcError as err:
            if err.code() == grpc.StatusCode.CANCELLED:
                return
            raise from_rpc_error(err, self._client._transport) from None
        finally:
            call.cancel()

    def follow(
        self,
        run_id: str,
        *,
        after_sequence: int = 0,
        min_level: int | str | None = None,
        task_run_id: str | None = None,
        reconnect_for: float = 30.0,
    ) -> Iterator[RunLog]:
        """Every record after ``after_sequence``, then new ones live, until the run is final and all were
        yielded. A dropped stream (a server restart) is reopened after the last record seen, for up to
        ``reconnect_for`` seconds of failing attempts, so nothing is missed or repeated."""
        after = after_sequence
        failing_since: float | None = None
        while True:
            try:
                for m in self.watch(run_id, after_sequence=after, min_level=min_level, task_run_id=task_run_id):
                    failing_since = None
                    yield from m.logs
                    after = max(after, m.last_sequence)
                    if m.run_final:
                        return
            except UnavailableError:
                failing_since = failing_since or time.monotonic()
                if time.monotonic() - failing_since > reconnect_for:
                    raise
                time.sleep(0.2)


class RunLogHandler(logging.Handler):
    """A ``logging`` handler that ships records to a run's log on the server, like Prefect's API log
    handler: ``emit`` only appends to a bounded buffer (it never waits on the network); a background
    thread sends batches every ``flush_interval`` seconds or as soon as ``batch_size`` records wait,
    one call at a time, so records are stored in the order they were logged. When ``max_buffered``
    records wait (the server is slower, or away), the oldest are dropped and counted (``dropped``), and
    the count reaches the run's log as a warning with the next batch. ``flush()`` waits (up to
    ``timeout``) for what was logged before it; ``close()`` flushes, then stops the thread.

    Records carry their logger's name, level and time; a record with a ``flowgate_task_run_id``
    attribute (``logger.info("…", extra={"flowgate_task_run_id": id})``) is logged as that task run's,
    others as ``task_run_id``'s (None: the flow run's). Messages are formatted by the handler's
    formatter (tracebacks included).
    """

    def __init__(
        self,
        client: Client,
        flow_run_id: str,
        *,
        task_run_id: str | None = None,
        level: int = logging.NOTSET,
        flush_interval: float = 0.2,
        batch_size: int = 500,
        max_buffered: int = 20_000,
        retry_for: float = 30.0,
    ) -> None:
        super().__init__(level)
        self._logs = RunLogs(client)
        self._run_id = flow_run_id
        self._task_run_id = task_run_id
        self._interval = flush_interval
        self._batch = max(1, min(batch_size, 1_000))
        self._max = max(1, max_buffered)
        self._retry_for = retry_for
        self._queue: deque[LogLine] = deque()
        self._cond = threading.Condition()
        self._logged = 0  # records emitted (dropped ones included)
        self._settled = 0  # records sent or dropped
        self._unreported = 0  # dropped records not yet reported in the run's log
        self._closing = False
        self.dropped = 0
        """Records dropped so far: the buffer was full, or the server refused or never took a batch."""
        self.sent = 0
        """Records the server stored."""
        self._thread = threading.Thread(target=self._run, name=f"flowgate-logs-{flow_run_id[:8]}", daemon=True)
        self._thread.start()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = self.format(record)
        except Exception:  # logging's contract: a handler reports its own failures
            self.handleError(record)
            return
        line = LogLine(
            message=message[:16_000],
            level=record.levelno,
            timestamp=datetime.fromtimestamp(record.created, tz=timezone.utc),
            logger=record.name,
            task_run_id=getattr(record, "flowgate_task_run_id", None) or self._task_run_id,
        )
        with self._cond:
            self._logged += 1
            if len(self._queue) >= self._max:
                self._queue.popleft()  # the oldest goes, as the server's per-run cap drops a run's oldest
                self._dropped(1)
            self._queue.append(line)
            if len(self._queue) >= self._batch:
                self._cond.notify_all()

    def flush(self, timeout: float | None = 10.0) -> None:
        """Waits until every record logged before the call was sent (or given up), at most ``timeout``."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            target = self._logged
            self._cond.notify_all()
            while self._settled < target and self._thread.is_alive():
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return
                self._cond.wait(left)

    def close(self) -> None:
        self.flush()
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join(timeout=5)
        super().close()

    def _dropped(self, n: int) -> None:
        # Called with the lock held.
        self.dropped += n
        self._unreported += n
        self._settled += n
        self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                if not self._queue:
                    if self._closing:
                        return
                    self._cond.wait(self._interval)
                elif len(self._queue) < self._batch and not self._closing:
                    # Let a batch fill for up to one interval; a flush (or a full batch) wakes us early.
                    self._cond.wait(self._interval)
                batch = [self._queue.popleft() for _ in range(min(self._batch, len(self._queue)))]
                unreported, self._unreported = self._unreported, 0
            if not batch:
                continue
            lines = list(batch)
            if unreported:
                lines.insert(
                    0,
                    LogLine(
                        message=f"{unreported:,} log line{'s were' if unreported != 1 else ' was'} dropped before the"
                        f" next one: the log handler's buffer ({self._max:,} records) was full.",
                        level=logging.WARNING,
                        timestamp=batch[0].timestamp,
                        logger="flowgate",
                    ),
                )
            stored = self._send(lines)
            with self._cond:
                if stored:
                    self.sent += len(batch)
                    self._settled += len(batch)
                    self._cond.notify_all()
                else:
                    self._dropped(len(batch))

    def _send(self, lines: list[LogLine]) -> bool:
        request_id = str(uuid.uuid4())
        deadline = time.monotonic() + self._retry_for
        pause = 0.1
        while True:
            try:
                self._logs.create(self._run_id, lines, request_id=request_id)
                return True
            except UnavailableError:
                if time.monotonic() >= deadline or self._closing:
                    return False
                time.sleep(pause)
                pause = min(pause * 2, 2.0)
            except FlowgateError:
                return False
