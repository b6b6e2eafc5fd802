"""The frozen probe: nested cross-validation over whole episodes, bootstrap intervals, and a probe set that a
pose-only latent cannot game (real rendering)."""

import numpy as np
import pytest

from learner.probe import episode_cv_probe


def _episodes(n_ep: int, length: int) -> np.ndarray:
    return np.repeat([f"ep{i}" for i in range(n_ep)], length)


def test_recovers_a_linear_map_with_a_tight_interval():
    rng = np.random.default_rng(0)
    eps = _episodes(20, 50)
    z = rng.normal(size=(len(eps), 16))
    a = z @ rng.normal(size=(16, 3)) + 0.01 * rng.normal(size=(len(eps), 3))
    s = episode_cv_probe(z, a, eps)
    assert s.nmse < 0.01 and s.ci90[0] <= s.nmse <= s.ci90[1] and s.ci90[1] < 0.02
    assert (s.rows, s.episodes) == (1000, 20)


def test_no_signal_scores_about_one():
    rng = np.random.default_rng(1)
    eps = _episodes(12, 40)
    s = episode_cv_probe(rng.normal(size=(len(eps), 128)), rng.normal(size=(len(eps), 4)), eps)
    assert 0.95 < s.nmse < 1.2 and 0.9 < s.ci90[0] <= s.nmse <= s.ci90[1] < 1.3


def test_episodes_never_leak_between_fit_and_score():
    """A latent that identifies the episode (constant within it) fits an episode-level action offset perfectly
    in-sample; scored only on unseen episodes it must be worthless."""
    rng = np.random.default_rng(2)
    n_ep, length = 15, 30
    eps = _episodes(n_ep, length)
    one_hot = np.eye(n_ep)[np.repeat(np.arange(n_ep), length)]
    a = (rng.normal(size=(n_ep, 2)))[np.repeat(np.arange(n_ep), length)] + 0.05 * rng.normal(size=(len(eps), 2))
    assert episode_cv_probe(one_hot, a, eps).nmse > 0.95


def test_interval_widens_with_fewer_episodes():
    rng = np.random.default_rng(3)
    w = rng.normal(size=(8, 2))

    def width(n_ep):
        eps = _episodes(n_ep, 40)
        z = rng.normal(size=(len(eps), 8))
        s = episode_cv_probe(z, z @ w + rng.normal(size=(len(eps), 2)) * 2.0, eps)
        return s.ci90[1] - s.ci90[0]

    assert width(6) > width(60)


def test_needs_episodes_to_cross_validate():
    with pytest.raises(ValueError, match="at least 3 episodes"):
        episode_cv_probe(np.zeros((10, 2)), np.zeros((10, 1)), _episodes(2, 5))


def _record(policy_kind: str, noise: float = 0.0, steps: int = 1200):
    from actors.config import ActorConfig, EnvConfig, PolicyConfig
    from masklam.config import HeldOutConfig
    from masklam.heldout import heldout_chunks

    env = EnvConfig(task="halfcheetah", preset="low", size=32, max_episode_steps=100)
    h = HeldOutConfig(steps=steps, min_episodes=10, policy=PolicyConfig(kind=policy_kind, noise_std=noise))
    return heldout_chunks(env, ActorConfig(chunk_len=32), h, base_seed=0)


def _frame_only_rows(chunks):
    """A latent that is a fixed function of the current frame only: x_t through a random projection."""
    from learner.heldout import PROBE_BLOCK
    from learner.lam.batch import T_INDEX
    from learner.replay import BlockReplay

    replay = BlockReplay(PROBE_BLOCK, 10**9)
    for c in chunks:
        replay.add(c)
    proj = np.random.default_rng(0).normal(size=(32 * 32 * 3, 64)) / 100.0
    z, a, eps, states = [], [], [], []
    for b in replay.iter_blocks(256):
        z.append(b.frames[:, T_INDEX].reshape(len(b.frames), -1).astype(np.float32) / 255.0 @ proj)
        a.append(b.actions[:, T_INDEX]), eps.append(b.episodes), states.append(b.states[:, T_INDEX])
    return np.concatenate(z), np.concatenate(a), np.concatenate(eps), np.concatenate(states)


@pytest.mark.slow
def test_default_probe_set_cannot_be_gamed_by_a_pose_only_latent():
    """On the default (random-action) probe set a frame-only latent scores ~1.0, and so does the state itself; on
    expert data, where a_t is a function of the state, the state probe scores well below 1: the protocol is what
    makes a pose-only latent worthless."""
    from learner.heldout import state_features

    z, a, eps, states = _frame_only_rows(_record("random"))
    assert len(set(eps)) >= 10
    assert episode_cv_probe(z, a, eps).nmse > 0.9
    assert episode_cv_probe(state_features(states), a, eps).nmse > 0.9, "random actions do not depend on the state"
    _, a, eps, states = _frame_only_rows(_record("expert"))
    assert episode_cv_probe(state_features(states), a, eps).nmse < 0.7, "expert actions are a function of the state"


def test_a_reused_random_init_floor_equals_the_recomputed_one():
    """A probe curve scores the random-init copy once: reusing its scores gives what recomputing them gives, and
    rows without random-init latents are refused unless that floor is passed."""
    from learner.heldout import FLOOR_KEYS, ProbeRows, score_probe_rows

    rng = np.random.default_rng(0)
    eps = _episodes(8, 50)
    a = rng.normal(size=(400, 2))
    rows = ProbeRows({"lapo": a @ rng.normal(size=(2, 6)) + rng.normal(size=(400, 6))},
                     {"lapo": rng.normal(size=(400, 6))}, a, rng.normal(size=(400, 5)), eps)
    full = score_probe_rows(rows)
    without = ProbeRows(rows.latents, None, rows.actions, rows.states, rows.episodes)
    with pytest.raises(ValueError, match="floor"):
        score_probe_rows(without)
    reused = score_probe_rows(without, floor={key: full[key] for key in FLOOR_KEYS})
    assert reused == full
    assert full["probe_nmse"]["lapo"] < 0.8 < full["probe_nmse_random_init"]["lapo"]
