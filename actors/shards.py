"""Datasets on disk: directories of chunk shards plus per-writer manifests.

A shard is a file of length-prefixed encoded chunks (u32 LE length | chunk bytes)*. Shards and manifests are
written to a temporary file, fsynced and renamed into place, so a reader never sees a half-written file. A shard
counts as committed once its writer's manifest (`manifests/<writer>.json`) lists it; a writer that restarts after
a crash adopts fully-renamed shards its manifest missed and deletes its stale temporary files, so nothing
committed is lost or duplicated. Several writers (one per actor) share one directory without coordination.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import struct
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from actors.chunks import Chunk, ChunkDecodeError, decode_chunk, encode_chunk
from common.files import atomic_write_bytes

_LEN = struct.Struct("<I")
MANIFEST_DIR = "manifests"
_WRITER_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@dataclass
class ShardRecord:
    """One committed shard as listed in a manifest."""

    file: str
    chunks: int
    frames: int
    transitions: int
    bytes: int
    sha256: str


def _shard_bytes(encoded: list[bytes]) -> bytes:
    return b"".join(_LEN.pack(len(e)) + e for e in encoded)


def read_shard(path: Path) -> Iterator[Chunk]:
    """Yield the chunks of one shard file; ChunkDecodeError on truncation or corruption."""
    data = Path(path).read_bytes()
    pos = 0
    while pos < len(data):
        if pos + _LEN.size > len(data):
            raise ChunkDecodeError(f"{path}: truncated record header at byte {pos}")
        (n,) = _LEN.unpack_from(data, pos)
        pos += _LEN.size
        if pos + n > len(data):
            raise ChunkDecodeError(f"{path}: record at byte {pos} needs {n} bytes, only {len(data) - pos} left")
        try:
            yield decode_chunk(memoryview(data)[pos:pos + n])
        except ChunkDecodeError as exc:
            raise ChunkDecodeError(f"{path}: record at byte {pos}: {exc}") from None
        pos += n


class ShardWriter:
    """Accumulates chunks and commits them as shards of `chunks_per_shard` chunks."""

    def __init__(self, directory: str | Path, writer_id: str, chunks_per_shard: int = 16):
        if not _WRITER_ID.match(writer_id):
            raise ValueError(f"writer_id {writer_id!r} must match {_WRITER_ID.pattern}")
        if chunks_per_shard < 1:
            raise ValueError("chunks_per_shard must be >= 1")
        self.dir = Path(directory)
        self.writer_id = writer_id
        self.chunks_per_shard = chunks_per_shard
        (self.dir / MANIFEST_DIR).mkdir(parents=True, exist_ok=True)
        self._manifest_path = self.dir / MANIFEST_DIR / f"{writer_id}.json"
        self._pending: list[bytes] = []
        self._pending_frames = self._pending_transitions = 0
        self.records: list[ShardRecord] = []
        self.generation = 0
        self._recover()

    # -- recovery after a crash of a previous incarnation of this writer ---------------------------------------
    def _recover(self) -> None:
        if self._manifest_path.exists():
            m = json.loads(self._manifest_path.read_text())
            self.records = [ShardRecord(**r) for r in m["shards"]]
            self.generation = int(m["generation"]) + 1
        for stale in self.dir.glob(f".tmp-{self.writer_id}-*"):
            stale.unlink(missing_ok=True)
        listed = {r.file for r in self.records}
        for path in sorted(self.dir.glob(f"{self.writer_id}-*.shard")):
            if path.name in listed:
                continue
            try:  # renamed into place means complete; verify before adopting
                chunks = list(read_shard(path))
            except ChunkDecodeError:
                path.rename(path.with_suffix(".corrupt"))
                continue
            self.records.append(self._record(path, chunks))
        self.records.sort(key=lambda r: r.file)
        self._write_manifest()

    def _record(self, path: Path, chunks: list[Chunk]) -> ShardRecord:
        data = path.read_bytes()
        return ShardRecord(file=path.name, chunks=len(chunks), frames=sum(c.num_frames for c in chunks),
                           transitions=sum(c.new_transitions for c in chunks), bytes=len(data),
                           sha256=hashlib.sha256(data).hexdigest())

    # -- writing ---------------------------------------------------------------------------------------------
    def add(self, chunk: Chunk) -> ShardRecord | None:
        """Queue a chunk; returns the record of a shard if this call committed one."""
        self._pending.append(encode_chunk(chunk))
        self._pending_frames += chunk.num_frames
        self._pending_transitions += chunk.new_transitions
        if len(self._pending) >= self.chunks_per_shard:
            return self.flush()
        return None

    def flush(self) -> ShardRecord | None:
        """Commit whatever is queued as one (possibly short) shard."""
        if not self._pending:
            return None
        seq = max((int(r.file.rsplit("-", 1)[1].split(".")[0]) for r in self.records), default=-1) + 1
        name = f"{self.writer_id}-{seq:06d}.shard"
        data = _shard_bytes(self._pending)
        # temp name carries the writer id so only this writer ever cleans it up
        fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=f".tmp-{self.writer_id}-")
        try:
            os.fchmod(fd, 0o644)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.dir / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        rec = ShardRecord(file=name, chunks=len(self._pending), frames=self._pending_frames,
                          transitions=self._pending_transitions, bytes=len(data),
                          sha256=hashlib.sha256(data).hexdigest())
        self.records.append(rec)
        self._write_manifest()
        self._pending, self._pending_frames, self._pending_transitions = [], 0, 0
        return rec

    def _write_manifest(self) -> None:
        body = {"writer_id": self.writer_id, "generation": self.generation,
                "shards": [asdict(r) for r in self.records]}
        atomic_write_bytes(self._manifest_path, json.dumps(body, indent=1).encode())

    @property
    def pending_chunks(self) -> int:
        return len(self._pending)


class ShardReader:
    """Reads a dataset directory through its manifests (committed shards only)."""

    def __init__(self, directory: str | Path, verify: bool = False):
        self.dir = Path(directory)
        mdir = self.dir / MANIFEST_DIR
        if not mdir.is_dir():
            raise FileNotFoundError(f"{self.dir} is not a masklam dataset: no {MANIFEST_DIR}/ folder")
        self.records: list[ShardRecord] = []
        for mf in sorted(mdir.glob("*.json")):
            try:
                self.records.extend(ShardRecord(**r) for r in json.loads(mf.read_text())["shards"])
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise ChunkDecodeError(f"manifest {mf} is truncated or corrupt ({exc}); restore it, or delete it to "
                                       f"drop that actor's shards from the dataset") from None
        for r in self.records:
            path = self.dir / r.file
            if not path.exists():
                raise FileNotFoundError(f"manifest lists {r.file} but it is missing from {self.dir}")
            if verify and hashlib.sha256(path.read_bytes()).hexdigest() != r.sha256:
                raise ChunkDecodeError(f"{path}: sha256 does not match its manifest entry")

    @property
    def num_chunks(self) -> int:
        return sum(r.chunks for r in self.records)

    @property
    def num_transitions(self) -> int:
        return sum(r.transitions for r in self.records)

    def __iter__(self) -> Iterator[Chunk]:
        for r in self.records:
            yield from read_shard(self.dir / r.file)
