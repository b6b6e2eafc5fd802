import json

import numpy as np
import pytest

SEEDS = [50000, 50001, 50002, 50003]


def policy_run(path, method, seed, returns, n=8000, eval_seeds=SEEDS):
    path.mkdir()
    (path / "config.yaml").write_text(f"policy:\n  seed: {seed}\n")
    ret = {"mean": float(np.mean(returns)), "ci90": [0, 0], "returns": returns, "seeds": eval_seeds}
    train = {"target": "latent", "bc_minibatches": 100, "bc_heldout_nmse": 0.3, "decoder_transitions": n,
             "decoder_nmse_val": 0.2}
    (path / "results.json").write_text(json.dumps({"method": method, "return": ret, "train": train}))
    return str(path)


@pytest.fixture
def floor(tmp_path):
    f = tmp_path / "floor.json"
    f.write_text(json.dumps({"seeds": SEEDS, "task": "halfcheetah", "preset": "low",
                             "random": {"mean": -300.0, "returns": [-310.0, -290.0, -305.0, -295.0]},
                             "stand_still": {"mean": -7.0, "returns": [-7.0] * 4}}))
    return str(f)


def test_a_policy_over_training_seeds_is_their_mean_with_the_seed_spread_in_its_interval(tmp_path, floor, script):
    summary = script("results/policy/policy_summary.py")
    bc = policy_run(tmp_path / "bc", "bc", 0, [1000.0, 1010.0, 990.0, 1000.0], n=None)
    m = [policy_run(tmp_path / f"m{s}", "masklam_k1", s, [v, v + 10, v - 10, v]) for s, v in ((0, 800.0), (1, 900.0))]
    lapo = [policy_run(tmp_path / f"l{s}", "lapo", s, [v, v + 20, v - 20, v]) for s, v in ((0, 100.0), (1, -50.0))]
    out = summary.main(["--floor", floor, "--bc", f"bc={bc}", "--runs", "masklam_k1=" + ",".join(m),
                        "--runs", "lapo=" + ",".join(lapo), "--ratio", "masklam_k1/lapo",
                        "--out", str(tmp_path / "s.json")])
    mk = out["runs"]["masklam_k1"]
    assert mk["policy_seeds"] == [0, 1] and mk["return"]["per_training_seed"] == [800.0, 900.0]
    assert mk["return"]["mean"] == pytest.approx(850.0)
    lo, hi = mk["return"]["ci90"]
    assert 790.0 <= lo < 820.0 and 880.0 < hi <= 910.0  # the between-seed spread, not +-10 around 850
    assert mk["return_norm_bc"] == pytest.approx(0.85)
    assert mk["return_gain_bc"] == pytest.approx((850.0 + 300.0) / (1000.0 + 300.0))
    ratio = out["return_ratios"]["masklam_k1/lapo"]
    assert ratio["raw"] == pytest.approx(850.0 / 25.0)
    assert ratio["raw_ci90"] is None  # a resampled lapo mean of -50 flips the sign: no honest interval
    assert ratio["over_random"] == pytest.approx(1150.0 / 325.0)
    a, b = ratio["over_random_ci90"]
    assert 1090.0 / 420.0 <= a < ratio["over_random"] < b <= 1210.0 / 230.0  # extremes of both resamples
    assert json.loads((tmp_path / "s.json").read_text())["return_ratios"] == out["return_ratios"]


def test_runs_that_are_not_seeds_of_one_policy_or_not_on_the_floor_seeds_are_refused(tmp_path, floor, script):
    summary = script("results/policy/policy_summary.py")
    bc = policy_run(tmp_path / "bc", "bc", 0, [1000.0] * 4, n=None)
    a = policy_run(tmp_path / "a", "lapo", 0, [1.0] * 4, n=2000)
    b = policy_run(tmp_path / "b", "lapo", 1, [1.0] * 4, n=8000)
    c = policy_run(tmp_path / "c", "lapo", 0, [1.0] * 4, n=2000)
    d = policy_run(tmp_path / "d", "lapo", 2, [1.0] * 3, eval_seeds=SEEDS[:3])
    base = ["--floor", floor, "--bc", f"bc={bc}", "--out", str(tmp_path / "s.json"), "--runs"]
    with pytest.raises(SystemExit, match="differ in decoder_transitions"):
        summary.main(base + [f"lapo={a},{b}"])
    with pytest.raises(SystemExit, match="share a training seed"):
        summary.main(base + [f"lapo={a},{c}"])
    with pytest.raises(SystemExit, match="different seeds"):
        summary.main(base + [f"lapo={d}"])


def test_seeds_added_later_join_those_an_earlier_summary_recorded(tmp_path, floor, script):
    summary = script("results/policy/policy_summary.py")
    bc0 = policy_run(tmp_path / "bc0", "bc", 0, [1000.0] * 4, n=None)
    m0 = policy_run(tmp_path / "m0", "masklam_k1", 0, [500.0] * 4)
    first = tmp_path / "first.json"
    summary.main(["--floor", floor, "--bc", f"bc={bc0}", "--runs", f"masklam_k1={m0}", "--out", str(first)])
    bc1 = policy_run(tmp_path / "bc1", "bc", 1, [800.0] * 4, n=None)
    out = summary.main(["--floor", str(first), "--bc", f"bc={first}#bc,{bc1}", "--runs", f"masklam_k1={first}#masklam_k1",
                        "--out", str(tmp_path / "second.json")])
    assert out["runs"]["bc"]["policy_seeds"] == [0, 1]
    assert out["runs"]["bc"]["return"]["mean"] == pytest.approx(900.0)
    assert out["runs"]["masklam_k1"]["return_norm_bc"] == pytest.approx(500.0 / 900.0)
    with pytest.raises(SystemExit, match="no policy 'lapo'"):
        summary.main(["--floor", floor, "--bc", f"bc={first}#lapo", "--out", str(tmp_path / "x.json")])
    with pytest.raises(SystemExit, match="share a training seed"):
        summary.main(["--floor", floor, "--bc", f"bc={first}#bc,{bc0}", "--out", str(tmp_path / "x.json")])
