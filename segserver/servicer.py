"""`SegmentationServicer`: the three RPCs over the dynamic batcher."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import grpc

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


class SegmentationServicer(pb_grpc.SegmentationServicer):
    def __init__(self, cfg: SegServerConfig, metrics: SegMetrics):
        self.cfg, self.metrics = cfg, metrics
        self.model: OnnxSegmenter | None = None
        self.batcher: DynamicBatcher | None = None

    def attach(self, model: OnnxSegmenter, batcher: DynamicBatcher) -> None:
        """Called once the model is loaded and warm; until then calls get UNAVAILABLE."""
        self.model, self.batcher = model, batcher

    async def _segment(self, request: pb.SegmentRequest) -> pb.SegmentResponse:
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
                yield pb.SegmentResponse(request_id=request.request_id, error=pb.Error(
                    code=exc.code.value[0], message=exc.message, retry_after_ms=exc.retry_after_ms))
            finally:
                self.metrics.request_seconds.labels("SegmentStream").observe(time.perf_counter() - start)

    async def GetModelInfo(self, request: pb.GetModelInfoRequest, context: grpc.aio.ServicerContext) -> pb.ModelInfo:
        if self.model is None:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "model is still loading; retry shortly")
        m, c = self.model, self.cfg
        return pb.ModelInfo(model_version=m.version, model_path=str(m.path), provider=m.provider,
                            available_providers=m.available_providers, input_layout="NHWC uint8 RGB",
                            threshold=m.threshold, max_batch_frames=c.max_batch,
                            max_frames_per_request=c.max_frames_per_request, max_side=c.max_side,
                            max_inflight_frames=c.max_inflight_frames, max_message_bytes=c.max_message_bytes,
                            card_json=m.card_json)
