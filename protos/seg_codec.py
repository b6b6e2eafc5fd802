"""Frames and masks <-> protobuf messages of masklam.seg.v1 (shared by the service and its clients)."""

from __future__ import annotations

import numpy as np

from protos import segmentation_pb2 as pb


def frames_to_proto(frames: np.ndarray) -> pb.FrameBatch:
    """uint8 [N,H,W,C] -> FrameBatch."""
    if not isinstance(frames, np.ndarray) or frames.dtype != np.uint8 or frames.ndim != 4:
        raise ValueError(f"frames must be uint8 [N,H,W,C], got {getattr(frames, 'dtype', type(frames))} "
                         f"{getattr(frames, 'shape', '')}")
    n, h, w, c = frames.shape
    return pb.FrameBatch(count=n, height=h, width=w, channels=c, data=np.ascontiguousarray(frames).tobytes())


def masks_to_proto(masks: np.ndarray) -> pb.MaskBatch:
    """{0,1} uint8 [N,H,W] -> bit-packed MaskBatch (8x smaller than bytes)."""
    n, h, w = masks.shape
    return pb.MaskBatch(count=n, height=h, width=w, packed=np.packbits(masks.reshape(-1)).tobytes())


def masks_from_proto(batch: pb.MaskBatch) -> np.ndarray:
    """MaskBatch -> {0,1} uint8 [N,H,W]; ValueError if the byte count does not match the shape."""
    n = batch.count * batch.height * batch.width
    if len(batch.packed) != (n + 7) // 8:
        raise ValueError(f"mask batch has {len(batch.packed)} bytes, shape needs {(n + 7) // 8}")
    bits = np.unpackbits(np.frombuffer(batch.packed, np.uint8), count=n)
    return bits.reshape(batch.count, batch.height, batch.width)
