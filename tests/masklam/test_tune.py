"""`masklam tune` end to end on a tiny grid: real trials (LAM, probe, policy, evaluation), one results table,
and Tuner.restore."""

import json

import pytest

from masklam.cli import main

pytestmark = pytest.mark.slow


def test_tune_grid_writes_one_table_and_restores(dataset, tmp_path, ray_local, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a relative dataset path must survive Tune's per-trial working directories
    heldout = tmp_path / "heldout"
    assert main(["collect", "--task", "hopper", "--preset", "low", "--actors", "1", "--steps", "80", "--out",
                 str(heldout), "--segmentation", "off", "--set", "actor.chunk_len=24", "--set", "env.split=test",
                 "--set", "env.seed=10000", "--set", "actor.envs_per_actor=2"]) == 0
    grid = tmp_path / "grid.yaml"
    grid.write_text(f"""
data: {{hopper: {dataset}}}
heldout: {{hopper: heldout}}
methods: [bc, lapo, masklam_gt]
seeds: [0]
label_budgets: [30, 40]
lam: {{batch_size: 4, model: {{channels: [4, 8], blocks: 1, latent_dim: 8}}}}
lam_updates: 2
probe_rows: 64
policy: {{bc_iterations: 1, bc_batches_per_iteration: 2, batch_size: 8, decoder_steps: 3, eval_episodes: 1,
          eval_max_steps: 15, model: {{channels: [4, 8], feature_dim: 16}}}}
cpus_per_trial: 0.5
out: {tmp_path / "tune"}
""")
    assert main(["tune", "--config", str(grid)]) == 0
    exp = tmp_path / "tune" / "tune"
    table = (exp / "results.md").read_text()
    for method in ("random", "stand_still", "expert", "bc", "lapo", "masklam_gt"):
        assert f"| {method} |" in table
    rows = (exp / "results.csv").read_text().splitlines()
    assert rows[0].startswith("task,method,label_budget") and len(rows) == 1 + 3 + 3 * 2  # baselines, 3 methods x 2 N
    # one trial per method: its second budget starts from the first one's BC stage (only the decoder differs)
    work = exp / "work" / "hopper-lapo-s0"
    adopted = json.loads((work / "policy_n40" / "bc_stage.json").read_text())
    assert adopted["bc_from"] == str((work / "policy_n30").resolve())
    assert not (exp / "work" / "hopper-bc-s0" / "policy_n40").exists()  # BC on true labels uses no N: one policy
    assert (exp / "results.png").stat().st_size > 0
    summary = json.loads((exp / "results.json").read_text())
    bc = next(r for r in summary["rows"] if r["method"] == "bc")
    assert bc["return_norm_bc"] == pytest.approx(1.0)
    # restore: every trial finished, so Tune re-reports them and the table is rewritten from the same trials
    assert main(["tune", "--config", str(grid), "--resume"]) == 0
    again = json.loads((exp / "results.json").read_text())
    assert {(t["method"], t["return_mean"]) for t in again["trials"]} == \
        {(t["method"], t["return_mean"]) for t in summary["trials"]}
