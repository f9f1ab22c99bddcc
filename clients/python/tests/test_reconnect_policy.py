"""How soon a dropped wait is reopened, and which failures are worth it: the TypeScript SDK's rules
(client-sdk/src/runtime/follow-stream.ts), without a server."""

from __future__ import annotations

import grpc
import pytest

from flowgate import _convert as conv
from flowgate._reconnect import (
    BASE_SECONDS,
    MAX_SECONDS,
    NOT_READY_SECONDS,
    STABLE_SECONDS,
    failures_after,
    is_transient,
    next_watch_event,
    reconnect_delay,
)
from flowgate.errors import (
    ContentionError,
    FlowgateError,
    FlowRunNotFoundError,
    InternalError,
    InvalidArgumentError,
    PauseNotFoundError,
    PermissionDeniedError,
    TooManyStreamsError,
    UnauthenticatedError,
    UnavailableError,
)
from flowgate.gen.flowgate.v1 import types_pb2
from flowgate.types import FlowRunEvent

ALMOST_ONE = 1 - 1e-9

#: A connection that failed: UNAVAILABLE from grpc itself, with no reason.
UNREACHABLE = UnavailableError("failed to connect", grpc.StatusCode.UNAVAILABLE)
#: The server answered that it cannot serve yet.
STORE_DOWN = UnavailableError("store unavailable", grpc.StatusCode.UNAVAILABLE, reason="STORE_UNAVAILABLE")
TOO_MANY = TooManyStreamsError("too many streams", grpc.StatusCode.RESOURCE_EXHAUSTED, reason="TOO_MANY_STREAMS")


def test_the_first_wait_is_at_most_the_base_and_can_be_none() -> None:
    assert reconnect_delay(1, UNREACHABLE, lambda: 0.0) == 0.0
    assert reconnect_delay(1, UNREACHABLE, lambda: ALMOST_ONE) == pytest.approx(BASE_SECONDS)


def test_each_failure_in_a_row_doubles_the_ceiling_up_to_the_cap() -> None:
    ceilings = [reconnect_delay(n, UNREACHABLE, lambda: ALMOST_ONE) for n in range(1, 10)]
    assert ceilings[:5] == pytest.approx([0.2, 0.4, 0.8, 1.6, 3.2])
    assert ceilings[-1] == pytest.approx(MAX_SECONDS)
    assert reconnect_delay(10_000, UNREACHABLE, lambda: ALMOST_ONE) == pytest.approx(MAX_SECONDS)
    assert all(0 <= reconnect_delay(n, UNREACHABLE) < MAX_SECONDS for n in range(1, 60))


def test_a_server_that_says_it_cannot_serve_yet_gets_at_least_a_second_of_ceiling() -> None:
    assert reconnect_delay(1, STORE_DOWN, lambda: ALMOST_ONE) == pytest.approx(NOT_READY_SECONDS)
    assert reconnect_delay(1, TOO_MANY, lambda: ALMOST_ONE) == pytest.approx(NOT_READY_SECONDS)
    # A failed connection has no reason: the server said nothing, the base applies.
    assert reconnect_delay(1, UNREACHABLE, lambda: ALMOST_ONE) < NOT_READY_SECONDS
    # The floor never lowers a ceiling that already grew past it.
    assert reconnect_delay(8, STORE_DOWN, lambda: ALMOST_ONE) == pytest.approx(MAX_SECONDS)


def test_a_stream_that_stayed_open_long_enough_starts_the_backoff_afresh() -> None:
    assert failures_after(0, 0.0) == 1
    assert failures_after(6, 0.5) == 7
    assert failures_after(6, STABLE_SECONDS) == 1


@pytest.mark.parametrize(
    "err",
    [
        UNREACHABLE,
        STORE_DOWN,
        TOO_MANY,
        ContentionError("contention", grpc.StatusCode.ABORTED, reason="CONTENTION"),
        FlowgateError("cut by the server", grpc.StatusCode.CANCELLED),
        FlowgateError("deadline", grpc.StatusCode.DEADLINE_EXCEEDED),
    ],
)
def test_a_dropped_or_busy_server_is_worth_a_reconnect(err: FlowgateError) -> None:
    assert is_transient(err)


@pytest.mark.parametrize(
    "err",
    [
        FlowRunNotFoundError("no run", grpc.StatusCode.NOT_FOUND, reason="FLOW_RUN_NOT_FOUND"),
        PauseNotFoundError("no pause", grpc.StatusCode.NOT_FOUND, reason="PAUSE_NOT_FOUND"),
        InvalidArgumentError("bad", grpc.StatusCode.INVALID_ARGUMENT, reason="INVALID_ARGUMENT"),
        PermissionDeniedError("no", grpc.StatusCode.PERMISSION_DENIED, reason="PERMISSION_DENIED"),
        UnauthenticatedError("who", grpc.StatusCode.UNAUTHENTICATED, reason="UNAUTHENTICATED"),
        # What grpc reports for a response this client cannot decode.
        InternalError("Exception deserializing response!", grpc.StatusCode.INTERNAL),
        FlowgateError("a pause outcome, not a failed call"),
    ],
)
def test_a_failure_no_reconnect_can_mend_is_never_retried(err: FlowgateError) -> None:
    assert not is_transient(err)


def _event(version: int, state_type: types_pb2.StateType, *, initial: bool = False) -> FlowRunEvent:
    run = types_pb2.FlowRun(id="r", version=version, state=types_pb2.State(type=state_type))
    return conv.flow_run_event(types_pb2.FlowRunEvent(flow_run=run, initial=initial))


def test_a_reopened_watch_never_yields_a_version_twice_and_continues_from_the_last_one_seen() -> None:
    paused = _event(3, types_pb2.STATE_TYPE_PAUSED, initial=True)
    assert next_watch_event(None, paused) is paused
    # The reopened watch sends the current state first: the same version is skipped.
    assert next_watch_event(paused, _event(3, types_pb2.STATE_TYPE_PAUSED, initial=True)) is None
    assert next_watch_event(paused, _event(2, types_pb2.STATE_TYPE_RUNNING)) is None
    # A newer state is a change from the last state the consumer saw, not a second "initial".
    completed = next_watch_event(paused, _event(5, types_pb2.STATE_TYPE_COMPLETED, initial=True))
    assert completed is not None and not completed.initial
    assert completed.previous_state is paused.flow_run.state
