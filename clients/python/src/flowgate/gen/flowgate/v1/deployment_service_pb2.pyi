from flowgate.gen.flowgate.v1 import types_pb2 as _types_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateDeploymentRequest(_message.Message):
    __slots__ = ("name", "flow_name", "entrypoint", "parameters", "request_id", "parameter_schema")
    NAME_FIELD_NUMBER: _ClassVar[int]
    FLOW_NAME_FIELD_NUMBER: _ClassVar[int]
    ENTRYPOINT_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PARAMETER_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    name: str
    flow_name: str
    entrypoint: str
    parameters: _struct_pb2.Struct
    request_id: str
    parameter_schema: _struct_pb2.Struct
    def __init__(self, name: _Optional[str] = ..., flow_name: _Optional[str] = ..., entrypoint: _Optional[str] = ..., parameters: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., request_id: _Optional[str] = ..., parameter_schema: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class CreateDeploymentResponse(_message.Message):
    __slots__ = ("deployment", "created")
    DEPLOYMENT_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    deployment: _types_pb2.Deployment
    created: bool
    def __init__(self, deployment: _Optional[_Union[_types_pb2.Deployment, _Mapping]] = ..., created: bool = ...) -> None: ...

class GetDeploymentRequest(_message.Message):
    __slots__ = ("deployment_id", "full_name")
    DEPLOYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    FULL_NAME_FIELD_NUMBER: _ClassVar[int]
    deployment_id: str
    full_name: str
    def __init__(self, deployment_id: _Optional[str] = ..., full_name: _Optional[str] = ...) -> None: ...

class GetDeploymentResponse(_message.Message):
    __slots__ = ("deployment",)
    DEPLOYMENT_FIELD_NUMBER: _ClassVar[int]
    deployment: _types_pb2.Deployment
    def __init__(self, deployment: _Optional[_Union[_types_pb2.Deployment, _Mapping]] = ...) -> None: ...

class ListDeploymentsRequest(_message.Message):
    __slots__ = ("flow_name", "page_size", "page_token")
    FLOW_NAME_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    flow_name: str
    page_size: int
    page_token: str
    def __init__(self, flow_name: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListDeploymentsResponse(_message.Message):
    __slots__ = ("deployments", "next_page_token")
    DEPLOYMENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    deployments: _containers.RepeatedCompositeFieldContainer[_types_pb2.Deployment]
    next_page_token: str
    def __init__(self, deployments: _Optional[_Iterable[_Union[_types_pb2.Deployment, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RunDeploymentRequest(_message.Message):
    __slots__ = ("deployment_id", "full_name", "parameters", "as_subflow", "parent_flow_run_id", "flow_run_name", "request_id")
    DEPLOYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    FULL_NAME_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    AS_SUBFLOW_FIELD_NUMBER: _ClassVar[int]
    PARENT_FLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    FLOW_RUN_NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    deployment_id: str
    full_name: str
    parameters: _struct_pb2.Struct
    as_subflow: bool
    parent_flow_run_id: str
    flow_run_name: str
    request_id: str
    def __init__(self, deployment_id: _Optional[str] = ..., full_name: _Optional[str] = ..., parameters: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., as_subflow: bool = ..., parent_flow_run_id: _Optional[str] = ..., flow_run_name: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class RunDeploymentResponse(_message.Message):
    __slots__ = ("flow_run",)
    FLOW_RUN_FIELD_NUMBER: _ClassVar[int]
    flow_run: _types_pb2.FlowRun
    def __init__(self, flow_run: _Optional[_Union[_types_pb2.FlowRun, _Mapping]] = ...) -> None: ...

class ClaimFlowRunsRequest(_message.Message):
    __slots__ = ("deployment_ids", "runner_id", "limit")
    DEPLOYMENT_IDS_FIELD_NUMBER: _ClassVar[int]
    RUNNER_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    deployment_ids: _containers.RepeatedScalarFieldContainer[str]
    runner_id: str
    limit: int
    def __init__(self, deployment_ids: _Optional[_Iterable[str]] = ..., runner_id: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class ClaimFlowRunsResponse(_message.Message):
    __slots__ = ("flow_runs",)
    FLOW_RUNS_FIELD_NUMBER: _ClassVar[int]
    flow_runs: _containers.RepeatedCompositeFieldContainer[_types_pb2.FlowRun]
    def __init__(self, flow_runs: _Optional[_Iterable[_Union[_types_pb2.FlowRun, _Mapping]]] = ...) -> None: ...
