import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StateType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STATE_TYPE_UNSPECIFIED: _ClassVar[StateType]
    STATE_TYPE_SCHEDULED: _ClassVar[StateType]
    STATE_TYPE_PENDING: _ClassVar[StateType]
    STATE_TYPE_RUNNING: _ClassVar[StateType]
    STATE_TYPE_PAUSED: _ClassVar[StateType]
    STATE_TYPE_COMPLETED: _ClassVar[StateType]
    STATE_TYPE_FAILED: _ClassVar[StateType]
    STATE_TYPE_CANCELLED: _ClassVar[StateType]
    STATE_TYPE_CRASHED: _ClassVar[StateType]
    STATE_TYPE_CANCELLING: _ClassVar[StateType]

class ResumeLinks(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RESUME_LINKS_UNSPECIFIED: _ClassVar[ResumeLinks]
    RESUME_LINKS_PER_APPROVER: _ClassVar[ResumeLinks]
    RESUME_LINKS_SHARED: _ClassVar[ResumeLinks]

class TimeoutAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TIMEOUT_ACTION_UNSPECIFIED: _ClassVar[TimeoutAction]
    TIMEOUT_ACTION_FAIL: _ClassVar[TimeoutAction]
    TIMEOUT_ACTION_RESUME: _ClassVar[TimeoutAction]
STATE_TYPE_UNSPECIFIED: StateType
STATE_TYPE_SCHEDULED: StateType
STATE_TYPE_PENDING: StateType
STATE_TYPE_RUNNING: StateType
STATE_TYPE_PAUSED: StateType
STATE_TYPE_COMPLETED: StateType
STATE_TYPE_FAILED: StateType
STATE_TYPE_CANCELLED: StateType
STATE_TYPE_CRASHED: StateType
STATE_TYPE_CANCELLING: StateType
RESUME_LINKS_UNSPECIFIED: ResumeLinks
RESUME_LINKS_PER_APPROVER: ResumeLinks
RESUME_LINKS_SHARED: ResumeLinks
TIMEOUT_ACTION_UNSPECIFIED: TimeoutAction
TIMEOUT_ACTION_FAIL: TimeoutAction
TIMEOUT_ACTION_RESUME: TimeoutAction

class StateDetails(_message.Message):
    __slots__ = ("pause_key", "pause_expires_at", "pause_reschedule", "run_input_keyset", "deployment_id")
    PAUSE_KEY_FIELD_NUMBER: _ClassVar[int]
    PAUSE_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    PAUSE_RESCHEDULE_FIELD_NUMBER: _ClassVar[int]
    RUN_INPUT_KEYSET_FIELD_NUMBER: _ClassVar[int]
    DEPLOYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    pause_key: str
    pause_expires_at: _timestamp_pb2.Timestamp
    pause_reschedule: bool
    run_input_keyset: str
    deployment_id: str
    def __init__(self, pause_key: _Optional[str] = ..., pause_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., pause_reschedule: bool = ..., run_input_keyset: _Optional[str] = ..., deployment_id: _Optional[str] = ...) -> None: ...

class Actor(_message.Message):
    __slots__ = ("principal", "channel")
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    principal: str
    channel: str
    def __init__(self, principal: _Optional[str] = ..., channel: _Optional[str] = ...) -> None: ...

class State(_message.Message):
    __slots__ = ("id", "type", "name", "message", "timestamp", "details", "by")
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    BY_FIELD_NUMBER: _ClassVar[int]
    id: str
    type: StateType
    name: str
    message: str
    timestamp: _timestamp_pb2.Timestamp
    details: StateDetails
    by: Actor
    def __init__(self, id: _Optional[str] = ..., type: _Optional[_Union[StateType, str]] = ..., name: _Optional[str] = ..., message: _Optional[str] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., details: _Optional[_Union[StateDetails, _Mapping]] = ..., by: _Optional[_Union[Actor, _Mapping]] = ...) -> None: ...

class StateProposal(_message.Message):
    __slots__ = ("type", "name", "message")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    type: StateType
    name: str
    message: str
    def __init__(self, type: _Optional[_Union[StateType, str]] = ..., name: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class Pause(_message.Message):
    __slots__ = ("key", "reschedule", "expires_at", "input_schema", "input_description", "input_initial", "created_at", "approval", "approvals", "paused_by", "instance_id", "on_timeout")
    KEY_FIELD_NUMBER: _ClassVar[int]
    RESCHEDULE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    INPUT_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    INPUT_DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    INPUT_INITIAL_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_FIELD_NUMBER: _ClassVar[int]
    APPROVALS_FIELD_NUMBER: _ClassVar[int]
    PAUSED_BY_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    ON_TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    key: str
    reschedule: bool
    expires_at: _timestamp_pb2.Timestamp
    input_schema: _struct_pb2.Struct
    input_description: str
    input_initial: _struct_pb2.Struct
    created_at: _timestamp_pb2.Timestamp
    approval: ApprovalPolicy
    approvals: _containers.RepeatedCompositeFieldContainer[Approval]
    paused_by: str
    instance_id: str
    on_timeout: TimeoutPolicy
    def __init__(self, key: _Optional[str] = ..., reschedule: bool = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., input_schema: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., input_description: _Optional[str] = ..., input_initial: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., approval: _Optional[_Union[ApprovalPolicy, _Mapping]] = ..., approvals: _Optional[_Iterable[_Union[Approval, _Mapping]]] = ..., paused_by: _Optional[str] = ..., instance_id: _Optional[str] = ..., on_timeout: _Optional[_Union[TimeoutPolicy, _Mapping]] = ...) -> None: ...

class ApprovalPolicy(_message.Message):
    __slots__ = ("approvers", "required", "allow_self_approval", "links")
    APPROVERS_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    ALLOW_SELF_APPROVAL_FIELD_NUMBER: _ClassVar[int]
    LINKS_FIELD_NUMBER: _ClassVar[int]
    approvers: _containers.RepeatedScalarFieldContainer[str]
    required: int
    allow_self_approval: bool
    links: ResumeLinks
    def __init__(self, approvers: _Optional[_Iterable[str]] = ..., required: _Optional[int] = ..., allow_self_approval: bool = ..., links: _Optional[_Union[ResumeLinks, str]] = ...) -> None: ...

class TimeoutPolicy(_message.Message):
    __slots__ = ("action", "input", "remind_after_seconds")
    ACTION_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    REMIND_AFTER_SECONDS_FIELD_NUMBER: _ClassVar[int]
    action: TimeoutAction
    input: _struct_pb2.Struct
    remind_after_seconds: int
    def __init__(self, action: _Optional[_Union[TimeoutAction, str]] = ..., input: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., remind_after_seconds: _Optional[int] = ...) -> None: ...

class Approval(_message.Message):
    __slots__ = ("by", "at", "input", "link_id", "input_sha256")
    BY_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    LINK_ID_FIELD_NUMBER: _ClassVar[int]
    INPUT_SHA256_FIELD_NUMBER: _ClassVar[int]
    by: Actor
    at: _timestamp_pb2.Timestamp
    input: _struct_pb2.Struct
    link_id: str
    input_sha256: str
    def __init__(self, by: _Optional[_Union[Actor, _Mapping]] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., input: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., link_id: _Optional[str] = ..., input_sha256: _Optional[str] = ...) -> None: ...

class Rejection(_message.Message):
    __slots__ = ("by", "at", "reason", "link_id")
    BY_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    LINK_ID_FIELD_NUMBER: _ClassVar[int]
    by: Actor
    at: _timestamp_pb2.Timestamp
    reason: str
    link_id: str
    def __init__(self, by: _Optional[_Union[Actor, _Mapping]] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ..., link_id: _Optional[str] = ...) -> None: ...

class ResumeLink(_message.Message):
    __slots__ = ("id", "approver", "url", "token")
    ID_FIELD_NUMBER: _ClassVar[int]
    APPROVER_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    id: str
    approver: str
    url: str
    token: str
    def __init__(self, id: _Optional[str] = ..., approver: _Optional[str] = ..., url: _Optional[str] = ..., token: _Optional[str] = ...) -> None: ...

class FlowRun(_message.Message):
    __slots__ = ("id", "name", "flow_name", "deployment_id", "parent_task_run_id", "parent_flow_run_id", "parameters", "state", "version", "run_count", "created_at", "updated_at", "pause", "labels")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    FLOW_NAME_FIELD_NUMBER: _ClassVar[int]
    DEPLOYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    PARENT_TASK_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    PARENT_FLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    RUN_COUNT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    PAUSE_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    flow_name: str
    deployment_id: str
    parent_task_run_id: str
    parent_flow_run_id: str
    parameters: _struct_pb2.Struct
    state: State
    version: int
    run_count: int
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    pause: Pause
    labels: _containers.ScalarMap[str, str]
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., flow_name: _Optional[str] = ..., deployment_id: _Optional[str] = ..., parent_task_run_id: _Optional[str] = ..., parent_flow_run_id: _Optional[str] = ..., parameters: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., state: _Optional[_Union[State, _Mapping]] = ..., version: _Optional[int] = ..., run_count: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., pause: _Optional[_Union[Pause, _Mapping]] = ..., labels: _Optional[_Mapping[str, str]] = ...) -> None: ...

class TaskRun(_message.Message):
    __slots__ = ("id", "flow_run_id", "task_key", "dynamic_key", "name", "cache_key", "state", "result", "has_result", "run_count", "created_at", "updated_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    FLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_KEY_FIELD_NUMBER: _ClassVar[int]
    DYNAMIC_KEY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CACHE_KEY_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    HAS_RESULT_FIELD_NUMBER: _ClassVar[int]
    RUN_COUNT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    flow_run_id: str
    task_key: str
    dynamic_key: str
    name: str
    cache_key: str
    state: State
    result: _struct_pb2.Value
    has_result: bool
    run_count: int
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., flow_run_id: _Optional[str] = ..., task_key: _Optional[str] = ..., dynamic_key: _Optional[str] = ..., name: _Optional[str] = ..., cache_key: _Optional[str] = ..., state: _Optional[_Union[State, _Mapping]] = ..., result: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., has_result: bool = ..., run_count: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Deployment(_message.Message):
    __slots__ = ("id", "name", "flow_name", "entrypoint", "parameters", "created_at", "owner", "parameter_schema")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    FLOW_NAME_FIELD_NUMBER: _ClassVar[int]
    ENTRYPOINT_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    PARAMETER_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    flow_name: str
    entrypoint: str
    parameters: _struct_pb2.Struct
    created_at: _timestamp_pb2.Timestamp
    owner: str
    parameter_schema: _struct_pb2.Struct
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., flow_name: _Optional[str] = ..., entrypoint: _Optional[str] = ..., parameters: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., owner: _Optional[str] = ..., parameter_schema: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class FlowRunInput(_message.Message):
    __slots__ = ("flow_run_id", "key", "value", "sender", "created_at", "sender_flow_run_id")
    FLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    SENDER_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    SENDER_FLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    flow_run_id: str
    key: str
    value: _struct_pb2.Value
    sender: str
    created_at: _timestamp_pb2.Timestamp
    sender_flow_run_id: str
    def __init__(self, flow_run_id: _Optional[str] = ..., key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., sender: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sender_flow_run_id: _Optional[str] = ...) -> None: ...

class FlowRunEvent(_message.Message):
    __slots__ = ("flow_run", "previous_state", "initial")
    FLOW_RUN_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_STATE_FIELD_NUMBER: _ClassVar[int]
    INITIAL_FIELD_NUMBER: _ClassVar[int]
    flow_run: FlowRun
    previous_state: State
    initial: bool
    def __init__(self, flow_run: _Optional[_Union[FlowRun, _Mapping]] = ..., previous_state: _Optional[_Union[State, _Mapping]] = ..., initial: bool = ...) -> None: ...
