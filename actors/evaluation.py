"""Deterministic evaluation of any pixel policy (a callable): fixed env seeds, raw distracted frame stacks."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence

import numpy as np

from actors.envs import make_env

PixelPolicy = Callable[[np.ndarray], np.ndarray]
"""uint8 [H, W, 3F] frame stack -> real action."""


def episode_return(policy: PixelPolicy | None, task: str, preset: str, seed: int, size: int = 64,
                   frame_stack: int = 3, max_steps: int | None = None, frames_out: list | None = None) -> float:
    """Return of one episode from env seed `seed`; `policy` None acts uniformly at random (seeded).

    The first observation is repeated to fill the stack, as the policy saw no earlier frames. Actions are clipped
    to the action space. `frames_out`, if given, receives every distracted frame.
    """
    env = make_env(task, preset, seed=seed, size=size, split="test", max_episode_steps=max_steps)
    rng = np.random.default_rng(seed)
    low, high = env.action_space.low, env.action_space.high
    try:
        frame, _ = env.reset(seed=seed)
        stack = deque([frame] * frame_stack, maxlen=frame_stack)
        total, done = 0.0, False
        while not done:
            if frames_out is not None:
                frames_out.append(frame)
            if policy is None:
                action = rng.uniform(low, high).astype(np.float32)
            else:
                action = np.clip(policy(np.concatenate(stack, axis=-1)), low, high)
            frame, reward, terminated, truncated, _ = env.step(action)
            stack.append(frame)
            total += reward
            done = terminated or truncated
        return total
    finally:
        env.close()


def stand_still(action: np.ndarray) -> PixelPolicy:
    """The trivial baseline a collapsed BC becomes: the dataset's mean action, whatever it sees."""
    a = np.asarray(action, np.float32)
    return lambda _obs: a


def bootstrap_means(groups: Sequence[Sequence[float]], draws: int = 5000, seed: int = 0) -> np.ndarray:
    """`draws` bootstrap resamples of the mean over seeds and episodes: each draw resamples the seeds (groups) with
    replacement, then the episodes within each drawn seed, and averages the seeds' means. One group is the plain
    bootstrap over its values (e.g. one training seed's episodes); groups of one value resample seeds only."""
    gs = [np.asarray(g, np.float64) for g in groups if len(g)]
    if not gs:
        return np.full(draws, np.nan)
    rng = np.random.default_rng(seed)
    if len(gs) == 1:
        v = gs[0]
        return v[rng.integers(0, len(v), (draws, len(v)))].mean(1)
    means = np.empty(draws)
    for d in range(draws):
        picked = rng.integers(0, len(gs), len(gs))
        means[d] = np.mean([gs[i][rng.integers(0, len(gs[i]), len(gs[i]))].mean() for i in picked])
    return means


def bootstrap_ci90(values: Sequence[float], draws: int = 5000, seed: int = 0) -> list[float]:
    """90% bootstrap interval of the mean (resampling the values, e.g. episodes, with replacement)."""
    v = np.asarray(values, np.float64)
    if len(v) < 2:
        return [float(v.mean()), float(v.mean())] if len(v) else [float("nan")] * 2
    return [float(x) for x in np.quantile(bootstrap_means([v], draws, seed), [0.05, 0.95])]


def hierarchical_ci90(groups: Sequence[Sequence[float]], draws: int = 5000, seed: int = 0) -> list[float]:
    """90% bootstrap interval of the mean over seeds and episodes (`bootstrap_means`)."""
    gs = [g for g in groups if len(g)]
    if not gs:
        return [float("nan")] * 2
    if len(gs) == 1:
        return bootstrap_ci90(gs[0], draws, seed)
    return [float(x) for x in np.quantile(bootstrap_means(gs, draws, seed), [0.05, 0.95])]


def ratio_ci90(num: Sequence[Sequence[float]], den: Sequence[Sequence[float]], zero: float = 0.0,
               draws: int = 5000, seed: int = 0) -> list[float] | None:
    """90% interval of (mean(num) - zero) / (mean(den) - zero), each side resampled independently over its seeds and
    episodes (`bootstrap_means`). None when a resampled denominator is not positive: the ratio would flip sign or be
    unbounded, so no interval is honest (HalfCheetah returns can be negative; `zero` = the random policy's return
    gives the ratio of gains over random)."""
    a = bootstrap_means(num, draws, seed) - zero
    b = bootstrap_means(den, draws, seed + 1) - zero
    if not (b > 0).all():
        return None
    return [float(x) for x in np.quantile(a / b, [0.05, 0.95])]


def ratio_of_means(num: Sequence[Sequence[float]], den: Sequence[Sequence[float]],
                   zero: float = 0.0) -> tuple[float | None, list[float] | None]:
    """(mean(num) - zero) / (mean(den) - zero) over the groups' (seeds') means, with its `ratio_ci90`; (None, None)
    when the denominator's mean is not above `zero` (no ratio is defined)."""
    d = float(np.mean([np.mean(g) for g in den])) - zero
    if not d > 0:
        return None, None
    return (float(np.mean([np.mean(g) for g in num])) - zero) / d, ratio_ci90(num, den, zero)


def evaluate(policy: PixelPolicy | None, task: str, preset: str, seeds: Sequence[int], size: int = 64,
             frame_stack: int = 3, max_steps: int | None = None, workers: int = 1) -> dict:
    """Mean, std and 90% bootstrap interval of the return over one episode per seed.

    `workers` > 1 runs up to that many episodes at once as Ray tasks (1 CPU each; Ray must be running): rendering
    is single-threaded, so on a 2-core machine two episodes at a time take about half the wall time. Returns are
    the same episodes either way (each is seeded by its env seed)."""
    args = (task, preset, size, frame_stack, max_steps)
    if workers > 1 and len(seeds) > 1:
        returns = _returns_in_parallel(policy, seeds, workers, args)
    else:
        returns = [episode_return(policy, task, preset, s, size, frame_stack, max_steps) for s in seeds]
    return {"mean": float(np.mean(returns)), "std": float(np.std(returns)), "ci90": bootstrap_ci90(returns),
            "returns": returns, "seeds": list(seeds)}


def _one_episode(policy, seed: int, args: tuple) -> float:
    import torch

    torch.set_num_threads(1)  # one core per episode: the point is to run several side by side
    task, preset, size, frame_stack, max_steps = args
    return episode_return(policy, task, preset, seed, size, frame_stack, max_steps)


def _returns_in_parallel(policy, seeds: Sequence[int], workers: int, args: tuple) -> list[float]:
    import ray

    if not ray.is_initialized():
        raise RuntimeError("evaluation with workers > 1 runs its episodes as Ray tasks: start Ray first "
                           "(or evaluate with workers=1)")
    task = ray.remote(num_cpus=1, max_retries=1)(_one_episode)
    policy_ref = ray.put(policy)
    refs, waiting = {}, []
    for seed in seeds:  # at most `workers` episodes in flight
        if len(waiting) >= workers:
            _, waiting = ray.wait(waiting, num_returns=1)
        ref = task.remote(policy_ref, seed, args)
        refs[seed] = ref
        waiting.append(ref)
    return [float(r) for r in ray.get([refs[s] for s in seeds])]


def dataset_mean_action(chunks) -> np.ndarray:
    """Mean recorded action over every transition of the chunks (each transition once)."""
    total, n = None, 0
    for c in chunks:
        a = c.actions[max(0, c.first_new - 1):]
        total = a.sum(0) if total is None else total + a.sum(0)
        n += len(a)
    if not n:
        raise ValueError("no transitions to average")
    return (total / n).astype(np.float32)
