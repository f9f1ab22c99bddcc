"""Failed calls become typed errors by the ErrorInfo reason in the grpc-status-details-bin trailer,
and by the status code when the reason is absent or unknown. No Flowgate server: the statuses are
built here, and the round trip goes through a gRPC server in this process."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent import futures

import grpc
import grpc.aio
import pytest
from google.protobuf.any_pb2 import Any as AnyPb
from google.protobuf.message import Message
from google.rpc.error_details_pb2 import BadRequest, ErrorInfo
from google.rpc.status_pb2 import Status

import flowgate
from flowgate import (
    AlreadyExistsError,
    AlreadyFinalError,
    AsyncClient,
    Client,
    ConflictError,
    ContentionError,
    DeploymentExistsError,
    DeploymentNotFoundError,
    FieldError,
    FlowgateError,
    FlowPauseTimeout,
    FlowRunInputNotFoundError,
    FlowRunNotFoundError,
    InputKeyExistsError,
    InternalError,
    InvalidArgumentError,
    InvalidRunInputError,
    KeyNotFoundError,
    NotAnApproverError,
    NotFoundError,
    NotPausedError,
    PauseNotFoundError,
    PermissionDeniedError,
    RefusedError,
    ResourceExhaustedError,
    ResumeLinkExpiredError,
    ResumeLinkInvalidError,
    ResumeLinkUsedError,
    SelfApprovalError,
    TaskRunNotFoundError,
    TooManyStreamsError,
    TransitionRefusedError,
    UnauthenticatedError,
    UnavailableError,
    VersionConflictError,
    WebhookNotFoundError,
)
from flowgate.errors import from_rpc_error
from flowgate.gen.flowgate.v1 import errors_pb2
from flowgate.gen.flowgate.v1 import run_service_pb2 as pb
from flowgate.gen.flowgate.v1 import run_service_pb2_grpc as pb_grpc

Code = grpc.StatusCode

# The documented contract: reason → (the code the server sends with it, the class a client raises).
# The HTTP-only reasons never reach a gRPC client; should one arrive, the code decides.
DOCUMENTED: dict[str, tuple[grpc.StatusCode, type[FlowgateError]]] = {
    "FLOW_RUN_NOT_FOUND": (Code.NOT_FOUND, FlowRunNotFoundError),
    "DEPLOYMENT_NOT_FOUND": (Code.NOT_FOUND, DeploymentNotFoundError),
    "TASK_RUN_NOT_FOUND": (Code.NOT_FOUND, TaskRunNotFoundError),
    "FLOW_RUN_INPUT_NOT_FOUND": (Code.NOT_FOUND, FlowRunInputNotFoundError),
    "PAUSE_NOT_FOUND": (Code.NOT_FOUND, PauseNotFoundError),
    "KEY_NOT_FOUND": (Code.NOT_FOUND, KeyNotFoundError),
    "NOT_PAUSED": (Code.FAILED_PRECONDITION, NotPausedError),
    "PAUSE_TIMED_OUT": (Code.FAILED_PRECONDITION, FlowPauseTimeout),
    "ALREADY_FINAL": (Code.FAILED_PRECONDITION, AlreadyFinalError),
    "TRANSITION_REFUSED": (Code.FAILED_PRECONDITION, TransitionRefusedError),
    "INVALID_RUN_INPUT": (Code.INVALID_ARGUMENT, InvalidRunInputError),
    "INVALID_ARGUMENT": (Code.INVALID_ARGUMENT, InvalidArgumentError),
    "VERSION_CONFLICT": (Code.ABORTED, VersionConflictError),
    "CONTENTION": (Code.ABORTED, ContentionError),
    "INPUT_KEY_EXISTS": (Code.ALREADY_EXISTS, InputKeyExistsError),
    "DEPLOYMENT_EXISTS": (Code.ALREADY_EXISTS, DeploymentExistsError),
    "STORE_UNAVAILABLE": (Code.UNAVAILABLE, UnavailableError),
    "UNAUTHENTICATED": (Code.UNAUTHENTICATED, UnauthenticatedError),
    "PERMISSION_DENIED": (Code.PERMISSION_DENIED, PermissionDeniedError),
    "INTERNAL": (Code.INTERNAL, InternalError),
    "NOT_AN_APPROVER": (Code.PERMISSION_DENIED, NotAnApproverError),
    "SELF_APPROVAL": (Code.PERMISSION_DENIED, SelfApprovalError),
    "RESUME_LINK_INVALID": (Code.UNAUTHENTICATED, ResumeLinkInvalidError),
    "RESUME_LINK_USED": (Code.FAILED_PRECONDITION, ResumeLinkUsedError),
    "RESUME_LINK_EXPIRED": (Code.FAILED_PRECONDITION, ResumeLinkExpiredError),
    "WEBHOOK_NOT_FOUND": (Code.NOT_FOUND, WebhookNotFoundError),
    "TOO_MANY_STREAMS": (Code.RESOURCE_EXHAUSTED, TooManyStreamsError),
    "ROUTE_NOT_FOUND": (Code.NOT_FOUND, NotFoundError),
    "METHOD_NOT_ALLOWED": (Code.UNIMPLEMENTED, FlowgateError),
    "PAYLOAD_TOO_LARGE": (Code.RESOURCE_EXHAUSTED, ResourceExhaustedError),
}

# Every reason of the generated enum, so that a reason added to the contract fails here until it is
# given a class (or a documented fallback) above.
REASONS = [
    value.name.removeprefix("ERROR_REASON_")
    for value in errors_pb2.ErrorReason.DESCRIPTOR.values
    if value.number != errors_pb2.ERROR_REASON_UNSPECIFIED
]


def packed(message: Message) -> AnyPb:
    detail = AnyPb()
    detail.Pack(message)
    return detail


def status_details(
    code: grpc.StatusCode, message: str, reason: str | None, violations: list[tuple[str, str]] | None = None
) -> bytes:
    """The grpc-status-details-bin trailer the server sends: google.rpc.Status with ErrorInfo (and BadRequest)."""
    status = Status(code=code.value[0], message=message)
    if reason is not None:
        status.details.append(packed(ErrorInfo(reason=reason, domain="flowgate.dev")))
    if violations:
        fields = [BadRequest.FieldViolation(field=f, description=d) for f, d in violations]
        status.details.append(packed(BadRequest(field_violations=fields)))
    return status.SerializeToString()


def failed_call(code: grpc.StatusCode, message: str, details: bytes | None) -> grpc.aio.AioRpcError:
    trailer = grpc.aio.Metadata(("grpc-status-details-bin", details)) if details is not None else grpc.aio.Metadata()
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), trailer, details=message)


@pytest.mark.parametrize("reason", REASONS)
def test_each_reason_maps_to_its_documented_class(reason: str) -> None:
    assert reason in DOCUMENTED, f"ErrorReason {reason} has no documented Python class"
    code, cls = DOCUMENTED[reason]
    message = f"Flow run 'Grüße' failed: {reason.lower()}."

    err = from_rpc_error(failed_call(code, message, status_details(code, message, reason)))

    assert type(err) is cls
    assert err.reason == reason
    assert err.code == code
    assert err.message == message and str(err) == message


def test_the_reason_alone_decides_whatever_the_code() -> None:
    details = status_details(Code.UNKNOWN, "odd", "FLOW_RUN_NOT_FOUND")
    assert type(from_rpc_error(failed_call(Code.UNKNOWN, "odd", details))) is FlowRunNotFoundError


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (Code.NOT_FOUND, NotFoundError),
        (Code.INVALID_ARGUMENT, InvalidArgumentError),
        (Code.FAILED_PRECONDITION, RefusedError),
        (Code.ALREADY_EXISTS, AlreadyExistsError),
        (Code.ABORTED, ConflictError),
        (Code.UNAVAILABLE, UnavailableError),
        (Code.UNAUTHENTICATED, UnauthenticatedError),
        (Code.PERMISSION_DENIED, PermissionDeniedError),
        (Code.RESOURCE_EXHAUSTED, ResourceExhaustedError),
        (Code.DEADLINE_EXCEEDED, flowgate.WaitTimeout),
        (Code.INTERNAL, FlowgateError),
        (Code.UNKNOWN, FlowgateError),
    ],
)
def test_without_a_known_reason_the_code_decides(code: grpc.StatusCode, cls: type[FlowgateError]) -> None:
    absent = from_rpc_error(failed_call(code, "no details", None))
    unknown = from_rpc_error(failed_call(code, "new", status_details(code, "new", "REASON_FROM_THE_FUTURE")))
    foreign = Status(code=code.value[0], message="elsewhere")
    foreign.details.append(packed(ErrorInfo(reason="FLOW_RUN_NOT_FOUND", domain="example.com")))
    from_elsewhere = from_rpc_error(failed_call(code, "elsewhere", foreign.SerializeToString()))

    assert type(absent) is cls and absent.reason == "" and absent.code == code
    assert type(unknown) is cls and unknown.reason == "REASON_FROM_THE_FUTURE"
    assert type(from_elsewhere) is cls and from_elsewhere.reason == ""


def test_bad_request_becomes_field_errors() -> None:
    message = "Run input is invalid."
    violations = [("name", "must be string"), ("address.city", "darf nicht leer sein — ü")]
    details = status_details(Code.INVALID_ARGUMENT, message, "INVALID_RUN_INPUT", violations)

    err = from_rpc_error(failed_call(Code.INVALID_ARGUMENT, message, details))

    assert isinstance(err, InvalidRunInputError)
    assert err.field_errors == [FieldError(field, description) for field, description in violations]


def test_approval_refusals_are_caught_by_their_parents() -> None:
    assert issubclass(NotAnApproverError, PermissionDeniedError)
    assert issubclass(SelfApprovalError, PermissionDeniedError)
    assert issubclass(ResumeLinkInvalidError, UnauthenticatedError)
    assert issubclass(ResumeLinkUsedError, RefusedError)
    assert issubclass(ResumeLinkExpiredError, RefusedError)
    assert issubclass(WebhookNotFoundError, NotFoundError)
    # RevokeResumeLink answers an unknown id NOT_FOUND with RESUME_LINK_INVALID: the reason decides.
    details = status_details(Code.NOT_FOUND, "No resume link has this id.", "RESUME_LINK_INVALID")
    err = from_rpc_error(failed_call(Code.NOT_FOUND, "No resume link has this id.", details))
    assert type(err) is ResumeLinkInvalidError and err.code == Code.NOT_FOUND


def test_earlier_names_still_catch_the_new_classes() -> None:
    assert flowgate.FlowRunNotFound is FlowRunNotFoundError
    assert flowgate.InvalidRunInput is InvalidRunInputError
    assert flowgate.InvalidArgument is InvalidArgumentError
    assert flowgate.FailedPrecondition is RefusedError
    assert flowgate.Unavailable is UnavailableError
    assert issubclass(NotPausedError, flowgate.FailedPrecondition)
    assert issubclass(InvalidRunInputError, flowgate.InvalidArgument)


class _Refusing(pb_grpc.RunServiceServicer):
    """Every GetFlowRun fails the way the Flowgate server fails an invalid request."""

    details = status_details(
        Code.INVALID_ARGUMENT, "Invalid flow run id.", "INVALID_ARGUMENT", [("flow_run_id", "kein gültiger Schlüssel")]
    )

    def GetFlowRun(self, request: pb.GetFlowRunRequest, context: grpc.ServicerContext) -> pb.GetFlowRunResponse:
        context.set_trailing_metadata((("grpc-status-details-bin", self.details),))
        context.abort(Code.INVALID_ARGUMENT, "Invalid flow run id.")


@pytest.fixture
def refusing_server() -> Iterator[str]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    pb_grpc.add_RunServiceServicer_to_server(_Refusing(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop(grace=None).wait()


def test_a_real_failed_call_maps_in_the_blocking_client(refusing_server: str) -> None:
    with Client(refusing_server) as client, pytest.raises(InvalidArgumentError) as caught:
        client.get_flow_run("x")
    assert caught.value.reason == "INVALID_ARGUMENT"
    assert caught.value.field_errors == [FieldError("flow_run_id", "kein gültiger Schlüssel")]


@pytest.mark.asyncio
async def test_a_real_failed_call_maps_in_the_async_client(refusing_server: str) -> None:
    async with AsyncClient(refusing_server) as client:
        with pytest.raises(InvalidArgumentError) as caught:
            await client.get_flow_run("x")
    assert caught.value.reason == "INVALID_ARGUMENT"
    assert caught.value.field_errors == [FieldError("flow_run_id", "kein gültiger Schlüssel")]
