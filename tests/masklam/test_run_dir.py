"""The one resume rule (masklam/run_dir.py), checked on every command that writes a run directory, without running
any of them: the CLI resolves the config a command would run with."""

import pytest

from masklam.cli import COMMANDS, build_parser, main, resolve
from masklam.config import ConfigError, save_config
from masklam.run_dir import READ_RUN_COMMANDS, RUN_COMMANDS, changed_keys


def resolved(*argv):
    return resolve(build_parser().parse_args(list(argv)))


def test_every_run_command_declares_its_directory_and_what_a_resume_may_change():
    for command in RUN_COMMANDS:
        cls = COMMANDS[command].config
        assert isinstance(cls.RESUME_MAY_CHANGE, tuple), command
        assert "resume" in {f.name for f in __import__("dataclasses").fields(cls)}, command
        args = build_parser().parse_args([*command.split(), "--resume"])
        assert args.flag__resume is True, command  # every run command takes --resume
    assert set(READ_RUN_COMMANDS) == {"probe"}


@pytest.mark.parametrize("argv, run", [
    (["train", "--out", "{d}"], "{d}"),
    (["collect", "--out", "{d}"], "{d}"),
    (["policy", "train", "--out", "{d}"], "{d}"),
    (["expert", "train", "--out", "{d}", "--task", "hopper"], "{d}/hopper"),
    (["tune", "--out", "{d}", "--name", "grid1"], "{d}/grid1"),
    (["quickstart", "--out", "{d}"], "{d}"),
])
def test_a_new_run_refuses_a_directory_that_holds_one_and_resume_continues_it(tmp_path, argv, run):
    argv = [a.format(d=tmp_path) for a in argv]
    first = resolved(*argv)
    assert first.resume is False
    save_config(first, run.format(d=tmp_path), getattr(first, "SAVED_CONFIG", "config.yaml"))
    with pytest.raises(ConfigError, match="already holds a run.*--resume"):
        resolved(*argv)
    again = resolved(*argv, "--resume")
    assert again.resume is True and changed_keys(vars_of(first), vars_of(again)) == ["resume"]


def vars_of(cfg):
    from masklam.config import to_dict

    return to_dict(cfg)


def test_resume_lays_the_command_line_over_the_saved_config_and_refuses_fixed_fields(tmp_path):
    run = tmp_path / "run"
    first = resolved("train", "--out", str(run), "--updates", "100", "--set", "learner.batch_size=8",
                     "--set", "learner.total_updates=300")
    save_config(first, run)
    # the saved config is the base: batch size 8 comes back without being repeated; the budget may grow
    again = resolved("train", "--out", str(run), "--resume", "--updates", "300", "--minutes", "5")
    assert again.learner.batch_size == 8 and again.updates == 300 and again.minutes == 5.0
    with pytest.raises(ConfigError, match=r"cannot change learner\.batch_size.*8 -> 16"):
        resolved("train", "--out", str(run), "--resume", "--set", "learner.batch_size=16")
    with pytest.raises(ConfigError, match="cannot change env.preset, env.task"):
        resolved("train", "--out", str(run), "--resume", "--task", "hopper", "--preset", "none")


def test_resume_needs_a_run_and_the_cli_says_so(tmp_path, capsys):
    assert main(["train", "--out", str(tmp_path / "nothing"), "--resume"]) == 2
    assert "nothing to resume" in capsys.readouterr().err
    assert main(["quickstart", "--resume"]) == 2
    assert "name its directory with --out" in capsys.readouterr().err
    assert main(["quickstart", "--out", str(tmp_path), "--resume"]) == 2
    assert "nothing to resume" in capsys.readouterr().err


def test_collect_append_is_a_new_session_not_a_resume(tmp_path):
    first = resolved("collect", "--out", str(tmp_path))
    save_config(first, tmp_path)
    assert resolved("collect", "--out", str(tmp_path), "--append", "true", "--steps", "50").steps == 50


def test_probe_reads_the_saved_config_of_its_run(tmp_path):
    save_config(resolved("train", "--out", str(tmp_path), "--task", "walker2d"), tmp_path)
    assert resolved("probe", "--out", str(tmp_path)).env.task == "walker2d"
    assert resolved("probe", "--out", str(tmp_path), "--set", "heldout.steps=500").heldout.steps == 500
