import datetime

from flowgate.gen.flowgate.v1 import types_pb2 as _types_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class WaitEventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WAIT_EVENT_TYPE_UNSPECIFIED: _ClassVar[WaitEventType]
    WAIT_EVENT_TYPE_HEARTBEAT: _ClassVar[WaitEventType]
    WAIT_EVENT_TYPE_RESUMED: _ClassVar[WaitEventType]
    WAIT_EVENT_TYPE_TIMED_OUT: _ClassVar[WaitEventType]
    WAIT_EVENT_TYPE_CANCELLED: _ClassVar[WaitEventType]
    WAIT_EVENT_TYPE_SUSPENDED: _ClassVar[WaitEventType]
    WAIT_EVENT_TYPE_REJECTED: _ClassVar[WaitEventType]
WAIT_EVENT_TYPE_UNSPECIFIED: WaitEventType
WAIT_EVENT_TYPE_HEARTBEAT: WaitEventType
WAIT_EVENT_TYPE_RESUMED: WaitEventType
WAIT_EVENT_TYPE_TIMED_OUT: WaitEventType
WAIT_EVENT_TYPE_CANCELLED: WaitEventType
WAIT_EVENT_TYPE_SUSPENDED: WaitEventType
WAIT_EVENT_TYPE_REJECTED: WaitEventType

