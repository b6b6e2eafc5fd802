"""The frozen probe protocol (DESIGN.md section 5), one implementation for `train`, `tune` and the quickstart.

On a held-out set recorded with actions independent of the state (test-split videos, unseen env seeds), every
method's k=1 latent z_t is mapped to a_t by ridge regression cross-validated over whole episodes; the score comes
with a bootstrap 90% interval over episodes. Beside it, the same probe on a never-trained copy of each method (the
floor a latent must beat: same architecture and seed, random init) and on the proprioceptive state (the leak
level: what a latent that only encodes the pose could reach).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import numpy as np

from actors.chunks import Chunk
from learner.lam.batch import T_INDEX
from learner.lam.learner import LAMLearner
from learner.lam.learner_config import LAMLearnerConfig
from learner.probe import ProbeScore, episode_cv_probe
from learner.replay import BlockReplay

PROBE_BLOCK = T_INDEX + 2
"""Frames a k=1 latent reads: X_t = (x_{t-2}, x_{t-1}, x_t) and x_{t+1}; a short block keeps short episodes."""

FLOOR_KEYS = ("probe_nmse_random_init", "probe_ci90_random_init")
"""The random-init scores: they depend on the config (architecture, seed) and the rows, never on a checkpoint."""


@dataclasses.dataclass
class ProbeRows:
    """Everything the probes need, one row per held-out transition."""

    latents: dict[str, np.ndarray]
    latents_random_init: dict[str, np.ndarray] | None
    """None when the caller already holds the random-init scores of these rows (`random_init=False`)."""
    actions: np.ndarray
    states: np.ndarray
    episodes: np.ndarray


def probe_rows(learner_cfg: LAMLearnerConfig, state: dict, action_dim: int, chunks: Iterable[Chunk],
               max_rows: int | None = None, batch_size: int = 256, random_init: bool = True) -> ProbeRows:
    """Latents of the trained and (with `random_init`) of a random-init copy of every method, for every held-out
    transition."""
    cfg = dataclasses.replace(learner_cfg, device="cpu")
    trained = LAMLearner(cfg, action_dim)
    untrained = LAMLearner(cfg, action_dim) if random_init else None
    trained.load_state_dict(state)
    replay = BlockReplay(PROBE_BLOCK, capacity_frames=10**12)
    for c in chunks:
        replay.add(c)
    if replay.num_blocks == 0:
        raise ValueError("the held-out probe set holds no transitions with a full frame stack")
    z = {n: [] for n in trained.methods}
    z0 = {n: [] for n in trained.methods}
    actions, states, episodes = [], [], []
    for batch in replay.iter_blocks(batch_size, limit=max_rows):
        for n, v in trained.latents(batch).items():
            z[n].append(v)
        for n, v in (untrained.latents(batch) if untrained else {}).items():
            z0[n].append(v)
        actions.append(batch.actions[:, T_INDEX])
        states.append(batch.states[:, T_INDEX])
        episodes.append(batch.episodes)
    cat = lambda d: {n: np.concatenate(v) for n, v in d.items()}  # noqa: E731
    return ProbeRows(cat(z), cat(z0) if untrained else None, np.concatenate(actions), np.concatenate(states),
                     np.concatenate(episodes))


def state_features(states: np.ndarray) -> np.ndarray:
    """Linear + quadratic (elementwise) features of the proprioceptive state."""
    return np.concatenate([states, states ** 2], axis=1)


def score_probe_rows(rows: ProbeRows, seed: int = 0, floor: dict | None = None) -> dict:
    """probe_nmse per method with intervals, the random-init floor and the state-leak level.

    `floor`: the FLOOR_KEYS of an earlier score of the same rows and config (a probe curve's first checkpoint),
    taken as they are when `rows` has no random-init latents.
    """
    def score(x: np.ndarray) -> ProbeScore:
        return episode_cv_probe(x, rows.actions, rows.episodes, seed=seed)

    trained = {n: score(v) for n, v in rows.latents.items()}
    if rows.latents_random_init is not None:
        untrained = {n: score(v) for n, v in rows.latents_random_init.items()}
        floor = {"probe_nmse_random_init": {n: s.nmse for n, s in untrained.items()},
                 "probe_ci90_random_init": {n: list(s.ci90) for n, s in untrained.items()}}
    elif floor is None or set(floor.get(FLOOR_KEYS[0], {})) != set(rows.latents):
        raise ValueError("rows without random-init latents need the random-init scores of the same methods (floor)")
    leak = score(state_features(rows.states))
    return {
        "probe_nmse": {n: s.nmse for n, s in trained.items()},
        "probe_ci90": {n: list(s.ci90) for n, s in trained.items()},
        **{key: floor[key] for key in FLOOR_KEYS},
        "state_probe_nmse": leak.nmse,
        "state_probe_ci90": list(leak.ci90),
        "probe_rows": leak.rows,  # every probe scores the same rows
        "probe_episodes": leak.episodes,
    }


def heldout_probe(learner_cfg: LAMLearnerConfig, state: dict, action_dim: int, chunks: Iterable[Chunk],
                  max_rows: int | None = None, seed: int = 0, floor: dict | None = None) -> dict:
    """The whole protocol: latents of the held-out set, then every score (see `score_probe_rows`). Pass the
    `floor` of an earlier call on the same set and config to skip the random-init copy (half the cost)."""
    rows = probe_rows(learner_cfg, state, action_dim, chunks, max_rows, random_init=floor is None)
    return score_probe_rows(rows, seed, floor)
