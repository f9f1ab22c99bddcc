"""The client's public result types: plain dataclasses, never protobuf messages."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class StateType(str, enum.Enum):
    """The kind of a state, following Prefect's state types."""

    SCHEDULED = "SCHEDULED"
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    CRASHED = "CRASHED"
    CANCELLING = "CANCELLING"

    @property
    def is_final(self) -> bool:
        return self in _FINAL


_FINAL = frozenset({StateType.COMPLETED, StateType.FAILED, StateType.CANCELLED, StateType.CRASHED})


@dataclass(frozen=True)
class StateDetails:
    """Details some states carry. A "Suspended" state is PAUSED with ``pause_reschedule``."""

    pause_key: str = ""
    pause_expires_at: datetime | None = None
    pause_reschedule: bool = False
    run_input_keyset: str = ""
    deployment_id: str = ""


@dataclass(frozen=True)
class Actor:
    """Who caused something: a principal (``"alice"``; ``"link"`` for a shared resume link, ``"timeout"``
    for a timeout that resumed) and the channel its call came through (``"python"``, ``"link"``, ...)."""

    principal: str
    channel: str


@dataclass(frozen=True)
class State:
    """One state of a flow run."""

    id: str
    type: StateType | None
    name: str
    message: str
    timestamp: datetime | None
    details: StateDetails = field(default_factory=StateDetails)
    #: Who made the run enter this state; None for states stored before it was recorded.
    by: Actor | None = None


class ResumeLinks(str, enum.Enum):
    """Which single-use resume links a pause hands out."""

    #: One link per principal named in ``approvers`` (group entries get none); it acts as that principal.
    PER_APPROVER = "PER_APPROVER"
    #: One link for anyone holding it; its approval is recorded as principal ``"link"``.
    SHARED = "SHARED"


class TimeoutAction(str, enum.Enum):
    """What a pause's timeout does."""

    #: The run fails ("paused and never resumed"), as Prefect does; the default.
    FAIL = "FAIL"
    #: The run resumes with the policy's ``input``, as if approved by the principal ``"timeout"``.
    RESUME = "RESUME"


@dataclass(frozen=True)
class ApprovalPolicy:
    """Who may resume (or reject) a pause, and how many must agree; enforced by the server on every path.

    ``approvers``: principal names (``"alice"``) and groups (``"group:finance"``); empty: anyone holding
    ``runs:resume``. ``required``: how many distinct approvers must approve (1 to 20). ``allow_self_approval``:
    whether the principal that paused the run may decide. ``links``: resume links to hand out
    (``ResumeLinks.PER_APPROVER`` or ``"per_approver"``, ``ResumeLinks.SHARED`` or ``"shared"``), returned
    by ``pause_flow_run`` / ``suspend_flow_run`` in ``links``.
    """

    approvers: Sequence[str] = ()
    required: int = 1
    allow_self_approval: bool = False
    links: ResumeLinks | str | None = None


@dataclass(frozen=True)
class TimeoutPolicy:
    """What a pause's timeout does: ``action`` ``"fail"`` (default) or ``"resume"`` with ``input`` (a dict or a
    pydantic model, validated against the pause's schema when the pause is made). ``remind_after_seconds``:
    when one ``reminder`` webhook event is sent if the pause still waits (before the expiry)."""

    action: TimeoutAction | str = TimeoutAction.FAIL
    input: Mapping[str, Any] | Any | None = None
    remind_after_seconds: int | None = None


@dataclass(frozen=True)
class Approval:
    """One approver's yes: who, when, with which input; ``link_id`` when it came through a resume link."""

    by: Actor
    at: datetime | None
    input: dict[str, Any] | None
    link_id: str = ""


@dataclass(frozen=True)
class Rejection:
    """The one no that ended a pause: who, when and why; ``link_id`` when it came through a resume link."""

    by: Actor
    at: datetime | None
    reason: str
    link_id: str = ""


@dataclass(frozen=True)
class ResumeLink:
    """A single-use resume link, as returned to the call that made the pause (the only place its token
    appears). ``approver`` is the principal it acts for ("" for a shared link). The token and the URL
    (which contains it) are secrets: they are left out of ``repr``."""

    id: str
    approver: str
    url: str = field(repr=False)
    token: str = field(repr=False)


@dataclass(frozen=True)
class ResumeLinkInfo:
    """A resume link as ``list_resume_links`` shows it: never its token."""

    id: str
    flow_run_id: str
    pause_key: str
    pause_instance_id: str
    approver: str
    created_at: datetime | None
    used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class Pause:
    """The pause a run is in, with what a resumer needs to know."""

    key: str
    reschedule: bool
    expires_at: datetime | None
    input_schema: dict[str, Any] | None
    input_description: str
    input_initial: dict[str, Any] | None
    created_at: datetime | None
    #: Who may resume it and how many must agree; None: anyone holding runs:resume, one is enough.
    approval: ApprovalPolicy | None = None
    #: The approvals recorded so far (with a quorum above one, the run stays PAUSED until it is met).
    approvals: list[Approval] = field(default_factory=list)
    #: The principal whose call paused the run.
    paused_by: str = ""
    #: This pause instance (a re-executed run that pauses on the same key gets a new one).
    instance_id: str = ""
    #: What the pause's timeout does; None: it fails the run.
    on_timeout: TimeoutPolicy | None = None


