"""Latent-action policies end to end on a tiny budget: real shards, a real trained LAM, RLlib BC through Ray Data,
a real decoder step, real episodes in the distracting env."""

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
    # a new run refuses the directory; --resume skips the finished training and only evaluates
    assert main(["policy", "train", "--data", str(dataset), "--method", "masklam_gt", "--lam-run", str(lam),
                 "--out", str(out), *POLICY]) == 2
    assert "already holds a run" in capsys.readouterr().err
    assert main(["policy", "train", "--out", str(out), "--resume"]) == 0
    assert "policy already trained" in capsys.readouterr().err
    # a label-budget run starts from this run's BC stage: same BC, its own decoder; a different BC is refused
    assert (out / "bc_stage.pt").is_file()
    n2k = tmp_path / "policy_n20"
    assert main(["policy", "train", "--data", str(dataset), "--method", "masklam_gt", "--lam-run", str(lam),
                 "--labels", "20", "--out", str(n2k), "--bc-from", str(out), *POLICY]) == 0
    err = capsys.readouterr().err
    assert "BC stage from" in err and "BC iteration" not in err  # no labelling, no BC: decoder and evaluation only
    again = json.loads((n2k / "results.json").read_text())["train"]
    assert again["bc_curve"] == stats["bc_curve"] and again["bc_from"] == str(out.resolve())
    assert again["decoder_transitions"] < stats["decoder_transitions"]
    assert main(["policy", "train", "--data", str(dataset), "--method", "masklam_gt", "--lam-run", str(lam),
                 "--out", str(tmp_path / "other_bc"), "--bc-from", str(out), *POLICY, "--set", "policy.lr=0.01"]) == 1
    assert "policy.lr differ" in capsys.readouterr().err
    gif = tmp_path / "rollout.gif"
    assert main(["policy", "eval", "--checkpoint", str(out / "policy.pt"), "--episodes", "2", "--gif", str(gif),
                 "--set", "max_steps=15"]) == 0
    assert gif.stat().st_size > 0
    err = capsys.readouterr().err
    assert "return" in err and "deprecated" not in err  # RLlib's RLModule warning goes to the log beside the GIF
    assert (tmp_path / "rllib.log").is_file()


def test_policy_train_errors_are_clear(dataset, tmp_path, capsys):
    assert main(["policy", "train", "--data", str(dataset), "--method", "lapo", "--out", str(tmp_path / "p")]) == 1
    assert "set lam_run" in capsys.readouterr().err
    assert not (tmp_path / "p").exists()  # refused before anything is written: the same --out works once fixed
    assert main(["policy", "train", "--data", str(dataset), "--method", "lapo", "--lam-run", str(tmp_path),
                 "--set", "policy.bc_decoder_labels=true", "--out", str(tmp_path / "p")]) == 1
    assert "few-label BC baseline (method bc)" in capsys.readouterr().err
    assert main(["policy", "eval", "--checkpoint", str(tmp_path / "missing.pt")]) == 1
    assert "no policy checkpoint" in capsys.readouterr().err


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
            logging.getLogger("ray.tune.utils.util").warning("Install gputil for GPU system monitoring.")
        assert "new API" in (tmp_path / "rllib.log").read_text()
        assert "gputil" in (tmp_path / "rllib.log").read_text()
        assert terminal.getvalue() == ""
        logging.getLogger("ray.rllib").warning("after the run")  # handlers are restored afterwards
        assert "after the run" in terminal.getvalue()
    finally:
        rllib.removeHandler(own)
