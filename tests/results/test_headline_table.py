import csv
import json
import sys

import pytest

from tests.results.conftest import ROOT


def test_the_committed_headline_csvs_are_what_the_committed_jsons_say(tmp_path, monkeypatch, script):
    table = script("results/headline_table.py")
    monkeypatch.setattr(sys, "argv", ["headline_table", "--out-dir", str(tmp_path)])
    table.main()
    for name in ("headline_probe_cpu.csv", "headline_returns_cpu.csv"):
        assert (tmp_path / name).read_text() == (ROOT / "results" / name).read_text(), \
            f"results/{name} is stale: rerun python results/headline_table.py"
    rows = list(csv.DictReader((tmp_path / "headline_probe_cpu.csv").open()))
    seeds = json.loads((ROOT / "results/learner/halfcheetah_low_seeds_cpu10k.json").read_text())
    k1 = next(r for r in rows if (r["task"], r["preset"], r["updates"], r["method"])
              == ("halfcheetah", "low", "10000", "masklam_k1"))
    assert float(k1["probe_nmse"]) == pytest.approx(seeds["methods"]["masklam_k1"]["probe_nmse_mean"], abs=1e-5)
    assert float(k1["lapo_over_method"]) == pytest.approx(seeds["ratios"]["lapo/masklam_k1"]["ratio"], abs=1e-4)
    keys = [(r["task"], r["preset"], r["updates"], r["method"]) for r in rows]
    assert len(keys) == len(set(keys))  # a run summarised twice appears once
    returns = list(csv.DictReader((tmp_path / "headline_returns_cpu.csv").open()))
    assert len({(r["task"], r["preset"], r["policy"]) for r in returns}) == len(returns)
    assert all(float(r["bc_normalised"]) == pytest.approx(1.0) for r in returns if r["policy"] == "bc")


def test_a_source_at_another_budget_than_its_row_says_is_refused(tmp_path, monkeypatch, script):
    table = script("results/headline_table.py")
    (tmp_path / "s.json").write_text(json.dumps({"methods": {"lapo": {
        "seeds": [0], "runs": [{"updates": 5000}], "probe_nmse_mean": 1.0, "probe_ci90_over_seeds": [1.0, 1.0],
        "probe_nmse_random_init_mean": 1.0}}, "ratios": {}}))
    monkeypatch.setattr(table, "HERE", tmp_path)
    with pytest.raises(SystemExit, match="at \\[5000\\] updates, not 10000"):
        table.probe_rows("halfcheetah", "low", 10000, "s.json")
