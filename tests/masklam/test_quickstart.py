"""`masklam quickstart` end to end on a tiny budget: preview, collect with served masks, offline training on them,
latent policies, report."""

import json

import pytest
from PIL import Image

from masklam.cli import main

pytestmark = pytest.mark.slow

TINY = ["--task", "hopper", "--steps", "200", "--set", "preview.frames=6", "--set", "collect.actors=1",
        "--set", "collect.actor.chunk_len=24", "--set", "train.actors=1", "--set", "train.learner_cpus=0",
        "--set", "train.updates=6", "--set", "train.minutes=0", "--set", "train.min_blocks=8",
        "--set", "train.updates_per_call=3", "--set", "train.learner.batch_size=4",
        "--set", "train.learner.model.channels=[4, 8]", "--set", "train.learner.model.latent_dim=16",
        "--set", "train.actor.chunk_len=24", "--set", "train.heldout.steps=120", "--set", "train.heldout.min_episodes=3",
        "--set", "train.checkpoint_every=3", "--set", "policy.bc_iterations=1",
        "--set", "policy.bc_batches_per_iteration=2", "--set", "policy.batch_size=8",
        "--set", "policy.model.channels=[4, 8]", "--set", "policy.model.feature_dim=16",
        "--set", "policy.decoder_steps=5", "--set", "policy.eval_episodes=1", "--set", "policy.eval_max_steps=15",
        "--set", "policy_labels=50", "--set", "bc_reference_iterations=2"]


def test_quickstart_writes_a_report(tmp_path, capsys):
    assert main(["quickstart", "--set", f"runs_dir={tmp_path}", *TINY]) == 0
    (run_dir,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    report = (run_dir / "report.md").read_text()
    for needle in ("## Throughput per stage", "frames/s", "updates/s", "Served mask IoU", "probe_ratio",
                   "| lapo |", "| masklam_k1 |", "## Resolved config", "collect:", "hardware:",
                   "| random |", "| stand-still (the dataset's mean action) |", "| bc (all true labels) |",
                   "random-init IDM (floor)", "the leak level", "Not resolved at this budget", "| masklam_k1 (latent BC + decoder, N=50) |",
                   "return_ratio[masklam_k1] = masklam_k1 / lapo", "latent policies (bc, lapo, masklam_k1)", "offline LAM training", "90% CI",
                   "stand-still"):
        assert needle in report, needle
    summary = json.loads((run_dir / "summary.json").read_text())
    assert set(summary["stage_seconds"]) == {"preview", "collect", "train", "policies"}
    assert summary["policies"]["methods"]["masklam_k1"]["train"]["decoder_transitions"] >= 50  # whole episodes
    assert summary["policies"]["methods"]["bc"]["train"]["bc_minibatches"] == 2 * 2  # the reference's own budget
    assert summary["policies"]["methods"]["lapo"]["train"]["bc_minibatches"] == 1 * 2
    assert Image.open(run_dir / "returns.png").size[0] > 500
    assert Image.open(run_dir / "probe.png").size[0] > 500
    gif = Image.open(run_dir / "served_masks.gif")
    assert gif.n_frames > 1
    assert "report.md" in capsys.readouterr().err.replace("\n", "")  # the final summary names the report
    # an interrupted run (here: cut after the policy stage, before the report) finishes with --resume
    for name in ("report.md", "summary.json"):
        (run_dir / name).unlink()
    (run_dir / "train" / "results.json").unlink()
    assert main(["quickstart", "--out", str(run_dir), "--resume"]) == 0
    err = " ".join(capsys.readouterr().err.split())  # rich wraps long lines
    assert "collect already done" in err and "resumed from update" in err
    assert "policy already trained" in err and (run_dir / "report.md").exists()
    assert set(json.loads((run_dir / "summary.json").read_text())["stage_seconds"]) == \
        {"preview", "collect", "train", "policies"}


def test_quickstart_resume_needs_a_run_directory(tmp_path, capsys):
    assert main(["quickstart", "--out", str(tmp_path), "--resume"]) == 2
    assert "nothing to resume" in capsys.readouterr().err
