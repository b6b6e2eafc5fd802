from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class FrameBatch(_message.Message):
    __slots__ = ("count", "height", "width", "channels", "data")
    COUNT_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    count: int
    height: int
    width: int
    channels: int
    data: bytes
    def __init__(self, count: _Optional[int] = ..., height: _Optional[int] = ..., width: _Optional[int] = ..., channels: _Optional[int] = ..., data: _Optional[bytes] = ...) -> None: ...

class SegmentRequest(_message.Message):
    __slots__ = ("frames", "request_id")
    FRAMES_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    frames: FrameBatch
    request_id: str
    def __init__(self, frames: _Optional[_Union[FrameBatch, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class MaskBatch(_message.Message):
    __slots__ = ("count", "height", "width", "packed")
    COUNT_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    PACKED_FIELD_NUMBER: _ClassVar[int]
    count: int
    height: int
    width: int
    packed: bytes
    def __init__(self, count: _Optional[int] = ..., height: _Optional[int] = ..., width: _Optional[int] = ..., packed: _Optional[bytes] = ...) -> None: ...

class Error(_message.Message):
    __slots__ = ("code", "message", "retry_after_ms")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    RETRY_AFTER_MS_FIELD_NUMBER: _ClassVar[int]
    code: int
    message: str
    retry_after_ms: int
    def __init__(self, code: _Optional[int] = ..., message: _Optional[str] = ..., retry_after_ms: _Optional[int] = ...) -> None: ...

class SegmentResponse(_message.Message):
    __slots__ = ("masks", "request_id", "model_version", "error")
    MASKS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    masks: MaskBatch
    request_id: str
    model_version: str
    error: Error
    def __init__(self, masks: _Optional[_Union[MaskBatch, _Mapping]] = ..., request_id: _Optional[str] = ..., model_version: _Optional[str] = ..., error: _Optional[_Union[Error, _Mapping]] = ...) -> None: ...

class GetModelInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ModelInfo(_message.Message):
    __slots__ = ("model_version", "model_path", "provider", "available_providers", "input_layout", "threshold", "max_batch_frames", "max_frames_per_request", "max_side", "max_inflight_frames", "max_message_bytes", "card_json")
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    MODEL_PATH_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_PROVIDERS_FIELD_NUMBER: _ClassVar[int]
    INPUT_LAYOUT_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    MAX_BATCH_FRAMES_FIELD_NUMBER: _ClassVar[int]
    MAX_FRAMES_PER_REQUEST_FIELD_NUMBER: _ClassVar[int]
    MAX_SIDE_FIELD_NUMBER: _ClassVar[int]
    MAX_INFLIGHT_FRAMES_FIELD_NUMBER: _ClassVar[int]
    MAX_MESSAGE_BYTES_FIELD_NUMBER: _ClassVar[int]
    CARD_JSON_FIELD_NUMBER: _ClassVar[int]
    model_version: str
    model_path: str
    provider: str
    available_providers: _containers.RepeatedScalarFieldContainer[str]
    input_layout: str
    threshold: float
    max_batch_frames: int
    max_frames_per_request: int
    max_side: int
    max_inflight_frames: int
    max_message_bytes: int
    card_json: str
    def __init__(self, model_version: _Optional[str] = ..., model_path: _Optional[str] = ..., provider: _Optional[str] = ..., available_providers: _Optional[_Iterable[str]] = ..., input_layout: _Optional[str] = ..., threshold: _Optional[float] = ..., max_batch_frames: _Optional[int] = ..., max_frames_per_request: _Optional[int] = ..., max_side: _Optional[int] = ..., max_inflight_frames: _Optional[int] = ..., max_message_bytes: _Optional[int] = ..., card_json: _Optional[str] = ...) -> None: ...
