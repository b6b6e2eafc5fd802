from collections import deque

import numpy as np
import pyarrow.parquet as pq
import pytest

from learner.policy.dataset import policy_blocks, stack_frames, true_actions, write_bc_dataset
from tests.learner.test_replay import episode_chunks


def test_stack_frames_matches_the_online_stack():
    frames = np.random.default_rng(0).integers(0, 255, (5, 3, 8, 8, 3), dtype=np.uint8)
    stacked = stack_frames(frames)
    assert stacked.shape == (5, 8, 8, 9)
    for b in range(5):
        online = deque(list(frames[b]), maxlen=3)  # what actors.evaluation feeds the policy
        np.testing.assert_array_equal(stacked[b], np.concatenate(online, axis=-1))


def test_every_transition_once_with_its_true_action():
    chunks = episode_chunks(30)
    batches = list(policy_blocks(chunks, frame_stack=3, batch_size=7))
    frames = np.concatenate([b.frames for b in batches])
    # frames 0..30 -> windows of 4 frames: 28 transitions, each once, in stream order
    np.testing.assert_array_equal(frames[:, 0, 0, 0, 0], np.arange(28))
    actions = np.concatenate([true_actions(3)(b) for b in batches])
    np.testing.assert_array_equal(actions[:, 0], frames[:, 3, 0, 0, 0])  # a_t leads from x_t to x_{t+1}


def test_labelled_only_and_empty_datasets_fail_clearly():
    chunks = episode_chunks(12)
    for c in chunks:
        c.labelled = False
    with pytest.raises(ValueError, match="no labelled transitions"):
        next(policy_blocks(chunks, frame_stack=3, labelled_only=True))


def test_bc_dataset_round_trips_through_parquet(tmp_path):
    chunks = episode_chunks(40)
    label = lambda batch: batch.frames[:, 2, 0, 0, :2].astype(np.float32) * 0.5  # noqa: E731
    rows = write_bc_dataset(policy_blocks(chunks, 3, batch_size=8), label, tmp_path, frame_stack=3, rows_per_file=16)
    assert rows == 38
    files = sorted(tmp_path.glob("part-*.parquet"))
    assert len(files) == 3 and not list(tmp_path.glob(".*tmp"))
    table = pq.read_table(files)
    assert table.column_names == ["obs", "actions", "rewards", "terminateds", "truncateds"]
    obs = np.concatenate([c.to_numpy() for c in table.column("obs").chunks])
    act = np.concatenate([c.to_numpy() for c in table.column("actions").chunks])
    assert obs.dtype == np.uint8 and obs.shape == (38, 4, 4, 9) and act.shape == (38, 2)
    np.testing.assert_array_equal(obs[:, 0, 0, 6], np.arange(2, 40))  # newest frame of X_t is x_t
    np.testing.assert_allclose(act[:, 0], obs[:, 0, 0, 6] * 0.5)


def test_bc_rows_are_shuffled_across_episodes(tmp_path):
    """Regression: rows were written in stream order and RLlib reads files in order, so every BC minibatch was 64
    consecutive steps of one episode. Written shuffled, neighbouring rows are neither one episode's neighbours
    nor, mostly, of one episode."""
    from dataclasses import replace

    chunks = []
    for e in range(8):
        chunks += [replace(c, episode_id=f"ep{e}") for c in episode_chunks(60)]
    blocks = policy_blocks(chunks, frame_stack=3, batch_size=64, shuffle_seed=0)
    rows = write_bc_dataset(blocks, true_actions(3), tmp_path, frame_stack=3, rows_per_file=64)
    eps = np.load(tmp_path / "rows.npz")["episodes"]
    assert len(eps) == rows == 8 * 58
    t = pq.read_table(sorted(tmp_path.glob("part-*.parquet"))[0]).column("actions").to_numpy(zero_copy_only=False)
    steps = np.stack(t)[:, 0]  # a_t encodes its step index in these chunks
    first_file_eps = eps[:len(steps)]
    consecutive_same_episode_steps = np.mean((first_file_eps[1:] == first_file_eps[:-1])
                                             & (np.abs(np.diff(steps)) == 1))
    assert consecutive_same_episode_steps < 0.05
    assert np.mean(eps[1:] != eps[:-1]) > 0.7
    assert len(set(first_file_eps)) >= 6, "one file (a few minibatches) mixes most episodes"


def test_few_label_bc_trains_on_exactly_the_decoders_labelled_episodes():
    from learner.policy.config import LatentPolicyConfig
    from learner.policy.train import bc_episodes, decoder_episodes

    chunks = [c for i in range(20) for c in episode_chunks(30, episode=f"e{i:02d}")]
    fit, held = decoder_episodes(chunks, 90, seed=3)
    few = LatentPolicyConfig(decoder_transitions=90, bc_decoder_labels=True, seed=3)
    assert bc_episodes(chunks, few, latent=False) == (set(fit), set(held))
    assert len(fit) == 3 and len(held) == 2 and not set(fit) & set(held)
    every = LatentPolicyConfig(decoder_transitions=90, seed=3)
    train, val = bc_episodes(chunks, every, latent=False)
    assert len(train) + len(val) == 20 and len(val) == 2  # the default BC reference: every labelled episode
    assert bc_episodes(chunks, few, latent=True) == bc_episodes(chunks, every, latent=True)  # latent BC ignores it
