"""CLI flags take their type and help from the schema's field docstrings (masklam/config_fields.py)."""

import pytest

from masklam.cli import COMMANDS
from masklam.config import ConfigError, TrainConfig
from masklam.config_fields import field_docs, flag_help, parse_flag, resolve_field


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_shortcut_flag_is_a_documented_field(command):
    cls, flags = COMMANDS[command].config, COMMANDS[command].flags
    for flag, key in flags.items():
        _, doc = resolve_field(cls, key)
        assert doc, f"masklam {command} --{flag}: field {key} has no docstring"


def test_fields_resolve_through_nested_and_optional_configs():
    tp, doc = resolve_field(TrainConfig, "learner.methods")
    assert tp == list[str] and "side by side" in doc
    assert resolve_field(TrainConfig, "env.preset")[1].startswith("Distractor preset")
    docs = field_docs(TrainConfig)
    assert "actors" in docs and "updates" in docs  # FleetConfig's fields are inherited, TrainConfig's own added
    with pytest.raises(ConfigError, match="not a field"):
        resolve_field(TrainConfig, "learner.nope")


def test_flag_text_is_parsed_by_the_field_type():
    assert parse_flag(list[str], "lapo, masklam") == ["lapo", "masklam"]
    assert parse_flag(str, "none") == "none"  # a preset name, not YAML null
    assert parse_flag(str | None, "123") == "123"
    assert parse_flag(int, "40") == 40 and parse_flag(float, "0.5") == 0.5
    assert parse_flag(bool, "true") is True


def test_long_help_is_cut_at_a_sentence():
    doc = "First sentence here. " + "x" * 300
    assert flag_help(doc) == "First sentence here."


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_names_a_runner_that_exists(command):
    import importlib

    module, function = COMMANDS[command].runner.split(":")
    assert callable(getattr(importlib.import_module(module), function)), command
