"""Predicted masks for finished chunks, from the segmentation service, without stalling the env loop.

Each chunk's new frames go to the service on a background thread while the actor keeps stepping; chunks are
released in order once their masks arrive. At most `depth` chunks wait (backpressure: `submit` blocks on the
oldest one beyond that). The overlap frames' masks are taken from the episode's previous chunk instead of being
segmented twice. A service failure raises `SegmentationError` from `submit`/`drain`: masks are never invented.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from actors.chunks import Chunk
from protos.seg_client import ClientConfig, SegmentationClient


class MaskPipeline:
    def __init__(self, cfg: ClientConfig, depth: int = 4):
        self.client = SegmentationClient(cfg)
        self.depth = depth
        # one FIFO worker: when a chunk's job runs, its episode's previous chunk's job has finished
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="masks")
        self._queue: deque[tuple[Chunk, Future]] = deque()
        self._last: dict[str, Future] = {}  # episode id -> masks future of its latest chunk

    def submit(self, chunk: Chunk) -> list[Chunk]:
        """Queue a chunk for masks; returns the chunks (in order) whose masks are ready."""
        prev = self._last.pop(chunk.episode_id, None) if chunk.first_new else None
        future = self._executor.submit(self._segment, chunk.frames, chunk.first_new, prev)
        if not chunk.done:
            self._last[chunk.episode_id] = future
        self._queue.append((chunk, future))
        ready = self._collect(block=False)
        while len(self._queue) > self.depth:
            ready += self._collect(block=True, limit=1)
        return ready

    def _segment(self, frames: np.ndarray, overlap: int, prev: Future | None) -> np.ndarray:
        reused = prev.result()[-overlap:] if prev is not None else None
        if reused is None or len(reused) < overlap:  # no earlier masks (first chunk, or after a restart)
            return self.client.segment(np.ascontiguousarray(frames))
        return np.concatenate([reused, self.client.segment(np.ascontiguousarray(frames[overlap:]))])

    def _collect(self, block: bool, limit: int | None = None) -> list[Chunk]:
        out = []
        while self._queue and (block or self._queue[0][1].done()) and (limit is None or len(out) < limit):
            chunk, future = self._queue.popleft()
            chunk.pred_masks = future.result()  # re-raises SegmentationError
            out.append(chunk)
        return out

    def drain(self) -> list[Chunk]:
        """Wait for every queued chunk's masks."""
        return self._collect(block=True)

    @property
    def stats(self) -> dict:
        s = self.client.stats
        return {"seg_calls": s.calls, "seg_frames": s.frames, "seg_retries": s.retries, "seg_failures": s.failures}

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        self.client.close()
