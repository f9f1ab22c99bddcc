"""Flowgate's Python client: resume, suspend, cancel and watch workflow runs over gRPC.

>>> from flowgate import Client
>>> with Client("127.0.0.1:50051") as client:
...     client.resume_flow_run(run_id, {"name": "Marvin"})

``AsyncClient`` has the same methods on grpc.aio. Generated protobuf code lives in ``flowgate.gen``
and is not part of the public API.
"""

from .aio import AsyncClient
from .client import DEFAULT_ADDRESS, Client
from .errors import (
    FailedPrecondition,
    FlowgateError,
    FlowRunCancelled,
    FlowRunNotFound,
    FlowRunSuspended,
    InvalidArgument,
    InvalidRunInput,
    PauseEnded,
    PauseTimedOut,
    Unavailable,
    WaitTimeout,
)
from .types import FieldError, FlowRun, FlowRunEvent, FlowRunPage, Pause, State, StateDetails, StateType

__all__ = [
    "DEFAULT_ADDRESS",
    "AsyncClient",
    "Client",
    "FailedPrecondition",
    "FieldError",
    "FlowRun",
    "FlowRunCancelled",
    "FlowRunEvent",
    "FlowRunNotFound",
    "FlowRunPage",
    "FlowRunSuspended",
    "FlowgateError",
    "InvalidArgument",
    "InvalidRunInput",
    "Pause",
    "PauseEnded",
    "PauseTimedOut",
    "State",
    "StateDetails",
    "StateType",
    "Unavailable",
    "WaitTimeout",
]
