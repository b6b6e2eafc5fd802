"""`masklam train` end to end on a tiny budget: real Ray, real segmentation service, real rendering."""

import json

import pytest

from masklam.cli import main

pytestmark = pytest.mark.slow

# 1 actor and a 0-CPU learner: in the full suite the run joins the session's 2-CPU test Ray, where the default
# 2 actors + 1 learner CPU could never all be scheduled
TINY = ["--actors", "1", "--set", "learner_cpus=0", "--set", "learner.batch_size=4", "--set", "min_blocks=8",
        "--set", "heldout.steps=120",
        "--set", "heldout.min_episodes=3", "--set", "actor.chunk_len=24", "--set", "updates_per_call=5",
        "--set", "checkpoint_every=5", "--set", "learner.model.channels=[4, 8]", "--set", "learner.model.blocks=1",
        "--set", "learner.model.latent_dim=16", "--set", "learner.replay_frames=5000"]
ALL_METHODS = ["--methods", "lapo,masklam,masklam_gt,laom,laom_labels"]


def test_train_checkpoint_resume_and_probe_table(tmp_path, capsys):
    out = tmp_path / "run"
    # a run cut at update 10 of a 15-update schedule (learner.total_updates fixes the cosine span)
    assert main(["train", "--task", "hopper", "--preset", "medium", "--updates", "10", "--out", str(out),
                 "--set", "learner.total_updates=15", *TINY, *ALL_METHODS]) == 0
    first = json.loads((out / "results.json").read_text())
    assert first["updates"] == 10
    assert set(first["probe_nmse"]) == {"lapo", "masklam", "masklam_gt", "laom", "laom_labels"}
    assert all(v >= 0 for v in first["probe_nmse"].values()) and "probe_ratio" in first
    assert (out / "checkpoints" / "latest").read_text().strip() == "ckpt-000000010.pt"
    assert "probe_ratio" in (out / "results.md").read_text()
    assert list((out / "tensorboard").glob("events.out.tfevents.*"))
    assert main(["train", "--out", str(out), "--updates", "15", "--resume"]) == 0  # the saved config is the base
    err = capsys.readouterr().err
    assert "resumed from update 10" in err
    second = json.loads((out / "results.json").read_text())
    assert second["updates"] == 15


def test_offline_training_from_recorded_shards(tmp_path):
    data = tmp_path / "data"
    assert main(["collect", "--task", "walker2d", "--preset", "low", "--actors", "1", "--steps", "150",
                 "--out", str(data), "--segmentation", "off", "--set", "actor.chunk_len=24"]) == 0
    out = tmp_path / "offline"
    assert main(["train", "--task", "walker2d", "--preset", "low", "--updates", "6", "--offline-data", str(data),
                 "--out", str(out), "--methods", "lapo,masklam_gt", "--segmentation", "off", *TINY,
                 "--set", "checkpoint_every=1", "--set", "checkpoint_keep_every=2"]) == 0
    results = json.loads((out / "results.json").read_text())
    assert results["mode"] == "offline" and results["updates"] == 6
    assert set(results["probe_nmse"]) == {"lapo", "masklam_gt"}
    # `masklam probe` re-scores the latest checkpoint with the run's own config; flags laid over it
    (out / "results.json").unlink()
    assert main(["probe", "--out", str(out), "--set", "heldout.seed_offset=20000"]) == 0
    again = json.loads((out / "results.json").read_text())
    assert again["updates"] == 6 and set(again["probe_nmse"]) == {"lapo", "masklam_gt"}
    assert again["heldout"]["seed_offset"] == 20000 and again["probe_set"]["env_seed"] != results["probe_set"]["env_seed"]
    # the learning curve: every kept checkpoint (2, 4, 6 and the newest three: 4, 5, 6) on one held-out set
    assert main(["probe", "--out", str(out), "--curve", "true"]) == 0
    curve = json.loads((out / "probe_curve.json").read_text())
    assert [p["updates"] for p in curve["points"]] == [2, 4, 5, 6]
    assert all(set(p["probe_nmse"]) == {"lapo", "masklam_gt"} for p in curve["points"])
    assert curve["points"][0]["probe_nmse_random_init"] == curve["points"][-1]["probe_nmse_random_init"]
    assert (out / "probe_curve.png").stat().st_size > 0


def test_offline_training_with_served_masks_as_the_readme_shows(tmp_path):
    """Regression: offline `--methods lapo,masklam` failed at the end (KeyError 'served') because the held-out
    probe set was recorded without the segmentation service."""
    data = tmp_path / "data"
    assert main(["collect", "--task", "hopper", "--preset", "low", "--actors", "1", "--steps", "150",
                 "--out", str(data), "--set", "actor.chunk_len=24"]) == 0
    out = tmp_path / "offline"
    # the dataset's task and preset win over the (default) env flags for the held-out probe set
    assert main(["train", "--offline-data", str(data), "--methods", "lapo,masklam", "--updates", "6",
                 "--out", str(out), *TINY]) == 0
    results = json.loads((out / "results.json").read_text())
    assert (results["task"], results["preset"]) == ("hopper", "low")
    assert set(results["probe_nmse"]) == {"lapo", "masklam"} and "probe_ratio" in results
    assert set(results["probe_nmse_random_init"]) == {"lapo", "masklam"} and "state_probe_nmse" in results


def test_train_fails_fast_when_the_cluster_is_too_small(tmp_path, ray_local, capsys):
    # before the check, a fleet larger than the cluster waited forever for its actors to be scheduled
    assert main(["train", "--task", "hopper", "--actors", "64", "--updates", "1", "--segmentation", "off",
                 "--out", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    assert "cannot be scheduled" in err and "CPU: needs 65" in err
