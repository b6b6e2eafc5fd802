"""Where actors send their chunks. A sink takes chunks and reports what it has durably committed."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from actors.chunks import Chunk
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
