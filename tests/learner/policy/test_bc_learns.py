"""The collapse a BC that learns nothing shows (held-out action NMSE ~1: the dataset's mean action) is caught: on a
small real dataset, RLlib BC through the project's path gets its held-out action NMSE well below 1."""

import pytest

pytestmark = pytest.mark.slow


def test_bc_on_true_labels_beats_the_mean_action_on_held_out_episodes(tmp_path, ray_local):
    from actors.config import ActorConfig, EnvConfig, PolicyConfig
    from actors.sinks import ListSink
    from actors.worker import ActorWorker
    from learner.policy.config import LatentPolicyConfig, PolicyModelConfig
    from learner.policy.train import train_policy

    env = EnvConfig(task="hopper", preset="low", size=32, max_episode_steps=100, seed=3)
    sink = ListSink()
    worker = ActorWorker(env, PolicyConfig(kind="expert", noise_std=0.1), ActorConfig(chunk_len=50), 0,
                         lambda _w: sink)
    worker.collect(2000)
    worker.close()
    cfg = LatentPolicyConfig(model=PolicyModelConfig(channels=[8, 16, 16], feature_dim=128, shift_px=0.0),
                             bc_iterations=6, bc_batches_per_iteration=100, batch_size=32, lr=1e-3,
                             lr_schedule="constant", val_fraction=0.15, seed=0)
    stats = train_policy(sink.chunks, tmp_path / "bc", cfg, None, 3, 3,
                         {"task": "hopper", "preset": "low", "method": "bc"}, log=print)
    curve = [p["heldout_nmse"] for p in stats["bc_curve"]]
    print("held-out action NMSE per iteration:", [round(c, 3) for c in curve])
    assert stats["bc_val_episodes"] >= 2
    assert curve[-1] < 0.6, curve
    assert curve[-1] < curve[0]
