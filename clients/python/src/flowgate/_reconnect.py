"""When a dropped stream is worth reopening, and how soon: the rules of the TypeScript SDK's followStream
(client-sdk/src/runtime/follow-stream.ts), shared by the blocking and the asyncio client.

``reconnect_delay`` is the pure rule; ``Reconnects`` keeps one wait's count of failures in a row, its
overall deadline, and tells the caller (``on_reconnect``, and the ``flowgate`` logger at INFO).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Protocol

import grpc

from .errors import ContentionError, FlowgateError, TooManyStreamsError, UnavailableError, WaitTimeout
from .types import FlowRunEvent

#: The ceiling of the first wait (seconds); each failure in a row doubles it.
BASE_SECONDS = 0.2
#: The highest ceiling (seconds): a long outage is retried every 5 s on average.
MAX_SECONDS = 10.0
#: The least ceiling after the server itself said it cannot serve yet (its HTTP API's Retry-After: 1 s).
NOT_READY_SECONDS = 1.0
#: A stream that stayed open this long had recovered: the next failure starts the backoff afresh.
STABLE_SECONDS = 10.0
#: Seconds between WaitForResume heartbeats asked of the server; a wait silent for three is reopened
#: (a half-open connection to a server that vanished shows no error).
HEARTBEAT_SECONDS = 10
IDLE_SECONDS = 3.0 * HEARTBEAT_SECONDS
#: The channels the clients open: grpc's own reconnection backoff (which a wait_for_ready call waits
#: on) capped like ours, instead of its default 120 s.
CHANNEL_OPTIONS: list[tuple[str, int]] = [("grpc.max_reconnect_backoff_ms", int(MAX_SECONDS * 1000))]

#: Called before each reopening with the failures in a row so far, the last one, and the wait (seconds).
OnReconnect = Callable[[int, FlowgateError, float], None]

_TRANSIENT_CODES = frozenset(
    {grpc.StatusCode.CANCELLED, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.UNAVAILABLE}
)

log = logging.getLogger("flowgate")


def is_transient(err: FlowgateError) -> bool:
    """Worth reopening: the server was unreachable, went away mid-call or was too busy (CONTENTION,
    TOO_MANY_STREAMS). Everything else — a run or pause that does not exist, invalid input, a refused
    call, a missing or refused credential, an INTERNAL failure such as a response this client cannot
    decode — fails the same way again."""
    if isinstance(err, (UnavailableError, ContentionError, TooManyStreamsError)):
        return True
    return err.code in _TRANSIENT_CODES


def says_not_ready(err: FlowgateError) -> bool:
    """The server itself answered that it cannot serve now (a reason comes from the server; a
    connection that failed has none)."""
    return bool(err.reason) and err.code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED)


def reconnect_delay(failures: int, cause: FlowgateError, rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait before reopening after ``failures`` failures in a row (1 for the first), the last
    being ``cause``: a random wait between 0 and a ceiling that doubles from BASE_SECONDS up to
    MAX_SECONDS ("full jitter": clients dropped together do not come back together); at least
    NOT_READY_SECONDS of ceiling when the server said it cannot serve yet. ``rand`` returns [0, 1)."""
    exponent = min(max(failures - 1, 0), 30)
    ceiling = min(MAX_SECONDS, BASE_SECONDS * 2.0**exponent)
    if says_not_ready(cause):
        ceiling = max(ceiling, min(NOT_READY_SECONDS, MAX_SECONDS))
    return rand() * ceiling


def failures_after(failures: int, open_seconds: float) -> int:
    """The failures in a row once one more stream failed after ``open_seconds`` open: a stream that
    stayed open STABLE_SECONDS had recovered, so its failure counts as the first again."""
    return 1 if open_seconds >= STABLE_SECONDS else failures + 1


