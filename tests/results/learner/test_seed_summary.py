import json
import sys

import pytest


def train_run(path, method, seed, nmse, floor=1.0):
    path.mkdir()
    (path / "config.yaml").write_text(f"learner:\n  seed: {seed}\n")
    (path / "results.json").write_text(json.dumps({
        "probe_nmse": {method: nmse}, "probe_ci90": {method: [nmse - 0.01, nmse + 0.01]},
        "probe_nmse_random_init": {method: floor}, "updates": 100, "probe_set": "probe", "state_probe_nmse": 0.7}))
    return str(path)


def summarise(summary, monkeypatch, out, *specs):
    """Run the script as `seed_summary.py --runs SPEC ... --out OUT`."""
    runs = [a for spec in specs for a in ("--runs", spec)]
    monkeypatch.setattr(sys, "argv", ["seed_summary", *runs, "--out", str(out)])
    summary.main()


def test_probe_over_seeds_and_the_lapo_ratio_resample_each_methods_seeds(tmp_path, monkeypatch, script):
    summary = script("results/learner/seed_summary.py")
    lapo = [train_run(tmp_path / f"l{s}", "lapo", s, v) for s, v in ((0, 1.0), (1, 0.98))]
    mask = [train_run(tmp_path / f"m{s}", "masklam_k1", s, v) for s, v in ((0, 0.80), (1, 0.90))]
    out = tmp_path / "s.json"
    monkeypatch.setattr(sys, "argv", ["seed_summary", "--runs", "lapo=" + ",".join(lapo),
                                      "--runs", "masklam_k1=" + ",".join(mask), "--out", str(out)])
    summary.main()
    s = json.loads(out.read_text())
    m = s["methods"]["masklam_k1"]
    assert m["seeds"] == [0, 1] and m["probe_nmse_mean"] == pytest.approx(0.85)
    assert m["probe_ci90_over_seeds"] == [pytest.approx(0.80), pytest.approx(0.90)]  # two seeds: their range
    r = s["ratios"]["lapo/masklam_k1"]
    assert r["ratio"] == pytest.approx(0.99 / 0.85)
    lo, hi = r["ci90_over_seeds"]
    assert 0.98 / 0.90 <= lo < r["ratio"] < hi <= 1.0 / 0.80


def test_one_seed_per_method_gives_the_ratio_without_a_zero_width_interval(tmp_path, monkeypatch, script):
    summary = script("results/learner/seed_summary.py")
    lapo, mask = train_run(tmp_path / "l0", "lapo", 0, 1.0), train_run(tmp_path / "m0", "masklam_k1", 0, 0.8)
    out = tmp_path / "s.json"
    monkeypatch.setattr(sys, "argv", ["seed_summary", "--runs", f"lapo={lapo}", "--runs", f"masklam_k1={mask}",
                                      "--out", str(out)])
    summary.main()
    r = json.loads(out.read_text())["ratios"]["lapo/masklam_k1"]
    assert r["ratio"] == pytest.approx(1.25) and r["ci90_over_seeds"] is None


def test_seeds_trained_later_join_those_an_earlier_summary_recorded(tmp_path, monkeypatch, script):
    summary = script("results/learner/seed_summary.py")
    first, out = tmp_path / "first.json", tmp_path / "s.json"
    summarise(summary, monkeypatch, first, "masklam_k1=" + train_run(tmp_path / "m0", "masklam_k1", 0, 0.80))
    later = train_run(tmp_path / "m1", "masklam_k1", 1, 0.90)
    summarise(summary, monkeypatch, out, f"masklam_k1={first}#masklam_k1,{later}")
    m = json.loads(out.read_text())["methods"]["masklam_k1"]
    assert m["seeds"] == [0, 1] and m["probe_nmse_mean"] == pytest.approx(0.85)
    assert m["runs"][0]["run"] == str(tmp_path / "m0")  # the earlier seed keeps its record, not a copy of the new one
    assert [r["state_probe_nmse"] for r in m["runs"]] == [0.7, 0.7]  # the leak level of each run's probe rows


def test_a_seed_given_twice_or_a_missing_method_is_refused(tmp_path, monkeypatch, script):
    summary = script("results/learner/seed_summary.py")
    first = tmp_path / "first.json"
    run = train_run(tmp_path / "m0", "masklam_k1", 0, 0.80)
    summarise(summary, monkeypatch, first, f"masklam_k1={run}")
    for spec, message in ((f"masklam_k1={first}#masklam_k1,{run}", "share a training seed"),
                          (f"lapo={first}#lapo", "has no method 'lapo'")):
        with pytest.raises(SystemExit, match=message):
            summarise(summary, monkeypatch, tmp_path / "s.json", spec)


def test_a_seed_recorded_in_an_each_method_json_joins_as_that_runs_record(tmp_path, monkeypatch, script):
    summary = script("results/learner/seed_summary.py")
    each = tmp_path / "each.json"
    each.write_text(json.dumps({"seed": 0, "methods": {"masklam_gt_k1": {
        "probe_nmse": {"masklam_gt_k1": 0.86}, "probe_ci90": {"masklam_gt_k1": [0.85, 0.87]},
        "probe_nmse_random_init": {"masklam_gt_k1": 0.99}, "updates": 100, "probe_set": "probe",
        "curve": [{"updates": 50, "probe_nmse": 0.9, "probe_ci90": [0.89, 0.91]}]}}}))
    later = train_run(tmp_path / "g1", "masklam_gt_k1", 1, 0.88)
    out = tmp_path / "s.json"
    summarise(summary, monkeypatch, out, f"masklam_gt_k1={each}#masklam_gt_k1,{later}")
    m = json.loads(out.read_text())["methods"]["masklam_gt_k1"]
    assert m["seeds"] == [0, 1] and m["probe_nmse_mean"] == pytest.approx(0.87)
    assert m["runs"][0]["curve"] == [[50, 0.9]] and m["runs"][0]["probe_nmse_random_init"] == 0.99
