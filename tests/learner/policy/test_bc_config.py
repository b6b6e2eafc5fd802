import pytest
import torch

from learner.policy.bc import build_bc_config, observation_space
from learner.policy.dataset import policy_blocks, true_actions, write_bc_dataset
from tests.learner.test_replay import episode_chunks


@pytest.fixture
def labels(tmp_path):
    write_bc_dataset(policy_blocks(episode_chunks(20), 3), true_actions(3), tmp_path, frame_stack=3)
    return tmp_path


def build(labels, device="auto"):
    return build_bc_config(labels, observation_space(4, 3), 2, {"size": 4}, 8, 1e-3, 2, 0, device)


def test_bc_config_is_offline_with_one_local_learner(labels):
    cfg = build(labels)
    assert cfg.num_env_runners == 0 and cfg.num_learners == 0
    assert cfg.train_batch_size_per_learner == 8 and cfg.dataset_num_iters_per_learner == 2
    assert len(cfg.input_) == 1 and cfg.input_[0].endswith("part-00000.parquet")
    assert cfg.input_read_method_kwargs["concurrency"] == 2  # bounded readers: 0-CPU read tasks are unbounded
    assert cfg.num_gpus_per_learner == (1 if torch.cuda.is_available() else 0)  # auto follows what we see
    assert build(labels, "cuda").num_gpus_per_learner == 1 and build(labels, "cpu").num_gpus_per_learner == 0


def test_bc_config_errors_are_clear(labels, tmp_path_factory):
    with pytest.raises(ValueError, match="auto, cpu or cuda"):
        build(labels, "tpu")
    with pytest.raises(FileNotFoundError, match="no part-\\*.parquet files"):
        build(tmp_path_factory.mktemp("empty"))


def test_cosine_schedule_anneals_the_bc_learning_rate_once_per_iteration(labels, ray_local):
    """RLlib steps torch LR schedulers once per Learner.update (one train() call): after k of n iterations the
    optimiser's lr is lr * (1 + cos(pi k / n)) / 2."""
    import math

    cfg = build_bc_config(labels, observation_space(4, 3), 2, {"size": 4, "channels": [4], "feature_dim": 8}, 8,
                          1e-3, 2, 0, "cpu", cosine_iterations=4)
    algo = cfg.build_algo()
    try:
        lrs = [algo.train()["learners"]["default_policy"]["default_optimizer_learning_rate"] for _ in range(4)]
    finally:
        algo.stop()
    expected = [1e-3 * (1 + math.cos(math.pi * k / 4)) / 2 for k in range(1, 5)]
    assert lrs == pytest.approx(expected, abs=1e-9), lrs