class CreateFlowRunRequest(_message.Message):
    __slots__ = ("flow_name", "name", "deployment_id", "parameters", "state", "parent_flow_run_id", "parent_task_run_id", "labels", "request_id")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    FLOW_NAME_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DEPLOYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PARENT_FLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    PARENT_TASK_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    flow_name: str
    name: str
    deployment_id: str
    parameters: _struct_pb2.Struct
    state: _types_pb2.StateProposal
    parent_flow_run_id: str
    parent_task_run_id: str
    labels: _containers.ScalarMap[str, str]
    request_id: str
    def __init__(self, flow_name: _Optional[str] = ..., name: _Optional[str] = ..., deployment_id: _Optional[str] = ..., parameters: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., state: _Optional[_Union[_types_pb2.StateProposal, _Mapping]] = ..., parent_flow_run_id: _Optional[str] = ..., parent_task_run_id: _Optional[str] = ..., labels: _Optional[_Mapping[str, str]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateFlowRunResponse(_message.Message):
    __slots__ = ("flow_run",)
    FLOW_RUN_FIELD_NUMBER: _ClassVar[int]
    flow_run: _types_pb2.FlowRun
    def __init__(self, flow_run: _Optional[_Union[_types_pb2.FlowRun, _Mapping]] = ...) -> None: ...

class GetFlowRunRequest(_message.Message):
    __slots__ = ("flow_run_id",)
    FLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    flow_run_id: str
    def __init__(self, flow_run_id: _Optional[str] = ...) -> None: ...

class GetFlowRunResponse(_message.Message):
    __slots__ = ("flow_run",)
    FLOW_RUN_FIELD_NUMBER: _ClassVar[int]
    flow_run: _types_pb2.FlowRun
    def __init__(self, flow_run: _Optional[_Union[_types_pb2.FlowRun, _Mapping]] = ...) -> None: ...

class ListFlowRunsRequest(_message.Message):
    __slots__ = ("state_types", "flow_name", "deployment_id", "parent_flow_run_id", "page_size", "page_token", "awaiting_me")
    STATE_TYPES_FIELD_NUMBER: _ClassVar[int]
    FLOW_NAME_FIELD_NUMBER: _ClassVar[int]
    DEPLOYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    PARENT_FLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    AWAITING_ME_FIELD_NUMBER: _ClassVar[int]
    state_types: _containers.RepeatedScalarFieldContainer[_types_pb2.StateType]
    flow_name: str
    deployment_id: str
    parent_flow_run_id: str
    page_size: int
    page_token: str
    awaiting_me: bool
    def __init__(self, state_types: _Optional[_Iterable[_Union[_types_pb2.StateType, str]]] = ..., flow_name: _Optional[str] = ..., deployment_id: _Optional[str] = ..., parent_flow_run_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., awaiting_me: bool = ...) -> None: ...

class ListFlowRunsResponse(_message.Message):
    __slots__ = ("flow_runs", "next_page_token")
    FLOW_RUNS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    flow_runs: _containers.RepeatedCompositeFieldContainer[_types_pb2.FlowRun]
    next_page_token: str
    def __init__(self, flow_runs: _Optional[_Iterable[_Union[_types_pb2.FlowRun, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class SetFlowRunStateRequest(_message.Message):
    __slots__ = ("flow_run_id", "state", "expected_version", "request_id")
    FLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    flow_run_id: str
    state: _types_pb2.StateProposal
    expected_version: int
    request_id: str
    def __init__(self, flow_run_id: _Optional[str] = ..., state: _Optional[_Union[_types_pb2.StateProposal, _Mapping]] = ..., expected_version: _Optional[int] = ..., request_id: _Optional[str] = ...) -> None: ...

class SetFlowRunStateResponse(_message.Message):
    __slots__ = ("flow_run",)
    FLOW_RUN_FIELD_NUMBER: _ClassVar[int]
    flow_run: _types_pb2.FlowRun
    def __init__(self, flow_run: _Optional[_Union[_types_pb2.FlowRun, _Mapping]] = ...) -> None: ...

class CancelFlowRunRequest(_message.Message):
    __slots__ = ("flow_run_id", "request_id")
    FLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    flow_run_id: str
    request_id: str
    def __init__(self, flow_run_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class CancelFlowRunResponse(_message.Message):
    __slots__ = ("flow_run",)
    FLOW_RUN_FIELD_NUMBER: _ClassVar[int]
    flow_run: _types_pb2.FlowRun
    def __init__(self, flow_run: _Optional[_Union[_types_pb2.FlowRun, _Mapping]] = ...) -> None: ...

class PauseFlowRunRequest(_message.Message):
    __slots__ = ("flow_run_id", "key", "timeout_seconds", "no_timeout", "reschedule", "input_schema", "input_description", "input_initial", "request_id", "approval", "on_timeout")
    FLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    NO_TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    RESCHEDULE_FIELD_NUMBER: _ClassVar[int]
    INPUT_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    INPUT_DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    INPUT_INITIAL_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_FIELD_NUMBER: _ClassVar[int]
    ON_TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    flow_run_id: str
    key: str
    timeout_seconds: int
    no_timeout: bool
    reschedule: bool
    input_schema: _struct_pb2.Struct
    input_description: str
    input_initial: _struct_pb2.Struct
    request_id: str
    approval: _types_pb2.ApprovalPolicy
    on_timeout: _types_pb2.TimeoutPolicy
    def __init__(self, flow_run_id: _Optional[str] = ..., key: _Optional[str] = ..., timeout_seconds: _Optional[int] = ..., no_timeout: bool = ..., reschedule: bool = ..., input_schema: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., input_description: _Optional[str] = ..., input_initial: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., request_id: _Optional[str] = ..., approval: _Optional[_Union[_types_pb2.ApprovalPolicy, _Mapping]] = ..., on_timeout: _Optional[_Union[_types_pb2.TimeoutPolicy, _Mapping]] = ...) -> None: ...

class PauseFlowRunResponse(_message.Message):
    __slots__ = ("flow_run", "already_fired", "run_input", "links")
    FLOW_RUN_FIELD_NUMBER: _ClassVar[int]
    ALREADY_FIRED_FIELD_NUMBER: _ClassVar[int]
    RUN_INPUT_FIELD_NUMBER: _ClassVar[int]
    LINKS_FIELD_NUMBER: _ClassVar[int]
    flow_run: _types_pb2.FlowRun
    already_fired: bool
    run_input: _struct_pb2.Struct
    links: _containers.RepeatedCompositeFieldContainer[_types_pb2.ResumeLink]
    def __init__(self, flow_run: _Optional[_Union[_types_pb2.FlowRun, _Mapping]] = ..., already_fired: bool = ..., run_input: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., links: _Optional[_Iterable[_Union[_types_pb2.ResumeLink, _Mapping]]] = ...) -> None: ...

class SuspendFlowRunRequest(_message.Message):
    __slots__ = ("flow_run_id", "key", "timeout_seconds", "no_timeout", "input_schema", "input_description", "input_initial", "request_id", "approval", "on_timeout")
    FLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    NO_TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    INPUT_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    INPUT_DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    INPUT_INITIAL_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_FIELD_NUMBER: _ClassVar[int]
    ON_TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    flow_run_id: str
    key: str
    timeout_seconds: int
    no_timeout: bool
    input_schema: _struct_pb2.Struct
    input_description: str
    input_initial: _struct_pb2.Struct
    request_id: str
    approval: _types_pb2.ApprovalPolicy
    on_timeout: _types_pb2.TimeoutPolicy
    def __init__(self, flow_run_id: _Optional[str] = ..., key: _Optional[str] = ..., timeout_seconds: _Optional[int] = ..., no_timeout: bool = ..., input_schema: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., input_description: _Optional[str] = ..., input_initial: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., request_id: _Optional[str] = ..., approval: _Optional[_Union[_types_pb2.ApprovalPolicy, _Mapping]] = ..., on_timeout: _Optional[_Union[_types_pb2.TimeoutPolicy, _Mapping]] = ...) -> None: ...

class SuspendFlowRunResponse(_message.Message):
    __slots__ = ("flow_run", "already_fired", "run_input", "links")
    FLOW_RUN_FIELD_NUMBER: _ClassVar[int]
    ALREADY_FIRED_FIELD_NUMBER: _ClassVar[int]
    RUN_INPUT_FIELD_NUMBER: _ClassVar[int]
    LINKS_FIELD_NUMBER: _ClassVar[int]
    flow_run: _types_pb2.FlowRun
    already_fired: bool
    run_input: _struct_pb2.Struct
    links: _containers.RepeatedCompositeFieldContainer[_types_pb2.ResumeLink]
    def __init__(self, flow_run: _Optional[_Union[_types_pb2.FlowRun, _Mapping]] = ..., already_fired: bool = ..., run_input: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., links: _Optional[_Iterable[_Union[_types_pb2.ResumeLink, _Mapping]]] = ...) -> None: ...

class ResumeFlowRunRequest(_message.Message):
    __slots__ = ("flow_run_id", "run_input", "request_id", "resume_token")
    FLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    RUN_INPUT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    RESUME_TOKEN_FIELD_NUMBER: _ClassVar[int]
    flow_run_id: str
    run_input: _struct_pb2.Struct
    request_id: str
    resume_token: str
    def __init__(self, flow_run_id: _Optional[str] = ..., run_input: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., request_id: _Optional[str] = ..., resume_token: _Optional[str] = ...) -> None: ...

class ResumeFlowRunResponse(_message.Message):
    __slots__ = ("flow_run", "resumed")
    FLOW_RUN_FIELD_NUMBER: _ClassVar[int]
    RESUMED_FIELD_NUMBER: _ClassVar[int]
    flow_run: _types_pb2.FlowRun
    resumed: bool
    def __init__(self, flow_run: _Optional[_Union[_types_pb2.FlowRun, _Mapping]] = ..., resumed: bool = ...) -> None: ...

class RejectFlowRunRequest(_message.Message):
    __slots__ = ("flow_run_id", "reason", "request_id", "resume_token")
    FLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    RESUME_TOKEN_FIELD_NUMBER: _ClassVar[int]
    flow_run_id: str
    reason: str
    request_id: str
    resume_token: str
    def __init__(self, flow_run_id: _Optional[str] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ..., resume_token: _Optional[str] = ...) -> None: ...

class RejectFlowRunResponse(_message.Message):
    __slots__ = ("flow_run",)
    FLOW_RUN_FIELD_NUMBER: _ClassVar[int]
    flow_run: _types_pb2.FlowRun
    def __init__(self, flow_run: _Optional[_Union[_types_pb2.FlowRun, _Mapping]] = ...) -> None: ...

class ListResumeLinksRequest(_message.Message):
    __slots__ = ("flow_run_id",)
    FLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    flow_run_id: str
    def __init__(self, flow_run_id: _Optional[str] = ...) -> None: ...

class ResumeLinkInfo(_message.Message):
    __slots__ = ("id", "flow_run_id", "pause_key", "pause_instance_id", "approver", "created_at", "used_at", "revoked_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    FLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    PAUSE_KEY_FIELD_NUMBER: _ClassVar[int]
    PAUSE_INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    APPROVER_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    USED_AT_FIELD_NUMBER: _ClassVar[int]
    REVOKED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    flow_run_id: str
    pause_key: str
    pause_instance_id: str
    approver: str
    created_at: _timestamp_pb2.Timestamp
    used_at: _timestamp_pb2.Timestamp
    revoked_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., flow_run_id: _Optional[str] = ..., pause_key: _Optional[str] = ..., pause_instance_id: _Optional[str] = ..., approver: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., used_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revoked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListResumeLinksResponse(_message.Message):
    __slots__ = ("links",)
    LINKS_FIELD_NUMBER: _ClassVar[int]
    links: _containers.RepeatedCompositeFieldContainer[ResumeLinkInfo]
    def __init__(self, links: _Optional[_Iterable[_Union[ResumeLinkInfo, _Mapping]]] = ...) -> None: ...

class RevokeResumeLinkRequest(_message.Message):
    __slots__ = ("link_id",)
    LINK_ID_FIELD_NUMBER: _ClassVar[int]
    link_id: str
    def __init__(self, link_id: _Optional[str] = ...) -> None: ...

class RevokeResumeLinkResponse(_message.Message):
    __slots__ = ("link",)
    LINK_FIELD_NUMBER: _ClassVar[int]
    link: ResumeLinkInfo
    def __init__(self, link: _Optional[_Union[ResumeLinkInfo, _Mapping]] = ...) -> None: ...

class WaitForResumeRequest(_message.Message):
    __slots__ = ("flow_run_id", "key", "heartbeat_seconds")
    FLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    flow_run_id: str
    key: str
    heartbeat_seconds: int
    def __init__(self, flow_run_id: _Optional[str] = ..., key: _Optional[str] = ..., heartbeat_seconds: _Optional[int] = ...) -> None: ...

class WaitForResumeResponse(_message.Message):
    __slots__ = ("type", "key", "run_input", "flow_run", "sent_at", "approvals", "rejection")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    RUN_INPUT_FIELD_NUMBER: _ClassVar[int]
    FLOW_RUN_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    APPROVALS_FIELD_NUMBER: _ClassVar[int]
    REJECTION_FIELD_NUMBER: _ClassVar[int]
    type: WaitEventType
    key: str
    run_input: _struct_pb2.Struct
    flow_run: _types_pb2.FlowRun
    sent_at: _timestamp_pb2.Timestamp
    approvals: _containers.RepeatedCompositeFieldContainer[_types_pb2.Approval]
    rejection: _types_pb2.Rejection
    def __init__(self, type: _Optional[_Union[WaitEventType, str]] = ..., key: _Optional[str] = ..., run_input: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., flow_run: _Optional[_Union[_types_pb2.FlowRun, _Mapping]] = ..., sent_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., approvals: _Optional[_Iterable[_Union[_types_pb2.Approval, _Mapping]]] = ..., rejection: _Optional[_Union[_types_pb2.Rejection, _Mapping]] = ...) -> None: ...

class WatchFlowRunRequest(_message.Message):
    __slots__ = ("flow_run_id",)
    FLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    flow_run_id: str
    def __init__(self, flow_run_id: _Optional[str] = ...) -> None: ...

class WatchFlowRunResponse(_message.Message):
    __slots__ = ("event",)
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: _types_pb2.FlowRunEvent
    def __init__(self, event: _Optional[_Union[_types_pb2.FlowRunEvent, _Mapping]] = ...) -> None: ...

class WatchFlowRunsRequest(_message.Message):
    __slots__ = ("state_types", "flow_name", "deployment_id")
    STATE_TYPES_FIELD_NUMBER: _ClassVar[int]
    FLOW_NAME_FIELD_NUMBER: _ClassVar[int]
    DEPLOYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    state_types: _containers.RepeatedScalarFieldContainer[_types_pb2.StateType]
    flow_name: str
    deployment_id: str
    def __init__(self, state_types: _Optional[_Iterable[_Union[_types_pb2.StateType, str]]] = ..., flow_name: _Optional[str] = ..., deployment_id: _Optional[str] = ...) -> None: ...

class WatchFlowRunsResponse(_message.Message):
    __slots__ = ("event",)
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: _types_pb2.FlowRunEvent
    def __init__(self, event: _Optional[_Union[_types_pb2.FlowRunEvent, _Mapping]] = ...) -> None: ...

class CreateFlowRunInputRequest(_message.Message):
    __slots__ = ("flow_run_id", "key", "value", "sender", "request_id", "sender_flow_run_id")
    FLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    SENDER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SENDER_FLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    flow_run_id: str
    key: str
    value: _struct_pb2.Value
    sender: str
    request_id: str
    sender_flow_run_id: str
    def __init__(self, flow_run_id: _Optional[str] = ..., key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., sender: _Optional[str] = ..., request_id: _Optional[str] = ..., sender_flow_run_id: _Optional[str] = ...) -> None: ...

class CreateFlowRunInputResponse(_message.Message):
    __slots__ = ("input",)
    INPUT_FIELD_NUMBER: _ClassVar[int]
    input: _types_pb2.FlowRunInput
    def __init__(self, input: _Optional[_Union[_types_pb2.FlowRunInput, _Mapping]] = ...) -> None: ...

class ReadFlowRunInputRequest(_message.Message):
    __slots__ = ("flow_run_id", "key")
    FLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    flow_run_id: str
    key: str
    def __init__(self, flow_run_id: _Optional[str] = ..., key: _Optional[str] = ...) -> None: ...

class ReadFlowRunInputResponse(_message.Message):
    __slots__ = ("input",)
    INPUT_FIELD_NUMBER: _ClassVar[int]
    input: _types_pb2.FlowRunInput
    def __init__(self, input: _Optional[_Union[_types_pb2.FlowRunInput, _Mapping]] = ...) -> None: ...

class FilterFlowRunInputsRequest(_message.Message):
    __slots__ = ("flow_run_id", "key_prefix", "limit", "exclude_keys")
    FLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_PREFIX_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_KEYS_FIELD_NUMBER: _ClassVar[int]
    flow_run_id: str
    key_prefix: str
    limit: int
    exclude_keys: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, flow_run_id: _Optional[str] = ..., key_prefix: _Optional[str] = ..., limit: _Optional[int] = ..., exclude_keys: _Optional[_Iterable[str]] = ...) -> None: ...

class FilterFlowRunInputsResponse(_message.Message):
    __slots__ = ("inputs",)
    INPUTS_FIELD_NUMBER: _ClassVar[int]
    inputs: _containers.RepeatedCompositeFieldContainer[_types_pb2.FlowRunInput]
    def __init__(self, inputs: _Optional[_Iterable[_Union[_types_pb2.FlowRunInput, _Mapping]]] = ...) -> None: ...

class DeleteFlowRunInputRequest(_message.Message):
    __slots__ = ("flow_run_id", "key", "request_id")
    FLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    flow_run_id: str
    key: str
    request_id: str
    def __init__(self, flow_run_id: _Optional[str] = ..., key: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class DeleteFlowRunInputResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CreateTaskRunRequest(_message.Message):
    __slots__ = ("flow_run_id", "task_key", "dynamic_key", "name", "cache_key", "request_id")
    FLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_KEY_FIELD_NUMBER: _ClassVar[int]
    DYNAMIC_KEY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CACHE_KEY_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    flow_run_id: str
    task_key: str
    dynamic_key: str
    name: str
    cache_key: str
    request_id: str
    def __init__(self, flow_run_id: _Optional[str] = ..., task_key: _Optional[str] = ..., dynamic_key: _Optional[str] = ..., name: _Optional[str] = ..., cache_key: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateTaskRunResponse(_message.Message):
    __slots__ = ("task_run", "created")
    TASK_RUN_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    task_run: _types_pb2.TaskRun
    created: bool
    def __init__(self, task_run: _Optional[_Union[_types_pb2.TaskRun, _Mapping]] = ..., created: bool = ...) -> None: ...

class SetTaskRunStateRequest(_message.Message):
    __slots__ = ("task_run_id", "state", "result", "persist_result", "request_id")
    TASK_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    PERSIST_RESULT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    task_run_id: str
    state: _types_pb2.StateProposal
    result: _struct_pb2.Value
    persist_result: bool
    request_id: str
    def __init__(self, task_run_id: _Optional[str] = ..., state: _Optional[_Union[_types_pb2.StateProposal, _Mapping]] = ..., result: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., persist_result: bool = ..., request_id: _Optional[str] = ...) -> None: ...

class SetTaskRunStateResponse(_message.Message):
    __slots__ = ("task_run",)
    TASK_RUN_FIELD_NUMBER: _ClassVar[int]
    task_run: _types_pb2.TaskRun
    def __init__(self, task_run: _Optional[_Union[_types_pb2.TaskRun, _Mapping]] = ...) -> None: ...

class GetTaskRunRequest(_message.Message):
    __slots__ = ("task_run_id", "cache_key")
    TASK_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    CACHE_KEY_FIELD_NUMBER: _ClassVar[int]
    task_run_id: str
    cache_key: str
    def __init__(self, task_run_id: _Optional[str] = ..., cache_key: _Optional[str] = ...) -> None: ...

class GetTaskRunResponse(_message.Message):
    __slots__ = ("task_run",)
    TASK_RUN_FIELD_NUMBER: _ClassVar[int]
    task_run: _types_pb2.TaskRun
    def __init__(self, task_run: _Optional[_Union[_types_pb2.TaskRun, _Mapping]] = ...) -> None: ...