@dataclass(frozen=True)
class FlowRun:
    """A run of a flow."""

    id: str
    name: str
    flow_name: str
    deployment_id: str
    parent_flow_run_id: str
    parent_task_run_id: str
    parameters: dict[str, Any]
    state: State | None
    version: int
    run_count: int
    created_at: datetime | None
    updated_at: datetime | None
    pause: Pause | None
    labels: dict[str, str]

    @property
    def state_type(self) -> StateType | None:
        """The type of the current state; None for a run created without a state."""
        return self.state.type if self.state else None


@dataclass(frozen=True)
class PauseResult(FlowRun):
    """What ``pause_flow_run`` and ``suspend_flow_run`` return: the run (a :class:`FlowRun`), ``links``
    (the resume links the approval policy asked for, with their tokens: this is the only place they
    appear), and, when the key had already fired on this run (nothing changed), ``already_fired`` with
    ``run_input``, the input that pause was resumed with."""

    links: list[ResumeLink] = field(default_factory=list)
    already_fired: bool = False
    run_input: dict[str, Any] | None = None


@dataclass(frozen=True)
class ResumeResult(FlowRun):
    """What ``resume_flow_run`` returns: the run (a :class:`FlowRun`) and ``resumed``, False when the call
    recorded an approval and the quorum is not met yet (the run is still PAUSED)."""

    resumed: bool = True


class ResumedInput(dict[str, Any]):
    """What ``wait_for_resume`` returns: the input the pause was resumed with (a dict, ``{}`` when none),
    with ``approvals`` (every approval, in order; the last one completed the quorum; empty for a pause
    without a policy), ``key`` (the pause) and ``flow_run`` (the run as the server reported it)."""

    def __init__(
        self,
        values: Mapping[str, Any],
        *,
        approvals: Sequence[Approval] = (),
        key: str = "",
        flow_run: FlowRun | None = None,
    ) -> None:
        super().__init__(values)
        self.approvals: list[Approval] = list(approvals)
        self.key = key
        self.flow_run = flow_run


@dataclass(frozen=True)
class FlowRunEvent:
    """One state change of a flow run, as streamed by ``watch_flow_run``."""

    flow_run: FlowRun
    #: The state before the change; None for the first event of a watch.
    previous_state: State | None
    #: True for the first event of a watch, which reports the current state rather than a change.
    initial: bool

    @property
    def state_type(self) -> StateType | None:
        return self.flow_run.state_type


@dataclass(frozen=True)
class FlowRunPage:
    """One page of ``list_flow_runs``; ``next_page_token`` is empty on the last page."""

    flow_runs: list[FlowRun]
    next_page_token: str


@dataclass(frozen=True)
class FieldError:
    """One failing field of a run input: a dotted path such as ``address.city`` and what is wrong."""

    field: str
    description: str


@dataclass(frozen=True)
class Caller:
    """Who a client's calls act as (``get_caller``): the key's principal, its id ("" with authentication
    disabled), groups and scopes, and the web UI's base address as the server serves it."""

    name: str
    key_id: str
    groups: list[str]
    scopes: list[str]
    ui_url: str


@dataclass(frozen=True)
class AuditState:
    """A state as an audit entry names it."""

    id: str
    type: StateType | None
    name: str


@dataclass(frozen=True)
class AuditEvent:
    """One entry of the audit trail: every mutating call that succeeded, hash-chained."""

    #: Its place in the chain, from 1.
    sequence: int
    id: str
    time: datetime | None
    #: Who: the principal and the id of the key the call carried ("" with authentication disabled).
    principal: str
    key_id: str
    #: Through what: "grpc", "http-api", "web-ui", "cli", "sdk", "python", "go", "link".
    channel: str
    #: "flowgate.v1.RunService/ResumeFlowRun", "POST /api/runs/:id/resume", ...
    call: str
    call_id: str
    request_id: str
    flow_run_id: str
    pause_key: str
    state_before: AuditState | None
    state_after: AuditState | None
    #: A resume's input when its JSON is at most 4 KiB; else only ``input_sha256``.
    input: dict[str, Any] | None
    input_sha256: str
    #: What else the call was about: "deployment:<id>", "task-run:<id>", "input:<key>", "key:<id>".
    subject: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class AuditEventPage:
    """One page of ``list_audit_events``, oldest first; ``next_page_token`` is empty on the last page."""

    events: list[AuditEvent]
    next_page_token: str


@dataclass(frozen=True)
class AuditChainVerdict:
    """``verify_audit_chain``: intact, or the first entry where the chain breaks (``broken_sequence``,
    ``broken_id``, and ``problem``: "hash" edited, "link" the entry before edited or removed, "gap")."""

    intact: bool
    checked: int
    broken_sequence: int = 0
    broken_id: str = ""
    problem: str = ""
