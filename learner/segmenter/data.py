"""Frames and simulator masks for segmenter training, read from chunk shard datasets (the actors' data format)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from actors.shards import ShardReader


def load_frames(directory: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """All distinct frames of a dataset (overlapping chunk frames counted once) and their gt masks."""
    frames, masks = [], []
    for chunk in ShardReader(directory):
        start = chunk.first_new
        frames.append(chunk.frames[start:])
        masks.append(chunk.gt_masks[start:])
    if not frames:
        raise ValueError(f"dataset {directory} holds no frames")
    return np.concatenate(frames), np.concatenate(masks)
