"""`masklam expert train|eval` end to end on a tiny budget (real RLlib SAC), with resume and the shipped card."""

import json

import numpy as np
import pytest

from learner.expert.config import ExpertConfig
from masklam.cli import main
from masklam.expert import run_expert_train


def test_expert_train_checkpoints_resumes_and_ships_a_card(tmp_path, ray_local, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # relative --out paths must work (RLlib's checkpoint writer needs absolute ones)
    cfg = ExpertConfig(task="hopper", env_steps=400, steps_per_iteration=200, learning_starts=200, batch_size=32,
                       hidden=[32, 32], checkpoint_every=1, eval_episodes=2, out="work", export_dir="ship")
    run_expert_train(cfg)
    state = json.loads((tmp_path / "work/hopper/checkpoint/masklam_state.json").read_text())
    assert state["env_steps"] == 400 and state["iterations"] == 2
    cfg.env_steps = 600
    run_expert_train(cfg)
    out = capsys.readouterr().out
    assert "resumed from" in out and "at 400 env steps" in out
    state = json.loads((tmp_path / "work/hopper/checkpoint/masklam_state.json").read_text())
    assert state["env_steps"] == 600 and state["iterations"] == 3  # the counter continued, not restarted
    card = json.loads((tmp_path / "ship/hopper.json").read_text())
    assert card["env_steps"] == 600 and card["eval_episodes"] == 2 and card["target_reached"] is False
    assert "note" in card and "--task hopper" in card["finish_command"]
    assert (tmp_path / "ship/hopper.npz").is_file()
    assert (tmp_path / "work/hopper/config.yaml").is_file()
    # the eval command reads the shipped file
    assert main(["expert", "eval", "--task", "hopper", "--episodes", "2", "--export-dir", str(tmp_path / "ship")]) == 0
    assert "over 2 episodes" in capsys.readouterr().out


def test_expert_eval_names_the_missing_file(tmp_path, capsys):
    assert main(["expert", "eval", "--task", "walker2d", "--export-dir", str(tmp_path)]) == 1
    assert "masklam expert train --task walker2d" in capsys.readouterr().err


def test_expert_config_rejects_bad_values():
    with pytest.raises(ValueError):
        ExpertConfig(updates_per_step=0)
    assert main(["expert", "train", "--set", "batch_size=0"]) == 2


def test_ppo_expert_resumes_its_filter_refuses_another_algorithm_and_keeps_a_better_shipped_expert(
        tmp_path, ray_local, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = ExpertConfig(task="hopper", algorithm="ppo", env_steps=512, steps_per_iteration=256, ppo_num_envs=2,
                       ppo_minibatch=64, ppo_epochs=1, hidden=[16], checkpoint_every=1, eval_episodes=2,
                       out="work", export_dir="ship")
    run_expert_train(cfg)
    card = json.loads((tmp_path / "ship/hopper.json").read_text())
    assert card["algorithm"].startswith("PPO") and "--algorithm ppo" in card["finish_command"]
    with np.load(tmp_path / "work/hopper/final.npz") as z:
        first = {k: z[k] for k in z.files}
    assert first["obs_std"].shape == (11,) and float(first["obs_clip"]) == 10.0
    # Resuming at the same total trains nothing: the exported policy, observation filter included, is identical.
    run_expert_train(cfg)
    assert "resumed from" in capsys.readouterr().out
    with np.load(tmp_path / "work/hopper/final.npz") as z:
        for k in first:
            np.testing.assert_array_equal(z[k], first[k], err_msg=k)
    # The same directory refuses SAC, and leaves the PPO run's config alone.
    config_before = (tmp_path / "work/hopper/config.yaml").read_text()
    with pytest.raises(ValueError, match="holds a ppo run"):
        run_expert_train(ExpertConfig(task="hopper", out="work", export_dir="ship"))
    assert (tmp_path / "work/hopper/config.yaml").read_text() == config_before
    # A shipped expert with a better card on the same evaluation episodes is not replaced by a worse run.
    card["return_mean"] = 1e6
    (tmp_path / "ship/hopper.json").write_text(json.dumps(card))
    shipped = (tmp_path / "ship/hopper.npz").read_bytes()
    cfg.env_steps = 768
    run_expert_train(cfg)
    assert "kept the shipped" in capsys.readouterr().out
    assert (tmp_path / "ship/hopper.npz").read_bytes() == shipped


def test_expert_stops_at_the_target_only_after_a_card_sized_check(tmp_path, ray_local, capsys):
    cfg = ExpertConfig(task="hopper", algorithm="ppo", env_steps=100_000, steps_per_iteration=256, ppo_num_envs=2,
                       ppo_epochs=1, hidden=[16], checkpoint_every=1, eval_episodes=2, target_return=-1e6,
                       out=str(tmp_path / "work"), export_dir=str(tmp_path / "ship"))
    run_expert_train(cfg)
    out = capsys.readouterr().out
    assert "2-episode check" in out and "reached the target return" in out
    state = json.loads((tmp_path / "work/hopper/checkpoint/masklam_state.json").read_text())
    assert state["iterations"] == 1 and state["algorithm"] == "ppo"
