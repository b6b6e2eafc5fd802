import numpy as np
import pytest

from masklam.tune_report import summarise


def trial(method, seed, ret, probe=None, n=100, task="halfcheetah"):
    return {"task": task, "method": method, "seed": seed, "label_budget": n, "return_mean": ret, "probe_nmse": probe}


BASE = {"halfcheetah": {"random": {"mean": -300.0, "std": 50.0}, "stand_still": {"mean": -54.0, "std": 0.5},
                        "expert": {"mean": 1000.0, "std": 10.0}}}


def test_rows_average_over_seeds_and_normalise_by_bc_and_expert():
    trials = [trial("bc", 0, 400.0), trial("bc", 1, 600.0), trial("lapo", 0, 100.0, 0.8), trial("lapo", 1, 300.0, 0.6),
              trial("masklam", 0, 400.0, 0.3), trial("masklam", 1, 400.0, 0.1)]
    rows, ratios = summarise(trials, BASE)
    by = {r["method"]: r for r in rows}
    assert list(by) == ["random", "stand_still", "expert", "bc", "lapo", "masklam"]
    assert by["lapo"]["return"] == 200.0 and by["lapo"]["return_std"] == 100.0 and by["lapo"]["seeds"] == "0,1"
    assert by["lapo"]["probe_nmse"] == pytest.approx(0.7) and by["lapo"]["probe_nmse_std"] == pytest.approx(0.1)
    assert by["bc"]["return_norm_bc"] == pytest.approx(1.0)
    assert by["masklam"]["return_norm_bc"] == pytest.approx(0.8)  # 400 / mean BC 500
    assert by["masklam"]["return_norm_expert"] == pytest.approx(0.4)
    assert by["random"]["return_norm_bc"] == pytest.approx(-0.6)
    assert by["random"]["return_gain_bc"] == pytest.approx(0.0) and by["bc"]["return_gain_bc"] == pytest.approx(1.0)
    assert by["lapo"]["return_gain_bc"] == pytest.approx(0.625)  # mean of (100+300)/800 and (300+300)/800
    assert np.isnan(by["bc"]["probe_nmse"])
    r = ratios["halfcheetah/n100"]
    assert r["raw"] == pytest.approx(2.0) and r["over_random"] == pytest.approx(700 / 500)


def test_negative_returns_give_no_misleading_ratio():
    trials = [trial("bc", 0, -50.0), trial("lapo", 0, -100.0), trial("masklam", 0, -40.0)]
    rows, ratios = summarise(trials, BASE)
    by = {r["method"]: r for r in rows}
    assert np.isnan(by["masklam"]["return_norm_bc"])  # BC's return is negative: R / R_bc would reward worse
    assert by["masklam"]["return_gain_bc"] == pytest.approx(260 / 250)
    r = ratios["halfcheetah/n100"]
    assert np.isnan(r["raw"]) and r["over_random"] == pytest.approx(260 / 200)


def test_budgets_are_separate_rows_and_missing_pieces_stay_nan():
    trials = [trial("lapo", 0, 100.0, n=10), trial("masklam", 0, 50.0, n=10), trial("lapo", 0, 100.0, n=50)]
    rows, ratios = summarise(trials, {"halfcheetah": {"random": {"mean": 0.0, "std": 0.0}, "expert": None}})
    lapo = [r for r in rows if r["method"] == "lapo"]
    assert [r["label_budget"] for r in lapo] == [10, 50]
    assert all(np.isnan(r["return_norm_bc"]) and np.isnan(r["return_norm_expert"]) for r in lapo)
    assert np.isnan(next(r for r in rows if r["method"] == "expert")["return"])  # still listed, as "-"
    assert list(ratios) == ["halfcheetah/n10"] and ratios["halfcheetah/n10"]["raw"] == pytest.approx(0.5)


def test_return_intervals_resample_seeds_and_episodes():
    trials = [dict(trial("lapo", 0, 100.0), returns=[90.0, 110.0]), dict(trial("lapo", 1, 300.0), returns=[290.0, 310.0]),
              dict(trial("bc", 0, 500.0), returns=[500.0, 500.0])]
    base = {"halfcheetah": {**BASE["halfcheetah"], "random": {"mean": -300.0, "std": 50.0,
                                                              "returns": [-350.0, -250.0]}}}
    by = {r["method"]: r for r in summarise(trials, base)[0]}
    lapo = by["lapo"]
    # between-seed spread dominates: the interval reaches towards both seeds' means, not just +-10 around 200
    assert 90.0 <= lapo["return_ci90_low"] < 150.0 and 250.0 < lapo["return_ci90_high"] <= 310.0
    assert by["bc"]["return_ci90_low"] == by["bc"]["return_ci90_high"] == 500.0
    assert -350.0 <= by["random"]["return_ci90_low"] < -300.0 < by["random"]["return_ci90_high"] <= -250.0
    assert np.isnan(by["expert"]["return_ci90_low"])  # a card carries no episodes


def test_hierarchical_interval_is_the_plain_bootstrap_for_one_seed():
    from actors.evaluation import bootstrap_ci90, hierarchical_ci90

    assert hierarchical_ci90([[1.0, 2.0, 3.0, 4.0]]) == bootstrap_ci90([1.0, 2.0, 3.0, 4.0])
    assert all(np.isnan(hierarchical_ci90([])))


def test_every_masklam_variant_gets_ratios_to_lapo_with_intervals_over_seeds_and_episodes():
    trials = [dict(trial("lapo", s, r, probe=p), returns=[r - 10, r + 10]) for s, r, p in ((0, 100.0, 1.0), (1, 200.0, 0.98))]
    trials += [dict(trial("masklam_k1", s, r, probe=p), returns=[r - 10, r + 10])
               for s, r, p in ((0, 900.0, 0.8), (1, 1000.0, 0.9))]
    base = {"halfcheetah": {**BASE["halfcheetah"], "random": {"mean": -300.0, "std": 50.0}}}
    _, ratios = summarise(trials, base)
    assert list(ratios) == ["halfcheetah/n100[masklam_k1]"]  # no masklam trial: no headline key
    r = ratios["halfcheetah/n100[masklam_k1]"]
    assert r["variant"] == "masklam_k1" and r["raw"] == pytest.approx(950 / 150)
    lo, hi = r["raw_ci90"]
    assert 880 / 210 <= lo < r["raw"] < hi <= 1010 / 90  # the extremes of both sides' resamples
    assert r["over_random"] == pytest.approx(1250 / 450) and r["over_random_ci90"][0] < r["over_random"]
    assert r["probe_ratio"] == pytest.approx(0.99 / 0.85)
    lo, hi = r["probe_ratio_ci90"]
    assert 0.98 / 0.9 <= lo < r["probe_ratio"] < hi <= 1.0 / 0.8


def test_a_lapo_return_whose_resamples_reach_zero_gives_a_ratio_without_an_interval():
    trials = [dict(trial("lapo", 0, 5.0), returns=[-20.0, 30.0]), dict(trial("masklam", 0, 400.0), returns=[400.0] * 2)]
    r = summarise(trials, BASE)[1]["halfcheetah/n100"]
    assert r["raw"] == pytest.approx(80.0) and r["raw_ci90"] is None
    assert r["over_random_ci90"] is not None and "probe_ratio" not in r  # no probe scores in these trials
