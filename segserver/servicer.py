"""`SegmentationServicer`: the three RPCs over the dynamic batcher."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator

import grpc
from google.protobuf.message import DecodeError

from protos import segmentation_pb2 as pb
from protos import segmentation_pb2_grpc as pb_grpc
from segserver.batcher import DynamicBatcher
from protos.seg_codec import masks_to_proto
from segserver.codec import RequestError, frames_from_proto
from segserver.config import SegServerConfig
from segserver.metrics import SegMetrics
from segserver.model import OnnxSegmenter

_REASONS = {grpc.StatusCode.INVALID_ARGUMENT: "invalid", grpc.StatusCode.RESOURCE_EXHAUSTED: "too_large",
            grpc.StatusCode.UNAVAILABLE: "not_ready"}
log = logging.getLogger("segserver")


class Malformed:
    """Stands in for a request whose bytes are not a valid protobuf message (gRPC would answer UNKNOWN and log a
    traceback per call; we answer INVALID_ARGUMENT with one log line)."""

    def __init__(self, kind: str, error: Exception):
        self.message = f"request bytes are not a valid {kind} protobuf message ({error})"


def _tolerant(message_cls):
    def deserialize(data: bytes):
        try:
            return message_cls.FromString(data)
        except (DecodeError, ValueError) as exc:
            return Malformed(message_cls.__name__, exc)
    return deserialize


def add_to_server(servicer: "SegmentationServicer", server) -> None:
    """Register the servicer like the generated `add_SegmentationServicer_to_server`, with tolerant decoding."""
    handlers = {
        "Segment": grpc.unary_unary_rpc_method_handler(
            servicer.Segment, request_deserializer=_tolerant(pb.SegmentRequest),
            response_serializer=pb.SegmentResponse.SerializeToString),
        "SegmentStream": grpc.stream_stream_rpc_method_handler(
            servicer.SegmentStream, request_deserializer=_tolerant(pb.SegmentRequest),
            response_serializer=pb.SegmentResponse.SerializeToString),
        "GetModelInfo": grpc.unary_unary_rpc_method_handler(
            servicer.GetModelInfo, request_deserializer=_tolerant(pb.GetModelInfoRequest),
            response_serializer=pb.ModelInfo.SerializeToString),
    }
    name = pb.DESCRIPTOR.services_by_name["Segmentation"].full_name
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(name, handlers),))
    server.add_registered_method_handlers(name, handlers)


class SegmentationServicer(pb_grpc.SegmentationServicer):
    def __init__(self, cfg: SegServerConfig, metrics: SegMetrics):
        self.cfg, self.metrics = cfg, metrics
        self.model: OnnxSegmenter | None = None
        self.batcher: DynamicBatcher | None = None

    def attach(self, model: OnnxSegmenter, batcher: DynamicBatcher) -> None:
        """Called once the model is loaded and warm; until then calls get UNAVAILABLE."""
        self.model, self.batcher = model, batcher

    async def _segment(self, request: pb.SegmentRequest) -> pb.SegmentResponse:
        if isinstance(request, Malformed):
            self.metrics.rejects.labels("invalid").inc()
            log.warning("rejected a malformed request: %s", request.message)
            raise RequestError(grpc.StatusCode.INVALID_ARGUMENT, request.message)
        if self.batcher is None:
            raise RequestError(grpc.StatusCode.UNAVAILABLE, "model is still loading; retry shortly", 500)
        try:
            frames = frames_from_proto(request.frames, self.cfg.max_frames_per_request, self.cfg.max_side)
        except RequestError as exc:
            self.metrics.rejects.labels(_REASONS.get(exc.code, "other")).inc()
            raise
        masks = await self.batcher.submit(frames)
        return pb.SegmentResponse(masks=masks_to_proto(masks), request_id=request.request_id,
                                  model_version=self.model.version)

    async def Segment(self, request: pb.SegmentRequest, context: grpc.aio.ServicerContext) -> pb.SegmentResponse:
        start = time.perf_counter()
        try:
            return await self._segment(request)
        except RequestError as exc:
            if exc.retry_after_ms:
                context.set_trailing_metadata((("retry-after-ms", str(exc.retry_after_ms)),))
            await context.abort(exc.code, exc.message)
        finally:
            self.metrics.request_seconds.labels("Segment").observe(time.perf_counter() - start)

    async def SegmentStream(self, request_iterator: AsyncIterator[pb.SegmentRequest],
                            context: grpc.aio.ServicerContext) -> AsyncIterator[pb.SegmentResponse]:
        async for request in request_iterator:
            start = time.perf_counter()
            try:
                yield await self._segment(request)
            except RequestError as exc:
                rid = "" if isinstance(request, Malformed) else request.request_id
                yield pb.SegmentResponse(request_id=rid, error=pb.Error(
                    code=exc.code.value[0], message=exc.message, retry_after_ms=exc.retry_after_ms))
            finally:
                self.metrics.request_seconds.labels("SegmentStream").observe(time.perf_counter() - start)

    async def GetModelInfo(self, request: pb.GetModelInfoRequest, context: grpc.aio.ServicerContext) -> pb.ModelInfo:
        if isinstance(request, Malformed):
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, request.message)
        if self.model is None:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "model is still loading; retry shortly")
        m, c = self.model, self.cfg
        return pb.ModelInfo(model_version=m.version, model_path=str(m.path), provider=m.provider,
                            available_providers=m.available_providers, input_layout="NHWC uint8 RGB",
                            threshold=m.threshold, max_batch_frames=c.max_batch,
                            max_frames_per_request=c.max_frames_per_request, max_side=c.max_side,
                            max_inflight_frames=c.max_inflight_frames, max_message_bytes=c.max_message_bytes,
                            card_json=m.card_json)
