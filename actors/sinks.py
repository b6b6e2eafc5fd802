"""Where actors send their chunks. A sink takes chunks and reports what it has durably committed."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Protocol

from actors.chunks import Chunk, encode_chunk
from actors.shards import ShardWriter


class ChunkSink(Protocol):
    generation: int
    """How many earlier incarnations of this sink's writer existed (restarts), for unique episode ids."""

    def put(self, chunk: Chunk) -> int:
        """Accept a chunk; return how many shards (or batches) this call committed."""
        ...

    def flush(self) -> int:
        """Commit everything accepted so far; return how many shards this call committed."""
        ...


class ShardSink:
    """Writes chunks into a dataset directory as shards (one writer per actor)."""

    def __init__(self, directory: str | Path, writer_id: str, chunks_per_shard: int = 16):
        self.writer = ShardWriter(directory, writer_id, chunks_per_shard)
        self.generation = self.writer.generation

    def put(self, chunk: Chunk) -> int:
        return int(self.writer.add(chunk) is not None)

    def flush(self) -> int:
        return int(self.writer.flush() is not None)

    @property
    def committed_shards(self) -> int:
        return len(self.writer.records)


class ListSink:
    """Keeps chunks in memory (evaluation sets, tests)."""

    generation = 0

    def __init__(self, writer_id: str = "mem"):
        self.writer_id, self.chunks = writer_id, []

    def put(self, chunk: Chunk) -> int:
        self.chunks.append(chunk)
        return 0

    def flush(self) -> int:
        return 0


class QueueSink:
    """Streams encoded chunks into a bounded Ray queue (the online learner's inbox).

    Chunks travel as the versioned msgpack bytes of `encode_chunk` (never pickled objects). `put` blocks while the
    queue is full: backpressure slows the actors down instead of growing memory without bound.
    """

    def __init__(self, queue, writer_id: str, timeout_s: float | None = None):
        self.queue, self.writer_id, self.timeout_s = queue, writer_id, timeout_s
        self.generation = _ray_restart_generation()

    def put(self, chunk: Chunk) -> int:
        self.queue.put(encode_chunk(chunk), block=True, timeout=self.timeout_s)
        return 1

    def flush(self) -> int:
        return 0


def _ray_restart_generation() -> int:
    """0 for a fresh actor; for a restarted Ray actor a fresh number (time-based, as there is no manifest to count
    restarts in), so episode ids and seeds never repeat across restarts."""
    import ray

    if ray.is_initialized() and _was_reconstructed(ray):
        return 1 + time.time_ns() % 1_000_000_007
    return 0


def _was_reconstructed(ray) -> bool:
    import warnings

    with warnings.catch_warnings():  # ray 2.60 warns about an internal call of its own here
        warnings.simplefilter("ignore", DeprecationWarning)
        return bool(ray.get_runtime_context().was_current_actor_reconstructed)
