"""Typed errors, and the one function that maps failed gRPC calls to them.

A failed call carries a ``google.rpc.Status`` in its ``grpc-status-details-bin`` trailer. Its
``google.rpc.ErrorInfo`` names the reason (``FLOW_RUN_NOT_FOUND``, ...), which alone picks the class;
its ``google.rpc.BadRequest`` lists the failing fields. Without a reason this client knows, the
status code picks the parent class (``NotFoundError``, ``RefusedError``, ...), so a reason added to
the server later still lands on a sensible class.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import grpc
import grpc.aio
from google.protobuf.message import DecodeError
from google.rpc.error_details_pb2 import BadRequest, ErrorInfo
from google.rpc.status_pb2 import Status

from .gen.flowgate.v1 import errors_pb2
from .types import FieldError

if TYPE_CHECKING:
    from .types import FlowRun, Rejection

#: The ErrorInfo domain of the reasons this client knows; ErrorInfo from another domain is ignored.
ERROR_DOMAIN = "flowgate.dev"

_STATUS_DETAILS_KEY = "grpc-status-details-bin"


class FlowgateError(Exception):
    """Base of every error this client raises.

    ``message`` is the server's message, verbatim. ``reason`` is the machine-readable reason the server
    gave (``"FLOW_RUN_NOT_FOUND"``, ...; ``""`` when none). ``code`` is the gRPC status code of a failed
    call, or None for an outcome reported by the server without a failed call (a pause that timed
    out, was cancelled or suspended while waited on). ``field_errors`` lists the failing fields of an
    invalid request (empty otherwise).
    """

    def __init__(
        self,
        message: str,
        code: grpc.StatusCode | None = None,
        field_errors: list[FieldError] | None = None,
        *,
        reason: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.reason = reason
        self.field_errors: list[FieldError] = list(field_errors or [])


class NotFoundError(FlowgateError):
    """NOT_FOUND: the thing named does not exist."""


class FlowRunNotFoundError(NotFoundError):
    """FLOW_RUN_NOT_FOUND: no flow run has this id (also the parent run named on create)."""


class DeploymentNotFoundError(NotFoundError):
    """DEPLOYMENT_NOT_FOUND: no deployment has this id or full name."""


class TaskRunNotFoundError(NotFoundError):
    """TASK_RUN_NOT_FOUND: no task run has this id, or no persisted result has this cache key."""


class FlowRunInputNotFoundError(NotFoundError):
    """FLOW_RUN_INPUT_NOT_FOUND: the flow run has no input with this key."""


class PauseNotFoundError(NotFoundError):
    """PAUSE_NOT_FOUND: the flow run never had a pause with this key."""


class KeyNotFoundError(NotFoundError):
    """KEY_NOT_FOUND: no API key has this id."""


class WebhookNotFoundError(NotFoundError):
    """WEBHOOK_NOT_FOUND: no webhook has this id."""


class RefusedError(FlowgateError):
    """FAILED_PRECONDITION: the run is not in a state that allows this (the message says why)."""


class NotPausedError(RefusedError):
    """NOT_PAUSED: "Cannot resume a flow run that is not paused." """


class FlowPauseTimeout(RefusedError):
    """PAUSE_TIMED_OUT: the pause expired before this resume; the run is now FAILED.

    (A pause that expires while ``wait_for_resume`` waits on it raises :class:`PauseTimedOut`.)
    """


class AlreadyFinalError(RefusedError):
    """ALREADY_FINAL: the run or task run is already in a final state."""


class TransitionRefusedError(RefusedError):
    """TRANSITION_REFUSED: the orchestration rules refuse this transition (the message says which)."""


class ResumeLinkUsedError(RefusedError):
    """RESUME_LINK_USED: the resume link was already used for a decision (each link is good for one)."""


class ResumeLinkExpiredError(RefusedError):
    """RESUME_LINK_EXPIRED: the resume link's pause has ended, expired or been replaced by a later pause
    of the run (a re-executed run's pause is a new instance)."""


class InvalidArgumentError(FlowgateError):
    """INVALID_ARGUMENT: a malformed request; ``field_errors`` names the fields."""


class InvalidRunInputError(InvalidArgumentError):
    """INVALID_RUN_INPUT: the run input fails the pause's schema (``field_errors``). Nothing changed."""


class ConflictError(FlowgateError):
    """ABORTED: a concurrent change won; read again and retry."""


class VersionConflictError(ConflictError):
    """VERSION_CONFLICT: the expected version is stale; read the run again."""


class ContentionError(ConflictError):
    """CONTENTION: too many concurrent writers changed the same run; retry."""


class AlreadyExistsError(FlowgateError):
    """ALREADY_EXISTS: the thing to create is already there."""


class InputKeyExistsError(AlreadyExistsError):
    """INPUT_KEY_EXISTS: the flow run already has an input with this key."""


class DeploymentExistsError(AlreadyExistsError):
    """DEPLOYMENT_EXISTS: a deployment with this flow name and name belongs to another principal;
    only it or an admin may change it."""


class UnavailableError(FlowgateError):
    """UNAVAILABLE (STORE_UNAVAILABLE): the server or its store cannot be reached; retry with the same
    request id."""


class ResourceExhaustedError(FlowgateError):
    """RESOURCE_EXHAUSTED: a limit on what callers may hold at once was reached; it clears as others finish."""


class TooManyStreamsError(ResourceExhaustedError):
    """TOO_MANY_STREAMS: the caller (or the whole server) holds as many open streams as the server
    allows (FLOWGATE_MAX_STREAMS_PER_PRINCIPAL, FLOWGATE_MAX_STREAMS); retry later, with backoff."""


class UnauthenticatedError(FlowgateError):
    """UNAUTHENTICATED: no credential, or one that is unknown, expired or revoked."""


class ResumeLinkInvalidError(UnauthenticatedError):
    """RESUME_LINK_INVALID: the resume link's token is unknown or was revoked (also what
    ``revoke_resume_link`` raises for an unknown link id, with NOT_FOUND: the reason decides)."""


class PermissionDeniedError(FlowgateError):
    """PERMISSION_DENIED: the credential lacks the scope this call needs."""


class NotAnApproverError(PermissionDeniedError):
    """NOT_AN_APPROVER: the pause's approval policy names neither the caller nor one of its groups; the
    message names who may approve."""


class SelfApprovalError(PermissionDeniedError):
    """SELF_APPROVAL: the caller paused this run, and its approval policy does not allow self-approval."""


class InternalError(FlowgateError):
    """INTERNAL: an unexpected failure on the server; its log has the details."""


class WaitTimeout(FlowgateError, TimeoutError):
    """DEADLINE_EXCEEDED: the client-side ``timeout`` of a call or wait passed."""


# Earlier names, kept so existing code keeps working.
InvalidArgument = InvalidArgumentError
InvalidRunInput = InvalidRunInputError
FlowRunNotFound = FlowRunNotFoundError
FailedPrecondition = RefusedError
Unavailable = UnavailableError


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


class PauseRejected(PauseEnded):
    """An approver rejected the waited-on pause: a final outcome, never retried.

    ``reason`` is the approver's text ("budget exceeded"; unlike other errors, not a machine-readable
    reason — there was no failed call, ``code`` is None), ``principal`` who rejected (``"alice"``; the
    link's principal for a resume link), ``rejection`` the whole record (who, channel, when, link id).
    An in-process pause's run is RUNNING again: the flow decides what follows (uncaught, the TypeScript
    SDK ends the run FAILED with the message "Rejected by alice: <reason>"); a suspended run is FAILED.
    """

    def __init__(self, message: str, flow_run: FlowRun | None, key: str, rejection: Rejection) -> None:
        super().__init__(message, flow_run, key)
        self.rejection = rejection
        self.reason = rejection.reason
        self.principal = rejection.by.principal


#: The TypeScript SDK's name for the same outcome.
PauseRejectedError = PauseRejected


# Keyed by the generated enum so that a misspelt reason cannot compile into the table.
_BY_REASON_VALUE: dict[int, type[FlowgateError]] = {
    errors_pb2.ERROR_REASON_FLOW_RUN_NOT_FOUND: FlowRunNotFoundError,
    errors_pb2.ERROR_REASON_DEPLOYMENT_NOT_FOUND: DeploymentNotFoundError,
    errors_pb2.ERROR_REASON_TASK_RUN_NOT_FOUND: TaskRunNotFoundError,
    errors_pb2.ERROR_REASON_FLOW_RUN_INPUT_NOT_FOUND: FlowRunInputNotFoundError,
    errors_pb2.ERROR_REASON_PAUSE_NOT_FOUND: PauseNotFoundError,
    errors_pb2.ERROR_REASON_KEY_NOT_FOUND: KeyNotFoundError,
    errors_pb2.ERROR_REASON_WEBHOOK_NOT_FOUND: WebhookNotFoundError,
    errors_pb2.ERROR_REASON_NOT_PAUSED: NotPausedError,
    errors_pb2.ERROR_REASON_PAUSE_TIMED_OUT: FlowPauseTimeout,
    errors_pb2.ERROR_REASON_ALREADY_FINAL: AlreadyFinalError,
    errors_pb2.ERROR_REASON_TRANSITION_REFUSED: TransitionRefusedError,
    errors_pb2.ERROR_REASON_RESUME_LINK_USED: ResumeLinkUsedError,
    errors_pb2.ERROR_REASON_RESUME_LINK_EXPIRED: ResumeLinkExpiredError,
    errors_pb2.ERROR_REASON_INVALID_RUN_INPUT: InvalidRunInputError,
    errors_pb2.ERROR_REASON_INVALID_ARGUMENT: InvalidArgumentError,
    errors_pb2.ERROR_REASON_VERSION_CONFLICT: VersionConflictError,
    errors_pb2.ERROR_REASON_CONTENTION: ContentionError,
    errors_pb2.ERROR_REASON_INPUT_KEY_EXISTS: InputKeyExistsError,
    errors_pb2.ERROR_REASON_DEPLOYMENT_EXISTS: DeploymentExistsError,
    errors_pb2.ERROR_REASON_STORE_UNAVAILABLE: UnavailableError,
    errors_pb2.ERROR_REASON_UNAUTHENTICATED: UnauthenticatedError,
    errors_pb2.ERROR_REASON_RESUME_LINK_INVALID: ResumeLinkInvalidError,
    errors_pb2.ERROR_REASON_PERMISSION_DENIED: PermissionDeniedError,
    errors_pb2.ERROR_REASON_NOT_AN_APPROVER: NotAnApproverError,
    errors_pb2.ERROR_REASON_SELF_APPROVAL: SelfApprovalError,
    errors_pb2.ERROR_REASON_INTERNAL: InternalError,
    errors_pb2.ERROR_REASON_TOO_MANY_STREAMS: TooManyStreamsError,
}
_BY_REASON: dict[str, type[FlowgateError]] = {
    errors_pb2.ErrorReason.Name(value).removeprefix("ERROR_REASON_"): cls for value, cls in _BY_REASON_VALUE.items()
}

_BY_CODE: dict[grpc.StatusCode, type[FlowgateError]] = {
    grpc.StatusCode.NOT_FOUND: NotFoundError,
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgumentError,
    grpc.StatusCode.FAILED_PRECONDITION: RefusedError,
    grpc.StatusCode.ALREADY_EXISTS: AlreadyExistsError,
    grpc.StatusCode.ABORTED: ConflictError,
    grpc.StatusCode.UNAVAILABLE: UnavailableError,
    grpc.StatusCode.UNAUTHENTICATED: UnauthenticatedError,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDeniedError,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhaustedError,
    grpc.StatusCode.DEADLINE_EXCEEDED: WaitTimeout,
}


def from_rpc_error(err: grpc.RpcError, transport: str | None = None) -> FlowgateError:
    """Maps a failed gRPC call (sync or grpc.aio) to the matching FlowgateError. ``transport`` says
    how the client connects; it is added to a failure to connect (UNAVAILABLE without a reason, from
    grpc itself), so that a TLS mismatch says what to change."""
    if not isinstance(err, (grpc.Call, grpc.aio.AioRpcError)):
        return FlowgateError(str(err))
    code = err.code()
    message = err.details() or ""
    reason, field_errors = _status_details(err.trailing_metadata() or ())
    if code == grpc.StatusCode.UNAVAILABLE and not reason and transport:
        message = f"{message.rstrip()}{'' if message.rstrip().endswith('.') else '.'} {transport}"
    cls = _BY_REASON.get(reason) or _BY_CODE.get(code, FlowgateError)
    return cls(message, code, field_errors, reason=reason)


def _status_details(trailer: Iterable[tuple[str, str | bytes]]) -> tuple[str, list[FieldError]]:
    """The ErrorInfo reason ("" when none) and the BadRequest field violations of a call's trailer."""
    status = next((_decode_status(value) for key, value in trailer if key == _STATUS_DETAILS_KEY), None)
    reason = ""
    field_errors: list[FieldError] = []
    for detail in status.details if status is not None else ():
        if detail.Is(ErrorInfo.DESCRIPTOR):
            info = ErrorInfo()
            detail.Unpack(info)
            if info.domain == ERROR_DOMAIN and not reason:
                reason = info.reason
        elif detail.Is(BadRequest.DESCRIPTOR):
            bad_request = BadRequest()
            detail.Unpack(bad_request)
            field_errors += [FieldError(field=v.field, description=v.description) for v in bad_request.field_violations]
    return reason, field_errors


def _decode_status(value: str | bytes) -> Status | None:
    if isinstance(value, str):  # a -bin trailer always arrives as bytes
        return None
    status = Status()
    try:
        status.ParseFromString(value)
    except DecodeError:
        return None
    return status
