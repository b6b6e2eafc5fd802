"""Dynamic batching across every connected client: one inference queue, one onnxruntime session.

Requests wait at most `max_delay_ms` for others of the same frame size to fill a batch of up to `max_batch`
frames and `max_batch_pixels` pixels; a larger request is split into model batches (so one request can never run
as one giant inference). Inference runs in a worker thread so the event loop keeps accepting (and batching) while
a batch runs. Admission control bounds memory: at most `max_inflight_frames` frames and `max_inflight_pixels`
pixels are queued or running (segserver/README.md gives the resulting memory bound).
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import grpc
import numpy as np

from segserver.codec import RequestError
from segserver.metrics import SegMetrics
from segserver.model import OnnxSegmenter


@dataclass
class _Pending:
    frames: np.ndarray
    future: asyncio.Future
    enqueued: float


class DynamicBatcher:
    def __init__(self, model: OnnxSegmenter, metrics: SegMetrics, max_batch: int, max_delay_ms: float,
                 max_inflight_frames: int, max_batch_pixels: int = 2**62, max_inflight_pixels: int = 2**62):
        self.model, self.metrics = model, metrics
        self.max_batch, self.max_delay = max_batch, max_delay_ms / 1000.0
        self.max_batch_pixels, self.max_inflight_pixels = max_batch_pixels, max_inflight_pixels
        self.max_inflight = max_inflight_frames
        self.inflight = 0
        self.inflight_pixels = 0
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="segserver-infer")
        self._task: asyncio.Task | None = None
        self._batch_seconds = 0.005  # running estimate, for retry hints

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        self._executor.shutdown(wait=True)

    def retry_after_ms(self) -> int:
        """How long until roughly one batch worth of in-flight frames has drained."""
        batches = max(1, self.inflight // self.max_batch)
        return int(1000 * batches * self._batch_seconds) + 1

    def batch_frames(self, height: int, width: int) -> int:
        """Most frames of this size one model batch holds (max_batch frames, max_batch_pixels pixels; >= 1)."""
        return max(1, min(self.max_batch, self.max_batch_pixels // (height * width)))

    async def submit(self, frames: np.ndarray) -> np.ndarray:
        n, pixels = len(frames), int(np.prod(frames.shape[:3]))
        if pixels > self.max_inflight_pixels:
            self.metrics.rejects.labels("too_large").inc()
            raise RequestError(grpc.StatusCode.RESOURCE_EXHAUSTED,
                               f"request of {pixels} pixels exceeds max_inflight_pixels={self.max_inflight_pixels}; "
                               f"send fewer frames per request")
        if self.inflight + n > self.max_inflight or self.inflight_pixels + pixels > self.max_inflight_pixels:
            self.metrics.rejects.labels("overload").inc()
            raise RequestError(grpc.StatusCode.RESOURCE_EXHAUSTED,
                               f"overloaded: {self.inflight} frames / {self.inflight_pixels} pixels in flight, limits "
                               f"max_inflight_frames={self.max_inflight}, max_inflight_pixels="
                               f"{self.max_inflight_pixels}; retry after ~{self.retry_after_ms()} ms",
                               self.retry_after_ms())
        self.inflight += n
        self.inflight_pixels += pixels
        self.metrics.inflight.set(self.inflight)
        loop = asyncio.get_running_loop()
        step = self.batch_frames(*frames.shape[1:3])
        parts = [frames[i:i + step] for i in range(0, n, step)]  # views: splitting copies nothing
        futures = [loop.create_future() for _ in parts]
        now = time.perf_counter()
        for part, fut in zip(parts, futures):
            await self._queue.put(_Pending(part, fut, now))
        try:
            masks = await asyncio.gather(*futures)
            return masks[0] if len(masks) == 1 else np.concatenate(masks)
        finally:
            for fut in futures:
                fut.cancel()
            self.inflight -= n
            self.inflight_pixels -= pixels
            self.metrics.inflight.set(self.inflight)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        carry: list[_Pending] = []  # requests of another frame size, kept for the next batch
        while True:
            first = carry.pop(0) if carry else await self._queue.get()
            batch, frames = [first], len(first.frames)
            shape = first.frames.shape[1:]
            cap = self.batch_frames(*shape[:2])
            deadline = first.enqueued + self.max_delay
            keep = []
            for p in carry:  # earlier leftovers first, in arrival order
                if p.frames.shape[1:] == shape and frames + len(p.frames) <= cap:
                    batch.append(p)
                    frames += len(p.frames)
                else:
                    keep.append(p)
            carry = keep
            while frames < cap:
                timeout = deadline - time.perf_counter()
                try:
                    p = self._queue.get_nowait() if timeout <= 0 else await asyncio.wait_for(self._queue.get(),
                                                                                           timeout)
                except (asyncio.QueueEmpty, asyncio.TimeoutError):
                    break
                if p.frames.shape[1:] == shape and frames + len(p.frames) <= cap:
                    batch.append(p)
                    frames += len(p.frames)
                else:
                    carry.append(p)
                    if p.frames.shape[1:] == shape:
                        break  # batch is full
            batch = [p for p in batch if not p.future.cancelled()]
            if not batch:
                continue
            now = time.perf_counter()
            for p in batch:
                self.metrics.queue_wait.observe(now - p.enqueued)
            stacked = batch[0].frames if len(batch) == 1 else np.concatenate([p.frames for p in batch])
            try:
                masks = await loop.run_in_executor(self._executor, self.model.predict, stacked)
            except Exception as exc:  # a model failure fails this batch's requests, not the server
                for p in batch:
                    if not p.future.done():
                        p.future.set_exception(RequestError(grpc.StatusCode.INTERNAL, f"inference failed: {exc}"))
                continue
            took = time.perf_counter() - now
            self._batch_seconds = 0.8 * self._batch_seconds + 0.2 * took
            self.metrics.inference_seconds.observe(took)
            self.metrics.batch_frames.observe(len(stacked))
            self.metrics.frames.inc(len(stacked))
            i = 0
            for p in batch:
                n = len(p.frames)
                if not p.future.done():
                    p.future.set_result(masks[i:i + n])
                i += n
