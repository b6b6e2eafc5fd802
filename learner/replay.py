"""A bounded replay of chunks from which the learner samples fixed-length blocks of consecutive frames.

Chunks of one episode overlap (see actors/chunks.py), so a block is only sampled from the chunk that holds it
"first": its last frame's index is >= the chunk's `first_new`. Every block of the stream is then equally likely,
whatever the chunking. Capacity is counted in frames; the oldest chunks are dropped first.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from actors.chunks import Chunk


@dataclass
class BlockBatch:
    """B blocks of L consecutive frames."""

    frames: np.ndarray
    """uint8 [B, L, H, W, 3]."""
    gt_masks: np.ndarray
    """uint8 [B, L, H, W] simulator masks."""
    pred_masks: np.ndarray | None
    """uint8 [B, L, H, W] served masks (None if any sampled chunk has none)."""
    actions: np.ndarray
    """float32 [B, L-1, A]: actions[:, i] leads from frame i to frame i+1."""
    labelled: np.ndarray
    """bool [B]: the block's episode may be used as action labels."""
    episodes: np.ndarray | None = None
    """str [B]: episode id of each block (probes group by it)."""
    states: np.ndarray | None = None
    """float32 [B, L, S] proprioceptive states of the frames (state-leak probes)."""


class BlockReplay:
    def __init__(self, block_len: int, capacity_frames: int):
        if block_len < 2:
            raise ValueError("block_len must be >= 2")
        self.block_len, self.capacity = block_len, capacity_frames
        self._chunks: deque[Chunk] = deque()
        self._starts: deque[int] = deque()  # number of sampleable blocks per chunk
        self.frames = 0
        self.added_chunks = 0

    def add(self, chunk: Chunk) -> None:
        n = self._sampleable(chunk)
        if n == 0:
            return  # shorter than a block, or every block already in the previous chunk
        self._chunks.append(chunk)
        self._starts.append(n)
        self.frames += chunk.num_frames
        self.added_chunks += 1
        while self.frames > self.capacity and len(self._chunks) > 1:
            old = self._chunks.popleft()
            self._starts.popleft()
            self.frames -= old.num_frames

    def _sampleable(self, chunk: Chunk) -> int:
        # block [s, s+L) is new iff its last frame s+L-1 >= first_new
        lo = max(0, chunk.first_new - self.block_len + 1)
        hi = chunk.num_frames - self.block_len  # last valid start
        return max(0, hi - lo + 1)

    @property
    def num_blocks(self) -> int:
        return int(sum(self._starts))

    def __len__(self) -> int:
        return len(self._chunks)

    def iter_blocks(self, batch_size: int, limit: int | None = None, shuffle: np.random.Generator | None = None):
        """Every sampleable block once, as BlockBatches of up to `batch_size`: in stream order (evaluation), or in a
        random order drawn from `shuffle` (training data written once, e.g. BC's parquet rows)."""
        picks = []
        for i, (c, n) in enumerate(zip(self._chunks, self._starts)):
            lo = max(0, c.first_new - self.block_len + 1)
            picks.extend((i, lo + j) for j in range(n))
        if limit is not None and len(picks) > limit:  # evenly spaced, still in order
            picks = [picks[k] for k in np.linspace(0, len(picks) - 1, limit).astype(int)]
        if shuffle is not None:
            picks = [picks[k] for k in shuffle.permutation(len(picks))]
        for a in range(0, len(picks), batch_size):
            yield self._gather(picks[a:a + batch_size])

    def sample(self, batch_size: int, rng: np.random.Generator) -> BlockBatch:
        if not self._chunks:
            raise RuntimeError("replay is empty")
        counts = np.fromiter(self._starts, dtype=np.int64)
        which = rng.choice(len(counts), size=batch_size, p=counts / counts.sum())
        picks = []
        for i in which:
            c = self._chunks[i]
            picks.append((i, max(0, c.first_new - self.block_len + 1) + int(rng.integers(self._starts[i]))))
        return self._gather(picks)

    def _gather(self, picks: list[tuple[int, int]]) -> BlockBatch:
        L = self.block_len
        frames, gts, preds, acts, lab, eps, states = [], [], [], [], [], [], []
        for i, s in picks:
            c = self._chunks[i]
            frames.append(c.frames[s:s + L])
            gts.append(c.gt_masks[s:s + L])
            preds.append(None if c.pred_masks is None else c.pred_masks[s:s + L])
            acts.append(c.actions[s:s + L - 1])
            lab.append(c.labelled)
            eps.append(c.episode_id)
            states.append(c.states[s:s + L])
        pred = None if any(p is None for p in preds) else np.stack(preds)
        return BlockBatch(np.stack(frames), np.stack(gts), pred, np.stack(acts), np.array(lab), np.array(eps),
                          np.stack(states))
