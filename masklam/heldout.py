"""The frozen probe: latent quality measured on held-out labelled episodes after training."""

from __future__ import annotations

import dataclasses

import numpy as np

from actors.config import ActorConfig, EnvConfig
from actors.sinks import ListSink
from actors.worker import ActorWorker
from learner.lam.batch import T_INDEX
from learner.lam.learner import LAMLearner
from learner.lam.learner_config import LAMLearnerConfig
from learner.probe import fit_frozen_probe
from learner.replay import BlockReplay


def heldout_chunks(env: EnvConfig, policy, actor: ActorConfig, steps: int, seed: int) -> list:
    """Record `steps` labelled steps on test-split backgrounds with env seed `seed` (served masks if configured)."""
    env = dataclasses.replace(env, seed=seed, split="test")
    policy = dataclasses.replace(policy, labelled_fraction=1.0)
    sink = ListSink()
    worker = ActorWorker(env, policy, actor, 0, lambda _wid: sink)
    worker.collect(steps)
    worker.close()
    return sink.chunks


def frozen_probe_nmse(learner_cfg: LAMLearnerConfig, state: dict, action_dim: int, fit_chunks: list,
                      test_chunks: list, blocks: int) -> dict[str, float]:
    """Fit a ridge probe z_t -> a_t on one held-out set, score probe_nmse on the other, for every method.

    Each set contributes up to `blocks` distinct blocks (no repeats, which would leak into the probe's validation).
    """
    learner = LAMLearner(dataclasses.replace(learner_cfg, device="cpu"), action_dim)
    learner.load_state_dict(state)
    sets = []
    for chunks in (fit_chunks, test_chunks):
        replay = BlockReplay(learner_cfg.block_len, capacity_frames=10**9)
        for c in chunks:
            replay.add(c)
        z: dict[str, list] = {n: [] for n in learner.methods}
        actions = []
        for batch in replay.iter_blocks(256, limit=blocks):
            for n, v in learner.latents(batch).items():
                z[n].append(v)
            actions.append(batch.actions[:, T_INDEX])
        sets.append(({n: np.concatenate(v) for n, v in z.items()}, np.concatenate(actions)))
    (z_fit, a_fit), (z_test, a_test) = sets
    return {n: fit_frozen_probe(z_fit[n], a_fit, z_test[n], a_test) for n in learner.methods}
