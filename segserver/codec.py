"""Validation of incoming frame batches (packing helpers live in protos.seg_codec, shared with clients)."""

from __future__ import annotations

import grpc
import numpy as np

from protos import segmentation_pb2 as pb


class RequestError(Exception):
    """A request the server refuses; carries the gRPC status code and a message naming the field and limit."""

    def __init__(self, code: grpc.StatusCode, message: str, retry_after_ms: int = 0):
        super().__init__(message)
        self.code, self.message, self.retry_after_ms = code, message, retry_after_ms


def frames_from_proto(batch: pb.FrameBatch, max_frames: int, max_side: int) -> np.ndarray:
    """Validate a FrameBatch and view it as uint8 [N,H,W,3]; RequestError names the offending field."""
    bad = grpc.StatusCode.INVALID_ARGUMENT
    if batch.count == 0:
        raise RequestError(bad, "frames.count must be >= 1")
    if batch.count > max_frames:
        raise RequestError(grpc.StatusCode.RESOURCE_EXHAUSTED,
                           f"frames.count {batch.count} exceeds max_frames_per_request {max_frames}")
    for name in ("height", "width"):
        v = getattr(batch, name)
        if not 1 <= v <= max_side:
            raise RequestError(bad, f"frames.{name} {v} must be in [1, {max_side}]")
    if batch.height % 4 or batch.width % 4:
        raise RequestError(bad, f"frames.height and frames.width must be multiples of 4, got "
                                f"{batch.height}x{batch.width}")
    if batch.channels != 3:
        raise RequestError(bad, f"frames.channels must be 3 (RGB), got {batch.channels}")
    expected = batch.count * batch.height * batch.width * 3
    if len(batch.data) != expected:
        raise RequestError(bad, f"frames.data has {len(batch.data)} bytes, count*height*width*channels = "
                                f"{expected}")
    return np.frombuffer(batch.data, np.uint8).reshape(batch.count, batch.height, batch.width, 3)
