"""The expert-distribution probe's two load-bearing pieces: a - expert(s) is the behaviour noise only when the
probe rows pair each action with the state it was chosen in, and a latent that codes the noise is told apart from
one that codes nothing."""

import numpy as np

from learner.heldout import PROBE_BLOCK
from learner.lam.batch import T_INDEX


def test_the_noiseless_experts_actions_are_recovered_from_the_probe_rows_states(script):
    from actors.config import ActorConfig, EnvConfig, PolicyConfig
    from actors.sinks import ListSink
    from actors.worker import ActorWorker
    from learner.replay import BlockReplay
    from masklam.config import TrainConfig

    probe = script("results/learner/expert_state_probe.py")
    env = EnvConfig(task="halfcheetah", preset="low", size=32, max_episode_steps=60, seed=1)
    sink = ListSink()
    worker = ActorWorker(env, PolicyConfig(kind="expert"), ActorConfig(chunk_len=20), 0, lambda _w: sink)
    worker.collect(60)
    worker.close()
    replay = BlockReplay(PROBE_BLOCK, capacity_frames=10**9)
    for c in sink.chunks:
        replay.add(c)
    batch = next(replay.iter_blocks(1000))
    a, s = batch.actions[:, T_INDEX], batch.states[:, T_INDEX]
    assert len(a) > 50 and a.std() > 0.1
    np.testing.assert_allclose(probe.expert_actions(TrainConfig(env=env), s), a, atol=1e-5)


def test_only_a_latent_that_codes_the_noise_predicts_a_minus_expert(script):
    probe = script("results/learner/expert_state_probe.py")
    rng = np.random.default_rng(0)
    ep = np.repeat(np.arange(10), 100)
    state = rng.normal(size=(1000, 4))
    residual = rng.normal(size=(1000, 2)) * 0.2
    a = np.tanh(state[:, :2]) + residual
    coded = probe.scores(residual + 0.01 * rng.normal(size=(1000, 2)), state, a, residual, ep)
    blind = probe.scores(rng.normal(size=(1000, 2)), state, a, residual, ep)
    assert coded["z -> a - expert(s)"][0] < 0.05 and blind["z -> a - expert(s)"][0] > 0.95
    assert coded["z+state -> a"][0] < blind["z+state -> a"][0] - 0.02  # the state cannot predict the noise
