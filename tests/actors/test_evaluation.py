import numpy as np
import pytest
import ray

from actors.evaluation import episode_return, evaluate


def test_evaluation_is_deterministic_per_seed_and_feeds_the_frame_stack():
    seen = []

    def policy(obs):
        seen.append(obs.copy())
        return np.full(3, 0.5, np.float32)

    frames = []
    r = episode_return(policy, "hopper", "low", seed=7, size=32, max_steps=6, frames_out=frames)
    assert len(frames) == len(seen) == 6 and seen[0].shape == (32, 32, 9) and seen[0].dtype == np.uint8
    # the first observation fills the whole stack; later stacks shift by one frame, newest last
    np.testing.assert_array_equal(seen[0][..., :3], seen[0][..., 6:])
    np.testing.assert_array_equal(seen[3][..., 6:], frames[3])
    np.testing.assert_array_equal(seen[3][..., 3:6], frames[2])
    assert episode_return(policy, "hopper", "low", seed=7, size=32, max_steps=6) == r
    rand = evaluate(None, "hopper", "low", seeds=[1, 2], size=32, max_steps=6)
    assert rand["seeds"] == [1, 2] and len(rand["returns"]) == 2
    assert evaluate(None, "hopper", "low", seeds=[1, 2], size=32, max_steps=6)["returns"] == rand["returns"]


def test_parallel_evaluation_runs_the_same_seeded_episodes_as_ray_tasks(ray_local):
    still = lambda _obs: np.full(3, 0.2, np.float32)  # noqa: E731 (a picklable closure-free policy)
    seeds = [3, 4, 5]
    one = evaluate(still, "hopper", "low", seeds=seeds, size=32, max_steps=8)
    two = evaluate(still, "hopper", "low", seeds=seeds, size=32, max_steps=8, workers=2)
    assert two["seeds"] == seeds and two["returns"] == one["returns"]  # same episodes, in seed order
    rand = evaluate(None, "hopper", "low", seeds=seeds, size=32, max_steps=8, workers=2)
    assert rand["returns"] == evaluate(None, "hopper", "low", seeds=seeds, size=32, max_steps=8)["returns"]


def test_parallel_evaluation_without_ray_says_so(monkeypatch):
    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    with pytest.raises(RuntimeError, match="start Ray first"):
        evaluate(None, "hopper", "low", seeds=[1, 2], size=32, max_steps=4, workers=2)


def test_ratio_interval_resamples_both_sides_and_refuses_a_denominator_that_reaches_zero():
    from actors.evaluation import bootstrap_means, ratio_ci90

    lo, hi = ratio_ci90([[10.0, 12.0, 8.0, 10.0]], [[5.0, 5.0, 5.0, 5.0]])
    assert 8.0 / 5.0 <= lo < 2.0 < hi <= 12.0 / 5.0
    assert ratio_ci90([[10.0, 12.0]], [[-1.0, 3.0]]) is None  # a resampled mean of -1 would flip the ratio's sign
    assert ratio_ci90([[10.0, 12.0]], [[-1.0, 3.0]], zero=-5.0) is not None  # gains over a floor of -5 stay positive
    # groups of one value: the seeds alone are resampled; identical seeds give no spread at all
    np.testing.assert_array_equal(bootstrap_means([[2.0], [2.0], [2.0]], draws=50), np.full(50, 2.0))


def test_ratio_of_means_averages_seed_means_and_is_undefined_unless_the_denominator_beats_zero():
    from actors.evaluation import ratio_of_means, ratio_ci90

    # seeds of unequal episode counts: the ratio is of the means of the seeds' means, not of pooled episodes
    num, den = [[1.0, 1.0, 1.0, 1.0], [3.0]], [[2.0], [2.0]]
    ratio, ci = ratio_of_means(num, den)
    assert ratio == pytest.approx(1.0) and ci == ratio_ci90(num, den)
    assert ratio_of_means([[4.0]], [[2.0]], zero=1.0)[0] == pytest.approx(3.0)
    assert ratio_of_means([[4.0]], [[1.0]], zero=1.0) == (None, None)  # no gain over the floor: no ratio