class Reconnects:
    """One wait's reopenings: ``opened()`` before each attempt, ``failed(err)`` after one; ``failed``
    raises what must not be retried (or WaitTimeout once the overall deadline passed) and otherwise
    returns how long to sleep."""

    def __init__(self, what: str, timeout: float | None, on_reconnect: OnReconnect | None) -> None:
        self._what = what
        self._deadline = None if timeout is None else time.monotonic() + timeout
        self._on_reconnect = on_reconnect
        self._failures = 0
        self._opened = time.monotonic()
        self._last: FlowgateError | None = None

    @property
    def wait_for_ready(self) -> bool:
        """Whether the next attempt waits for the channel to be ready: every reopening does (a restarting
        server is waited for, not hammered); the first attempt fails fast, so that a client that cannot
        reach its server at all (a wrong address, TLS to a plaintext server) says so through
        ``on_reconnect`` and the log at once, and in the WaitTimeout it raises, instead of waiting silently."""
        return self._failures > 0

    def remaining(self) -> float | None:
        """Seconds left of the overall timeout (None: no timeout); raises WaitTimeout once none are."""
        if self._deadline is None:
            return None
        left = self._deadline - time.monotonic()
        if left <= 0:
            last = f"; the last failure: {self._last}" if self._last is not None else ""
            raise WaitTimeout(f"{self._what}: the timeout passed{last}", grpc.StatusCode.DEADLINE_EXCEEDED)
        return left

    def opened(self) -> float | None:
        """Marks an attempt's start; returns its deadline in seconds (the rest of the overall timeout)."""
        left = self.remaining()
        self._opened = time.monotonic()
        return left

    def failed(self, err: FlowgateError) -> float:
        """The wait before the next attempt after ``err``; raises ``err`` when no reopening can mend it."""
        self.remaining()  # a DEADLINE_EXCEEDED of the last attempt is the overall timeout: WaitTimeout
        if not is_transient(err):
            raise err
        if err.code != grpc.StatusCode.DEADLINE_EXCEEDED:
            self._last = err
        self._failures = failures_after(self._failures, time.monotonic() - self._opened)
        delay = reconnect_delay(self._failures, err)
        left = self.remaining()
        if left is not None:
            delay = min(delay, left)
        log.info("%s: reconnecting in %.2f s (attempt %d): %s", self._what, delay, self._failures, err)
        if self._on_reconnect is not None:
            self._on_reconnect(self._failures, err, delay)
        return delay


def ended(what: str) -> FlowgateError:
    """A stream that ended without its final event: reopened like a dropped one."""
    return UnavailableError(f"{what}: the stream ended; reopening it", grpc.StatusCode.UNAVAILABLE)


def fell_silent(what: str) -> FlowgateError:
    """A stream that delivered nothing for IDLE_SECONDS: reopened like a dropped one."""
    return UnavailableError(f"{what}: the stream fell silent; reopening it", grpc.StatusCode.UNAVAILABLE)


def next_watch_event(last: FlowRunEvent | None, event: FlowRunEvent) -> FlowRunEvent | None:
    """What a reconnecting watch yields for ``event`` after ``last``: None for a version already yielded
    (each reopened watch sends the current state first), so a consumer never sees a version twice or
    out of order; a reopened watch's first event becomes a change from the last state the consumer saw
    (changes made while the stream was down are folded into it)."""
    if last is None:
        return event
    if event.flow_run.version <= last.flow_run.version:
        return None
    if event.initial:
        return replace(event, initial=False, previous_state=last.flow_run.state)
    return event


def watch_is_over(last: FlowRunEvent | None) -> bool:
    """A watch whose last event was a final state is done (the server ends the stream there)."""
    state_type = last.flow_run.state_type if last is not None else None
    return state_type is not None and state_type.is_final


class _Cancellable(Protocol):
    def cancel(self) -> bool: ...


class IdleTimer:
    """For the blocking client: cancels a call that delivered nothing for IDLE_SECONDS; ``fired`` then
    tells its CANCELLED apart from one the server sent."""

    def __init__(self, call: _Cancellable) -> None:
        self._call = call
        self._timer: threading.Timer | None = None
        self.fired = False
        self.rearm()

    def _fire(self) -> None:
        self.fired = True
        self._call.cancel()

    def rearm(self) -> None:
        self.stop()
        self._timer = threading.Timer(IDLE_SECONDS, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
