"""Typed errors, and the one function that maps gRPC status codes to them."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import grpc

from .types import FieldError

if TYPE_CHECKING:
    from .types import FlowRun

#: Trailing metadata key under which the server lists an invalid run input's failing fields as JSON.
FIELD_VIOLATIONS_KEY = "flowgate-field-violations"


class FlowgateError(Exception):
    """Base of every error this client raises.

    ``code`` is the gRPC status code of a failed call, or None for an outcome reported by the
    server without a failed call (a pause that timed out, was cancelled or suspended while waited on).
    ``field_errors`` lists the failing fields of an invalid run input (empty otherwise).
    """

    def __init__(
        self,
        message: str,
        code: grpc.StatusCode | None = None,
        field_errors: list[FieldError] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field_errors: list[FieldError] = list(field_errors or [])


class InvalidArgument(FlowgateError):
    """INVALID_ARGUMENT: a malformed request (the message names the field)."""


class InvalidRunInput(InvalidArgument):
    """INVALID_ARGUMENT with field errors: the run input fails the pause's schema. Nothing changed."""


class FlowRunNotFound(FlowgateError):
    """NOT_FOUND: no such flow run (or pause key)."""


class FailedPrecondition(FlowgateError):
    """FAILED_PRECONDITION: the run is not in a state that allows this, e.g. "Cannot resume a flow run
    that is not paused." (the message says why)."""


class Unavailable(FlowgateError):
    """UNAVAILABLE: the server or its store cannot be reached."""


class WaitTimeout(FlowgateError, TimeoutError):
    """DEADLINE_EXCEEDED: the client-side ``timeout`` of a call or wait passed."""


class PauseEnded(FlowgateError):
    """A waited-on pause ended without a resume. ``flow_run`` is the run as the server reported it."""

    def __init__(self, message: str, flow_run: FlowRun | None, key: str) -> None:
        super().__init__(message)
        self.flow_run = flow_run
        self.key = key


class PauseTimedOut(PauseEnded):
    """The pause expired and the run FAILED."""


class FlowRunCancelled(PauseEnded):
    """The run was cancelled while paused."""


class FlowRunSuspended(PauseEnded):
    """The run was suspended while paused: the waiting process should end."""


_BY_CODE: dict[grpc.StatusCode, type[FlowgateError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgument,
    grpc.StatusCode.NOT_FOUND: FlowRunNotFound,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPrecondition,
    grpc.StatusCode.UNAVAILABLE: Unavailable,
    grpc.StatusCode.DEADLINE_EXCEEDED: WaitTimeout,
}


def from_rpc_error(err: grpc.RpcError) -> FlowgateError:
    """Maps a failed gRPC call (sync or grpc.aio) to the matching FlowgateError."""
    code: grpc.StatusCode | None = err.code() if hasattr(err, "code") else None  # type: ignore[attr-defined]
    details: str = (err.details() if hasattr(err, "details") else None) or str(err)  # type: ignore[attr-defined]
    field_errors = _field_errors(err)
    if code == grpc.StatusCode.INVALID_ARGUMENT and field_errors:
        return InvalidRunInput(details, code, field_errors)
    cls = _BY_CODE.get(code, FlowgateError) if code is not None else FlowgateError
    return cls(details, code, field_errors)


def _field_errors(err: grpc.RpcError) -> list[FieldError]:
    trailing = err.trailing_metadata() if hasattr(err, "trailing_metadata") else None  # type: ignore[attr-defined]
    for key, value in trailing or ():
        if key != FIELD_VIOLATIONS_KEY:
            continue
        try:
            raw = json.loads(value if isinstance(value, str) else value.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return []
        return [
            FieldError(field=str(v.get("field", "")), description=str(v.get("description", "")))
            for v in raw
            if isinstance(v, dict)
        ]
    return []
