import numpy as np
import pytest

from actors.recorder import EpisodeRecorder
from learner.replay import BlockReplay


def episode_chunks(n_steps, chunk_len=10, overlap=4, episode="e"):
    rec = EpisodeRecorder(chunk_len, overlap, "hopper", "low", 0, episode, labelled=True)
    rec.start(np.zeros((4, 4, 3), np.uint8), np.zeros((4, 4), np.uint8), np.zeros(2, np.float32))
    out = []
    for t in range(1, n_steps + 1):
        c = rec.add(np.full(1, t, np.float32), 0.0, np.full((4, 4, 3), t, np.uint8), np.zeros((4, 4), np.uint8),
                    np.zeros(2, np.float32), terminated=t == n_steps, truncated=False)
        if c is not None:
            out.append(c)
    return out


def test_every_block_equally_likely_and_consecutive():
    replay = BlockReplay(block_len=5, capacity_frames=10_000)
    for c in episode_chunks(40):
        replay.add(c)
    assert replay.num_blocks == 41 - 5 + 1  # frames 0..40, each 5-frame window exactly once
    batch = replay.sample(20_000, np.random.default_rng(0))
    starts = batch.frames[:, 0, 0, 0, 0].astype(int)
    np.testing.assert_array_equal(batch.frames[:, :, 0, 0, 0] - starts[:, None], np.arange(5)[None].repeat(20_000, 0))
    # action i leads from frame i to i+1: the action value is the time of the frame it produced
    np.testing.assert_array_equal(batch.actions[:, :, 0], batch.frames[:, 1:, 0, 0, 0])
    hist = np.bincount(starts, minlength=37)
    assert hist.min() > 0.75 * hist.mean() and hist.max() < 1.25 * hist.mean()


def test_capacity_drops_oldest():
    replay = BlockReplay(block_len=3, capacity_frames=25)
    for c in episode_chunks(40, chunk_len=10, overlap=2):
        replay.add(c)
    assert replay.frames <= 25 and len(replay) < replay.added_chunks
    assert replay.sample(10, np.random.default_rng(0)).frames[:, 0, 0, 0, 0].min() > 10


def test_empty_replay_is_an_error():
    with pytest.raises(RuntimeError, match="empty"):
        BlockReplay(3, 10).sample(1, np.random.default_rng(0))


def test_iter_blocks_enumerates_each_block_once_in_order():
    replay = BlockReplay(block_len=5, capacity_frames=10_000)
    for c in episode_chunks(40):
        replay.add(c)
    starts = np.concatenate([b.frames[:, 0, 0, 0, 0] for b in replay.iter_blocks(7)]).astype(int)
    np.testing.assert_array_equal(starts, np.arange(37))
    limited = np.concatenate([b.frames[:, 0, 0, 0, 0] for b in replay.iter_blocks(7, limit=10)]).astype(int)
    assert len(limited) == 10 and len(set(limited)) == 10 and (np.diff(limited) > 0).all()
