import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LogLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LOG_LEVEL_UNSPECIFIED: _ClassVar[LogLevel]
    LOG_LEVEL_DEBUG: _ClassVar[LogLevel]
    LOG_LEVEL_INFO: _ClassVar[LogLevel]
    LOG_LEVEL_WARNING: _ClassVar[LogLevel]
    LOG_LEVEL_ERROR: _ClassVar[LogLevel]
    LOG_LEVEL_CRITICAL: _ClassVar[LogLevel]
LOG_LEVEL_UNSPECIFIED: LogLevel
LOG_LEVEL_DEBUG: LogLevel
LOG_LEVEL_INFO: LogLevel
LOG_LEVEL_WARNING: LogLevel
LOG_LEVEL_ERROR: LogLevel
LOG_LEVEL_CRITICAL: LogLevel

class LogRecord(_message.Message):
    __slots__ = ("task_run_id", "level", "message", "timestamp", "logger")
    TASK_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    LOGGER_FIELD_NUMBER: _ClassVar[int]
    task_run_id: str
    level: LogLevel
    message: str
    timestamp: _timestamp_pb2.Timestamp
    logger: str
    def __init__(self, task_run_id: _Optional[str] = ..., level: _Optional[_Union[LogLevel, str]] = ..., message: _Optional[str] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., logger: _Optional[str] = ...) -> None: ...

class CreateLogsRequest(_message.Message):
    __slots__ = ("flow_run_id", "logs", "request_id")
    FLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    LOGS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    flow_run_id: str
    logs: _containers.RepeatedCompositeFieldContainer[LogRecord]
    request_id: str
    def __init__(self, flow_run_id: _Optional[str] = ..., logs: _Optional[_Iterable[_Union[LogRecord, _Mapping]]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateLogsResponse(_message.Message):
    __slots__ = ("first_sequence", "last_sequence", "clipped_count", "trimmed_count")
    FIRST_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    LAST_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    CLIPPED_COUNT_FIELD_NUMBER: _ClassVar[int]
    TRIMMED_COUNT_FIELD_NUMBER: _ClassVar[int]
    first_sequence: int
    last_sequence: int
    clipped_count: int
    trimmed_count: int
    def __init__(self, first_sequence: _Optional[int] = ..., last_sequence: _Optional[int] = ..., clipped_count: _Optional[int] = ..., trimmed_count: _Optional[int] = ...) -> None: ...

class Log(_message.Message):
    __slots__ = ("flow_run_id", "task_run_id", "sequence", "level", "message", "timestamp", "logger", "created_at")
    FLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    LOGGER_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    flow_run_id: str
    task_run_id: str
    sequence: int
    level: LogLevel
    message: str
    timestamp: _timestamp_pb2.Timestamp
    logger: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, flow_run_id: _Optional[str] = ..., task_run_id: _Optional[str] = ..., sequence: _Optional[int] = ..., level: _Optional[_Union[LogLevel, str]] = ..., message: _Optional[str] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., logger: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListLogsRequest(_message.Message):
    __slots__ = ("flow_run_id", "task_run_id", "min_level", "start_time", "end_time", "page_size", "page_token", "after_sequence", "newest_first")
    FLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    MIN_LEVEL_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    NEWEST_FIRST_FIELD_NUMBER: _ClassVar[int]
    flow_run_id: str
    task_run_id: str
    min_level: LogLevel
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    page_size: int
    page_token: str
    after_sequence: int
    newest_first: bool
    def __init__(self, flow_run_id: _Optional[str] = ..., task_run_id: _Optional[str] = ..., min_level: _Optional[_Union[LogLevel, str]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., after_sequence: _Optional[int] = ..., newest_first: bool = ...) -> None: ...

class ListLogsResponse(_message.Message):
    __slots__ = ("logs", "next_page_token", "trimmed_count", "last_sequence")
    LOGS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TRIMMED_COUNT_FIELD_NUMBER: _ClassVar[int]
    LAST_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    logs: _containers.RepeatedCompositeFieldContainer[Log]
    next_page_token: str
    trimmed_count: int
    last_sequence: int
    def __init__(self, logs: _Optional[_Iterable[_Union[Log, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., trimmed_count: _Optional[int] = ..., last_sequence: _Optional[int] = ...) -> None: ...

class WatchLogsRequest(_message.Message):
    __slots__ = ("flow_run_id", "task_run_id", "min_level", "after_sequence")
    FLOW_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    MIN_LEVEL_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    flow_run_id: str
    task_run_id: str
    min_level: LogLevel
    after_sequence: int
    def __init__(self, flow_run_id: _Optional[str] = ..., task_run_id: _Optional[str] = ..., min_level: _Optional[_Union[LogLevel, str]] = ..., after_sequence: _Optional[int] = ...) -> None: ...

class WatchLogsResponse(_message.Message):
    __slots__ = ("logs", "last_sequence", "skipped_count", "run_final")
    LOGS_FIELD_NUMBER: _ClassVar[int]
    LAST_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_COUNT_FIELD_NUMBER: _ClassVar[int]
    RUN_FINAL_FIELD_NUMBER: _ClassVar[int]
    logs: _containers.RepeatedCompositeFieldContainer[Log]
    last_sequence: int
    skipped_count: int
    run_final: bool
    def __init__(self, logs: _Optional[_Iterable[_Union[Log, _Mapping]]] = ..., last_sequence: _Optional[int] = ..., skipped_count: _Optional[int] = ..., run_final: bool = ...) -> None: ...
