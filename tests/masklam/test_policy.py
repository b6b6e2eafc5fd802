"""Latent-action policies end to end on a tiny budget: real shards, a real trained LAM, RLlib BC through Ray Data,
a real decoder step, real episodes in the distracting env, and the Tune grid with restore."""

import json

import numpy as np
import pytest

from masklam.cli import main

pytestmark = pytest.mark.slow

LAM = ["--set", "learner_cpus=0", "--set", "learner.batch_size=4", "--set", "min_blocks=8", "--set", "heldout.steps=60",
       "--set", "heldout.min_episodes=3", "--set", "learner.model.channels=[4, 8]", "--set", "learner.model.blocks=1",
       "--set", "learner.model.latent_dim=8", "--set", "updates_per_call=3", "--set", "checkpoint_every=3"]
POLICY = ["--set", "policy.bc_iterations=2", "--set", "policy.bc_batches_per_iteration=2", "--set",
          "policy.batch_size=8", "--set", "policy.model.channels=[4, 8]", "--set", "policy.model.feature_dim=16",
          "--set", "policy.decoder_steps=5", "--set", "policy.eval_episodes=1", "--set", "policy.eval_max_steps=20"]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    data = tmp_path_factory.mktemp("policy") / "data"
    assert main(["collect", "--task", "hopper", "--preset", "low", "--actors", "1", "--steps", "120", "--out",
                 str(data), "--segmentation", "off", "--set", "actor.chunk_len=24"]) == 0
    return data


def test_latent_policy_from_a_trained_lam(dataset, tmp_path, ray_local, capsys):
    lam = tmp_path / "lam"
    assert main(["train", "--task", "hopper", "--preset", "low", "--updates", "3", "--offline-data", str(dataset),
                 "--out", str(lam), "--methods", "lapo,masklam_gt", "--segmentation", "off", *LAM]) == 0
    out = tmp_path / "policy"
    assert main(["policy", "train", "--data", str(dataset), "--method", "masklam_gt", "--lam-run", str(lam),
                 "--labels", "50", "--out", str(out), *POLICY]) == 0
    results = json.loads((out / "results.json").read_text())
    assert results["method"] == "masklam_gt" and results["task"] == "hopper"
    stats = results["train"]
    assert stats["target"] == "latent" and stats["target_dim"] == 8 and stats["bc_rows"] > 50
    assert stats["decoder_transitions"] >= 50 and "decoder_nmse_val" in stats  # whole episodes
    assert stats["decoder_val_episodes"] >= 1
    assert len(stats["bc_curve"]) == 2 and np.isfinite(stats["bc_heldout_nmse"])
    assert np.isfinite(stats["bc_loss_last"]) and np.isfinite(results["return"]["mean"])
    assert not (out / "labels").exists()  # the parquet labels are dropped unless keep_labels
    # rerunning skips the finished training and only evaluates
    assert main(["policy", "train", "--data", str(dataset), "--method", "masklam_gt", "--lam-run", str(lam),
                 "--out", str(out), *POLICY]) == 0
    assert "policy already trained" in capsys.readouterr().err
    gif = tmp_path / "rollout.gif"
    assert main(["policy", "eval", "--checkpoint", str(out / "policy.pt"), "--episodes", "2", "--gif", str(gif),
                 "--set", "max_steps=15"]) == 0
    assert gif.stat().st_size > 0
    assert "return" in capsys.readouterr().err


def test_policy_train_errors_are_clear(dataset, tmp_path, capsys):
    assert main(["policy", "train", "--data", str(dataset), "--method", "lapo", "--out", str(tmp_path / "p")]) == 1
    assert "set lam_run" in capsys.readouterr().err
    assert main(["policy", "eval", "--checkpoint", str(tmp_path / "missing.pt")]) == 1
    assert "no policy checkpoint" in capsys.readouterr().err


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
label_budgets: [40]
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
    assert rows[0].startswith("task,method,label_budget") and len(rows) == 1 + 6
    assert (exp / "results.png").stat().st_size > 0
    summary = json.loads((exp / "results.json").read_text())
    bc = next(r for r in summary["rows"] if r["method"] == "bc")
    assert bc["return_norm_bc"] == pytest.approx(1.0)
    # restore: every trial finished, so Tune re-reports them and the table is rewritten from the same trials
    assert main(["tune", "--config", str(grid), "--resume"]) == 0
    again = json.loads((exp / "results.json").read_text())
    assert {(t["method"], t["return_mean"]) for t in again["trials"]} == \
        {(t["method"], t["return_mean"]) for t in summary["trials"]}


def test_rllib_warnings_go_to_the_run_log_not_the_terminal(tmp_path):
    import io
    import logging

    from rich.console import Console

    from masklam.policy import ray_warnings_to

    terminal = io.StringIO()
    rllib = logging.getLogger("ray.rllib")
    own = logging.StreamHandler(terminal)  # RLlib attaches a stderr handler like this one at import
    rllib.addHandler(own)
    try:
        with ray_warnings_to(tmp_path / "rllib.log", Console(file=io.StringIO())):
            logging.getLogger("ray.rllib.algorithms.algorithm_config").warning("You are running BC on the new API")
        assert "new API" in (tmp_path / "rllib.log").read_text()
        assert terminal.getvalue() == ""
        logging.getLogger("ray.rllib").warning("after the run")  # handlers are restored afterwards
        assert "after the run" in terminal.getvalue()
    finally:
        rllib.removeHandler(own)
