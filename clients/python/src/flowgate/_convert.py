"""Conversions between the generated protobuf messages and the public dataclasses. Only this module,
the two clients and the error mapping touch generated code."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from google.protobuf import struct_pb2, timestamp_pb2

from .gen.flowgate.v1 import run_service_pb2 as pb
from .gen.flowgate.v1 import types_pb2
from .types import FlowRun, FlowRunEvent, FlowRunPage, Pause, State, StateDetails, StateType

RunInput = Mapping[str, Any]


def request_id(given: str | None) -> str:
    """The request id of a mutating call: the caller's, or a fresh one (retries then stay safe)."""
    return given if given else str(uuid.uuid4())


def input_to_struct(run_input: Any) -> struct_pb2.Struct | None:
    """A dict, a pydantic model (anything with ``model_dump``) or None, as a Struct."""
    if run_input is None:
        return None
    if hasattr(run_input, "model_dump"):  # pydantic v2, without importing it
        run_input = run_input.model_dump(mode="json")
    elif hasattr(run_input, "dict") and hasattr(run_input, "__fields__"):  # pydantic v1
        run_input = run_input.dict()
    if not isinstance(run_input, Mapping):
        raise TypeError(f"run_input must be a dict or a pydantic model, not {type(run_input).__name__}")
    struct = struct_pb2.Struct()
    struct.update(dict(run_input))
    return struct


def _value(v: struct_pb2.Value) -> Any:
    kind = v.WhichOneof("kind")
    if kind == "struct_value":
        return struct_to_dict(v.struct_value)
    if kind == "list_value":
        return [_value(x) for x in v.list_value.values]
    if kind == "number_value":
        n = v.number_value
        # JSON has one number type; integral values come back as int, as json.loads would give.
        return int(n) if n.is_integer() and abs(n) < 2**53 else n
    if kind == "string_value":
        return v.string_value
    if kind == "bool_value":
        return v.bool_value
    return None


def struct_to_dict(s: struct_pb2.Struct) -> dict[str, Any]:
    return {k: _value(v) for k, v in s.fields.items()}


def _opt_struct(msg: Any, name: str) -> dict[str, Any] | None:
    return struct_to_dict(getattr(msg, name)) if msg.HasField(name) else None


def _time(msg: Any, name: str) -> datetime | None:
    if not msg.HasField(name):
        return None
    ts: timestamp_pb2.Timestamp = getattr(msg, name)
    return ts.ToDatetime(tzinfo=timezone.utc)


def state_type(value: int) -> StateType | None:
    if value == types_pb2.STATE_TYPE_UNSPECIFIED:
        return None
    return StateType(types_pb2.StateType.Name(value).removeprefix("STATE_TYPE_"))


def state_type_to_pb(value: StateType | str) -> int:
    name = value.value if isinstance(value, StateType) else str(value).upper()
    return types_pb2.StateType.Value(f"STATE_TYPE_{name}")


def state(msg: types_pb2.State) -> State:
    d = msg.details
    return State(
        id=msg.id,
        type=state_type(msg.type),
        name=msg.name,
        message=msg.message,
        timestamp=_time(msg, "timestamp"),
        details=StateDetails(
            pause_key=d.pause_key,
            pause_expires_at=_time(d, "pause_expires_at"),
            pause_reschedule=d.pause_reschedule,
            run_input_keyset=d.run_input_keyset,
            deployment_id=d.deployment_id,
        ),
    )


def pause(msg: types_pb2.Pause) -> Pause:
    return Pause(
        key=msg.key,
        reschedule=msg.reschedule,
        expires_at=_time(msg, "expires_at"),
        input_schema=_opt_struct(msg, "input_schema"),
        input_description=msg.input_description,
        input_initial=_opt_struct(msg, "input_initial"),
        created_at=_time(msg, "created_at"),
    )


