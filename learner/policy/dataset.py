"""Transitions of recorded shards as policy training data: observation stacks X_t and their targets.

A policy observation is the frame stack X_t = (x_{t-2}, x_{t-1}, x_t) of raw distracted frames, laid out
uint8 [H, W, 3F] (oldest frame first) exactly as `actors.evaluation` builds it online. Blocks of F+1 frames
give X_t, X_{t+1} (what the IDM labels from) and the true action a_t.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from actors.chunks import Chunk
from learner.replay import BlockBatch, BlockReplay

Labeller = Callable[[BlockBatch], np.ndarray]
"""Maps a batch of F+1-frame blocks to one target row per block (latent z_t, or the true action a_t)."""


def stack_frames(frames: np.ndarray) -> np.ndarray:
    """uint8 [..., F, H, W, 3] -> [..., H, W, 3F], oldest frame first."""
    moved = np.moveaxis(frames, -4, -2)  # [..., H, W, F, 3]
    return np.ascontiguousarray(moved.reshape(*moved.shape[:-2], -1))


def true_actions(frame_stack: int) -> Labeller:
    """The recorded action a_t taken at the last frame of X_t."""
    return lambda batch: batch.actions[:, frame_stack - 1]


def policy_blocks(chunks: Iterable[Chunk], frame_stack: int, batch_size: int = 256,
                  labelled_only: bool = False, limit: int | None = None, shuffle_seed: int | None = None,
                  episodes: set[str] | None = None) -> Iterator[BlockBatch]:
    """Every transition with a full X_t and X_{t+1} once, as BlockBatches of F+1 frames: in stream order, or
    shuffled across the whole dataset with `shuffle_seed`. `episodes` keeps only those episode ids."""
    replay = BlockReplay(frame_stack + 1, capacity_frames=10**12)
    for c in chunks:
        if (c.labelled or not labelled_only) and (episodes is None or c.episode_id in episodes):
            replay.add(c)
    if replay.num_blocks == 0:
        raise ValueError("the dataset has no " + ("labelled " if labelled_only else "") +
                         f"transitions with {frame_stack + 1} consecutive frames")
    rng = None if shuffle_seed is None else np.random.default_rng(shuffle_seed)
    yield from replay.iter_blocks(batch_size, limit=limit, shuffle=rng)


def _tensor_column(values: np.ndarray) -> pa.Array:
    # Ray Data's tensor extension type: read_parquet hands these columns back as ndarrays of the same shape.
    from ray.data._internal.tensor_extensions.arrow import ArrowTensorArray

    return ArrowTensorArray.from_numpy(values)


def write_bc_dataset(blocks: Iterable[BlockBatch], labeller: Labeller, out_dir: str | Path, frame_stack: int,
                     rows_per_file: int = 2048) -> int:
    """Write parquet files in RLlib's offline column schema (obs, actions, rewards, terminateds, truncateds).

    `actions` holds the labeller's targets. Rewards are zero: behaviour cloning never reads them. Rows keep the
    order of `blocks` (pass shuffled blocks: RLlib reads files in order, so this is what mixes its minibatches);
    `rows.npz` records each row's episode id. Returns the rows written. Files are written under a temporary name
    and renamed, so a reader never sees half a file.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    obs_buf, tgt_buf, rows, part = [], [], 0, 0
    episodes: list[np.ndarray] = []

    def flush() -> None:
        nonlocal obs_buf, tgt_buf, part
        if not obs_buf:
            return
        obs, tgt = np.concatenate(obs_buf), np.concatenate(tgt_buf).astype(np.float32)
        n = len(obs)
        table = pa.table({"obs": _tensor_column(obs), "actions": _tensor_column(tgt),
                          "rewards": np.zeros(n, np.float32), "terminateds": np.zeros(n, bool),
                          "truncateds": np.zeros(n, bool)})
        tmp = out / f".part-{part:05d}.parquet.tmp"
        pq.write_table(table, tmp)
        tmp.rename(out / f"part-{part:05d}.parquet")
        obs_buf, tgt_buf, part = [], [], part + 1

    for batch in blocks:
        obs_buf.append(stack_frames(batch.frames[:, :frame_stack]))
        tgt_buf.append(np.asarray(labeller(batch)))
        episodes.append(batch.episodes)
        rows += len(batch.frames)
        if sum(len(o) for o in obs_buf) >= rows_per_file:
            flush()
    flush()
    np.savez(out / "rows.npz", episodes=np.concatenate(episodes) if episodes else np.array([], dtype=str))
    return rows
