"""Conversions between the generated protobuf messages and the public dataclasses. Only this module,
the two clients and the error mapping touch generated code."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from google.protobuf import struct_pb2, timestamp_pb2

from .gen.flowgate.v1 import audit_service_pb2 as audit_pb
from .gen.flowgate.v1 import key_service_pb2 as keys_pb
from .gen.flowgate.v1 import run_service_pb2 as pb
from .gen.flowgate.v1 import types_pb2
from .types import (
    Actor,
    Approval,
    ApprovalPolicy,
    AuditChainVerdict,
    AuditEvent,
    AuditEventPage,
    AuditState,
    Caller,
    FlowRun,
    FlowRunEvent,
    FlowRunPage,
    Pause,
    PauseResult,
    Rejection,
    ResumedInput,
    ResumeLink,
    ResumeLinkInfo,
    ResumeLinks,
    ResumeResult,
    State,
    StateDetails,
    StateType,
    TimeoutAction,
    TimeoutPolicy,
)

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


def actor(msg: types_pb2.Actor) -> Actor:
    return Actor(principal=msg.principal, channel=msg.channel)


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
        by=actor(msg.by) if msg.HasField("by") else None,
    )


def approval(msg: types_pb2.Approval) -> Approval:
    return Approval(by=actor(msg.by), at=_time(msg, "at"), input=_opt_struct(msg, "input"), link_id=msg.link_id)


def rejection(msg: types_pb2.Rejection) -> Rejection:
    return Rejection(by=actor(msg.by), at=_time(msg, "at"), reason=msg.reason, link_id=msg.link_id)


def _approval_policy(msg: types_pb2.ApprovalPolicy) -> ApprovalPolicy:
    links = None
    if msg.links != types_pb2.RESUME_LINKS_UNSPECIFIED:
        links = ResumeLinks(types_pb2.ResumeLinks.Name(msg.links).removeprefix("RESUME_LINKS_"))
    return ApprovalPolicy(
        approvers=tuple(msg.approvers),
        required=msg.required or 1,
        allow_self_approval=msg.allow_self_approval,
        links=links,
    )


def _timeout_policy(msg: types_pb2.TimeoutPolicy) -> TimeoutPolicy:
    action = TimeoutAction.RESUME if msg.action == types_pb2.TIMEOUT_ACTION_RESUME else TimeoutAction.FAIL
    return TimeoutPolicy(
        action=action, input=_opt_struct(msg, "input"), remind_after_seconds=msg.remind_after_seconds or None
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
        approval=_approval_policy(msg.approval) if msg.HasField("approval") else None,
        approvals=[approval(a) for a in msg.approvals],
        paused_by=msg.paused_by,
        instance_id=msg.instance_id,
        on_timeout=_timeout_policy(msg.on_timeout) if msg.HasField("on_timeout") else None,
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


def _run_fields(msg: types_pb2.FlowRun) -> dict[str, Any]:
    run = flow_run(msg)
    return {name: getattr(run, name) for name in FlowRun.__dataclass_fields__}


def pause_result(msg: pb.PauseFlowRunResponse | pb.SuspendFlowRunResponse) -> PauseResult:
    return PauseResult(
        **_run_fields(msg.flow_run),
        links=[resume_link(link) for link in msg.links],
        already_fired=msg.already_fired,
        run_input=_opt_struct(msg, "run_input"),
    )


def resume_result(msg: pb.ResumeFlowRunResponse) -> ResumeResult:
    return ResumeResult(**_run_fields(msg.flow_run), resumed=msg.resumed)


def resume_link(msg: types_pb2.ResumeLink) -> ResumeLink:
    return ResumeLink(id=msg.id, approver=msg.approver, url=msg.url, token=msg.token)


def resume_link_info(msg: pb.ResumeLinkInfo) -> ResumeLinkInfo:
    return ResumeLinkInfo(
        id=msg.id,
        flow_run_id=msg.flow_run_id,
        pause_key=msg.pause_key,
        pause_instance_id=msg.pause_instance_id,
        approver=msg.approver,
        created_at=_time(msg, "created_at"),
        used_at=_time(msg, "used_at"),
        revoked_at=_time(msg, "revoked_at"),
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
    awaiting_me: bool = False,
) -> pb.ListFlowRunsRequest:
    return pb.ListFlowRunsRequest(
        state_types=[state_type_to_pb(t) for t in state_types or []],  # type: ignore[misc]
        flow_name=flow_name or "",
        deployment_id=deployment_id or "",
        parent_flow_run_id=parent_flow_run_id or "",
        page_size=page_size or 0,
        page_token=page_token or "",
        awaiting_me=awaiting_me,
    )


def _enum_name(value: enum.Enum | str, what: str, allowed: type[enum.Enum]) -> str:
    name = value.value if isinstance(value, enum.Enum) else str(value).upper()
    if name not in allowed.__members__:
        choices = ", ".join(m.lower() for m in allowed.__members__)
        raise ValueError(f"{what} must be one of {choices}, not {value!r}")
    return str(name)


def approval_policy_to_pb(policy: ApprovalPolicy) -> types_pb2.ApprovalPolicy:
    links = "UNSPECIFIED" if policy.links is None else _enum_name(policy.links, "approval links", ResumeLinks)
    return types_pb2.ApprovalPolicy(
        approvers=list(policy.approvers),
        required=policy.required,
        allow_self_approval=policy.allow_self_approval,
        links=f"RESUME_LINKS_{links}",
    )


def timeout_policy_to_pb(policy: TimeoutPolicy) -> types_pb2.TimeoutPolicy:
    action = _enum_name(policy.action, "timeout action", TimeoutAction)
    msg = types_pb2.TimeoutPolicy(
        action=f"TIMEOUT_ACTION_{action}", remind_after_seconds=int(policy.remind_after_seconds or 0)
    )
    struct = input_to_struct(policy.input)
    if struct is not None:
        msg.input.CopyFrom(struct)
    return msg


@dataclass(frozen=True)
class PauseOptions:
    """What pause_flow_run and suspend_flow_run share (their requests have the same fields)."""

    key: str | None
    timeout: float | None
    no_timeout: bool
    input_schema: Mapping[str, Any] | None
    input_description: str | None
    input_initial: Mapping[str, Any] | None
    approval: ApprovalPolicy | None
    on_timeout: TimeoutPolicy | None
    request_id: str | None


def _fill_pause(req: pb.PauseFlowRunRequest | pb.SuspendFlowRunRequest, o: PauseOptions) -> None:
    req.key = o.key or ""
    req.no_timeout = o.no_timeout
    req.input_description = o.input_description or ""
    req.request_id = request_id(o.request_id)
    if o.timeout is not None:
        req.timeout_seconds = int(o.timeout)
    if o.input_schema is not None:
        req.input_schema.update(dict(o.input_schema))
    if o.input_initial is not None:
        req.input_initial.update(dict(o.input_initial))
    if o.approval is not None:
        req.approval.CopyFrom(approval_policy_to_pb(o.approval))
    if o.on_timeout is not None:
        req.on_timeout.CopyFrom(timeout_policy_to_pb(o.on_timeout))


def pause_request(run_id: str, reschedule: bool, options: PauseOptions) -> pb.PauseFlowRunRequest:
    req = pb.PauseFlowRunRequest(flow_run_id=run_id, reschedule=reschedule)
    _fill_pause(req, options)
    return req


def suspend_request(run_id: str, options: PauseOptions) -> pb.SuspendFlowRunRequest:
    req = pb.SuspendFlowRunRequest(flow_run_id=run_id)
    _fill_pause(req, options)
    return req


def resume_request(
    run_id: str, run_input: Any, req_id: str | None, resume_token: str | None
) -> pb.ResumeFlowRunRequest:
    req = pb.ResumeFlowRunRequest(flow_run_id=run_id, request_id=request_id(req_id), resume_token=resume_token or "")
    struct = input_to_struct(run_input)
    if struct is not None:
        req.run_input.CopyFrom(struct)
    return req


def reject_request(run_id: str, reason: str, req_id: str | None, resume_token: str | None) -> pb.RejectFlowRunRequest:
    return pb.RejectFlowRunRequest(
        flow_run_id=run_id, reason=reason, request_id=request_id(req_id), resume_token=resume_token or ""
    )


class WaitOutcome:
    """What one WaitForResume message means: keep waiting, or a final outcome."""

    HEARTBEAT = pb.WAIT_EVENT_TYPE_HEARTBEAT
    RESUMED = pb.WAIT_EVENT_TYPE_RESUMED
    TIMED_OUT = pb.WAIT_EVENT_TYPE_TIMED_OUT
    CANCELLED = pb.WAIT_EVENT_TYPE_CANCELLED
    SUSPENDED = pb.WAIT_EVENT_TYPE_SUSPENDED
    REJECTED = pb.WAIT_EVENT_TYPE_REJECTED


def wait_result(msg: pb.WaitForResumeResponse) -> ResumedInput | None:
    """None to keep waiting (heartbeat); the input ({} when none) with the approvals on RESUMED; raises
    otherwise (REJECTED: PauseRejected)."""
    from .errors import FlowRunCancelled, FlowRunSuspended, PauseRejected, PauseTimedOut

    run = flow_run(msg.flow_run) if msg.HasField("flow_run") else None
    if msg.type == WaitOutcome.RESUMED:
        values = struct_to_dict(msg.run_input) if msg.HasField("run_input") else {}
        return ResumedInput(values, approvals=[approval(a) for a in msg.approvals], key=msg.key, flow_run=run)
    if msg.type == WaitOutcome.REJECTED:
        r = rejection(msg.rejection)
        said = f": {r.reason}" if r.reason else ""
        raise PauseRejected(f"Rejected by {r.by.principal}{said}", run, msg.key, r)
    if msg.type == WaitOutcome.TIMED_OUT:
        raise PauseTimedOut(f"pause {msg.key!r} timed out; the run failed", run, msg.key)
    if msg.type == WaitOutcome.CANCELLED:
        raise FlowRunCancelled(f"the run was cancelled while paused ({msg.key!r})", run, msg.key)
    if msg.type == WaitOutcome.SUSPENDED:
        raise FlowRunSuspended(f"the run was suspended while paused ({msg.key!r})", run, msg.key)
    return None


def caller(msg: keys_pb.GetCallerResponse) -> Caller:
    return Caller(name=msg.name, key_id=msg.key_id, groups=list(msg.groups), scopes=list(msg.scopes), ui_url=msg.ui_url)


def _audit_state(msg: audit_pb.AuditState) -> AuditState:
    return AuditState(id=msg.id, type=state_type(msg.type), name=msg.name)


def audit_event(msg: audit_pb.AuditEvent) -> AuditEvent:
    return AuditEvent(
        sequence=msg.sequence,
        id=msg.id,
        time=_time(msg, "time"),
        principal=msg.principal,
        key_id=msg.key_id,
        channel=msg.channel,
        call=msg.call,
        call_id=msg.call_id,
        request_id=msg.request_id,
        flow_run_id=msg.flow_run_id,
        pause_key=msg.pause_key,
        state_before=_audit_state(msg.state_before) if msg.HasField("state_before") else None,
        state_after=_audit_state(msg.state_after) if msg.HasField("state_after") else None,
        input=_opt_struct(msg, "input"),
        input_sha256=msg.input_sha256,
        subject=msg.subject,
        prev_hash=msg.prev_hash,
        hash=msg.hash,
    )


def audit_event_page(msg: audit_pb.ListAuditEventsResponse) -> AuditEventPage:
    return AuditEventPage(events=[audit_event(e) for e in msg.events], next_page_token=msg.next_page_token)


def audit_request(
    flow_run_id: str | None,
    principal: str | None,
    start: datetime | None,
    end: datetime | None,
    page_size: int | None,
    page_token: str | None,
) -> audit_pb.ListAuditEventsRequest:
    req = audit_pb.ListAuditEventsRequest(
        flow_run_id=flow_run_id or "", principal=principal or "", page_size=page_size or 0, page_token=page_token or ""
    )
    if start is not None:
        req.start_time.FromDatetime(start)
    if end is not None:
        req.end_time.FromDatetime(end)
    return req


def audit_chain_verdict(msg: audit_pb.VerifyAuditChainResponse) -> AuditChainVerdict:
    return AuditChainVerdict(
        intact=msg.intact,
        checked=msg.checked,
        broken_sequence=msg.broken_sequence,
        broken_id=msg.broken_id,
        problem=msg.problem,
    )