def flow_run(msg: types_pb2.FlowRun) -> FlowRun:
    return FlowRun(
        id=msg.id,
        name=msg.name,
        flow_name=msg.flow_name,
        deployment_id=msg.deployment_id,
        parent_flow_run_id=msg.parent_flow_run_id,
        parent_task_run_id=msg.parent_task_run_id,
        parameters=struct_to_dict(msg.parameters),
        state=state(msg.state) if msg.HasField("state") else None,
        version=msg.version,
        run_count=msg.run_count,
        created_at=_time(msg, "created_at"),
        updated_at=_time(msg, "updated_at"),
        pause=pause(msg.pause) if msg.HasField("pause") else None,
        labels=dict(msg.labels),
    )


def flow_run_event(msg: types_pb2.FlowRunEvent) -> FlowRunEvent:
    return FlowRunEvent(
        flow_run=flow_run(msg.flow_run),
        previous_state=state(msg.previous_state) if msg.HasField("previous_state") else None,
        initial=msg.initial,
    )


def flow_run_page(msg: pb.ListFlowRunsResponse) -> FlowRunPage:
    return FlowRunPage(flow_runs=[flow_run(r) for r in msg.flow_runs], next_page_token=msg.next_page_token)


def list_request(
    state_types: list[StateType | str] | None,
    flow_name: str | None,
    deployment_id: str | None,
    parent_flow_run_id: str | None,
    page_size: int | None,
    page_token: str | None,
) -> pb.ListFlowRunsRequest:
    return pb.ListFlowRunsRequest(
        state_types=[state_type_to_pb(t) for t in state_types or []],  # type: ignore[misc]
        flow_name=flow_name or "",
        deployment_id=deployment_id or "",
        parent_flow_run_id=parent_flow_run_id or "",
        page_size=page_size or 0,
        page_token=page_token or "",
    )


def suspend_request(
    run_id: str,
    key: str | None,
    timeout: float | None,
    no_timeout: bool,
    input_schema: Mapping[str, Any] | None,
    input_description: str | None,
    req_id: str | None,
) -> pb.SuspendFlowRunRequest:
    req = pb.SuspendFlowRunRequest(
        flow_run_id=run_id,
        key=key or "",
        no_timeout=no_timeout,
        input_description=input_description or "",
        request_id=request_id(req_id),
    )
    if timeout is not None:
        req.timeout_seconds = int(timeout)
    if input_schema is not None:
        req.input_schema.update(dict(input_schema))
    return req


class WaitOutcome:
    """What one WaitForResume message means: keep waiting, or a final outcome."""

    HEARTBEAT = pb.WAIT_EVENT_TYPE_HEARTBEAT
    RESUMED = pb.WAIT_EVENT_TYPE_RESUMED
    TIMED_OUT = pb.WAIT_EVENT_TYPE_TIMED_OUT
    CANCELLED = pb.WAIT_EVENT_TYPE_CANCELLED
    SUSPENDED = pb.WAIT_EVENT_TYPE_SUSPENDED


def wait_result(msg: pb.WaitForResumeResponse) -> dict[str, Any] | None:
    """None to keep waiting (heartbeat); the input ({} when none) on RESUMED; raises otherwise."""
    from .errors import FlowRunCancelled, FlowRunSuspended, PauseTimedOut

    if msg.type == WaitOutcome.RESUMED:
        return struct_to_dict(msg.run_input) if msg.HasField("run_input") else {}
    run = flow_run(msg.flow_run) if msg.HasField("flow_run") else None
    if msg.type == WaitOutcome.TIMED_OUT:
        raise PauseTimedOut(f"pause {msg.key!r} timed out; the run failed", run, msg.key)
    if msg.type == WaitOutcome.CANCELLED:
        raise FlowRunCancelled(f"the run was cancelled while paused ({msg.key!r})", run, msg.key)
    if msg.type == WaitOutcome.SUSPENDED:
        raise FlowRunSuspended(f"the run was suspended while paused ({msg.key!r})", run, msg.key)
    return None
