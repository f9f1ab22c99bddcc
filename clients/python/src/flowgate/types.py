"""The client's public result types: plain dataclasses, never protobuf messages."""

from __future__ import annotations

import enum
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
class State:
    """One state of a flow run."""

    id: str
    type: StateType | None
    name: str
    message: str
    timestamp: datetime | None
    details: StateDetails = field(default_factory=StateDetails)


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
