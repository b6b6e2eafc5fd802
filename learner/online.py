"""`OnlineLAMLearner`: the learner process of an online run (wrapped as a Ray actor by the pipeline).

It drains encoded chunks from the actors' queue into a bounded block replay, trains every method on the same
batches, and checkpoints atomically every `checkpoint_every` updates. A corrupt chunk is counted and skipped, never
trained on. After a crash Ray restarts it and it resumes from its last checkpoint with the same update counter.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty

import numpy as np

from actors.chunks import ChunkDecodeError, decode_chunk
from learner.checkpoint import load_latest, save_checkpoint
from learner.lam.learner import LAMLearner
from learner.lam.learner_config import LAMLearnerConfig
from learner.replay import BlockReplay

log = logging.getLogger("masklam.learner")


@dataclass(frozen=True)
class TrainReport:
    """What one `OnlineLAMLearner.train` call did (returned through Ray to the driver)."""

    updates: int
    """The learner's update counter after the call (continues across restarts)."""
    ups: float
    """Updates per second during the call (waiting for the replay to fill not counted)."""
    metrics: dict[str, float] = field(default_factory=dict)
    """Each `<method>/<metric>` averaged over the call's updates (losses, online probe NMSE, ...)."""
    replay_blocks: int = 0
    """Blocks the replay can sample from."""
    replay_frames: int = 0
    """Frames held by the replay."""
    chunks_in: int = 0
    """Chunks received since this learner process started (corrupt ones included)."""
    bad_chunks: int = 0
    """Corrupt chunks counted and skipped, never trained on."""


@dataclass(frozen=True)
class LearnerInfo:
    """Where a learner process starts from."""

    updates: int
    """The update counter now."""
    device: str
    """Torch device the methods train on."""
    resumed_from: int | None = None
    """The checkpoint's update counter if this process resumed (or was restarted by Ray), else None."""


class OnlineLAMLearner:
    def __init__(self, cfg: LAMLearnerConfig, action_dim: int, queue, checkpoint_dir: str,
                 checkpoint_every: int = 500, resume: bool = False, min_blocks: int = 256,
                 checkpoint_seconds: float = 0.0, keep_every: int = 0):
        self.cfg, self.queue = cfg, queue
        self.learner = LAMLearner(cfg, action_dim)
        self.replay = BlockReplay(cfg.block_len, cfg.replay_frames)
        self.rng = np.random.default_rng(cfg.seed)
        self.checkpoint_dir, self.checkpoint_every, self.min_blocks = Path(checkpoint_dir), checkpoint_every, min_blocks
        self.checkpoint_seconds, self.keep_every = checkpoint_seconds, keep_every
        self._last_checkpoint = time.monotonic()
        self.chunks_in = self.bad_chunks = 0
        self.resumed_from = None
        if resume or _restarted():
            state = load_latest(self.checkpoint_dir)
            if state is not None:
                self.learner.load_state_dict(state["learner"])
                self.rng = np.random.default_rng([cfg.seed, self.learner.updates])
                self.resumed_from = self.learner.updates

    def ingest(self, wait_s: float = 0.0) -> int:
        """Move every queued chunk into the replay; wait up to `wait_s` for the first one if none is queued."""
        if self.queue is None:  # offline: the replay was filled up front
            return 0
        n = 0
        deadline = time.monotonic() + wait_s
        while True:
            try:
                items = self.queue.get_nowait_batch(max(1, self.queue.qsize()))
            except Empty:
                if n or time.monotonic() >= deadline:
                    return n
                time.sleep(0.02)
                continue
            for data in items:
                try:
                    self.replay.add(decode_chunk(data))
                    n += 1
                except ChunkDecodeError as exc:
                    self.bad_chunks += 1
                    log.warning("skipping a corrupt chunk: %s", exc)
            self.chunks_in += len(items)

    def train(self, updates: int, max_wait_s: float = 60.0) -> TrainReport:
        """Run `updates` updates (after the replay holds `min_blocks` blocks); returns mean metrics and counters."""
        start = time.monotonic()
        while self.replay.num_blocks < self.min_blocks:
            if time.monotonic() - start > max_wait_s:
                raise TimeoutError(f"replay holds {self.replay.num_blocks} blocks after {max_wait_s}s; "
                                   f"need {self.min_blocks} (are the actors running?)")
            self.ingest(wait_s=1.0)
        sums: dict[str, float] = {}
        t0 = time.perf_counter()
        for _ in range(updates):
            self.ingest()
            batch = self.replay.sample(self.cfg.batch_size, self.rng)
            for k, v in self.learner.update(batch).items():
                sums[k] = sums.get(k, 0.0) + v
            due = self.checkpoint_seconds and time.monotonic() - self._last_checkpoint >= self.checkpoint_seconds
            curve_point = self.keep_every and self.learner.updates % self.keep_every == 0
            if self.learner.updates % self.checkpoint_every == 0 or due or curve_point:
                self.checkpoint()
        took = time.perf_counter() - t0
        return TrainReport(updates=self.learner.updates, ups=updates / took if took else 0.0,
                           metrics={k: v / updates for k, v in sums.items()}, replay_blocks=self.replay.num_blocks,
                           replay_frames=self.replay.frames, chunks_in=self.chunks_in, bad_chunks=self.bad_chunks)

    def load_shards(self, directory: str) -> int:
        """Offline mode: fill the replay from a recorded dataset (committed shards only)."""
        from actors.shards import ShardReader

        n = 0
        for chunk in ShardReader(directory):
            self.replay.add(chunk)
            n += 1
        self.chunks_in += n
        return n

    def checkpoint(self) -> str:
        self._last_checkpoint = time.monotonic()
        return str(save_checkpoint({"learner": self.learner.state_dict()}, self.checkpoint_dir,
                                   self.learner.updates, keep_every=self.keep_every))

    def state(self) -> dict:
        """The methods' weights, optimisers and update counter (`LAMLearner.state_dict`)."""
        return self.learner.state_dict()

    def updates(self) -> int:
        return self.learner.updates

    def info(self) -> LearnerInfo:
        return LearnerInfo(updates=self.learner.updates, device=str(self.learner.device),
                           resumed_from=self.resumed_from)


def _restarted() -> bool:
    import ray

    # only a Ray actor can have been reconstructed (the driver or a plain process asking would raise)
    return ray.is_initialized() and ray.get_runtime_context().get_actor_id() is not None and _was_reconstructed(ray)


def _was_reconstructed(ray) -> bool:
    import warnings

    with warnings.catch_warnings():  # ray 2.60 warns about an internal call of its own here
        warnings.simplefilter("ignore", DeprecationWarning)
        return bool(ray.get_runtime_context().was_current_actor_reconstructed)
