"""One resume rule for every command that writes a run directory (Sample Factory's `maybe_load_from_checkpoint`).

- A command writes into its run directory (`run_directory()` of its config: `--out`, or `<out>/<task>` for experts
  and `<out>/<name>` for Tune). A new run refuses a directory that already holds one (its saved config): pass
  `--resume` to continue it, or choose another `--out`.
- `--out DIR --resume` continues the run there. Its saved config is the base and the command line's flags and
  `--set` overrides are laid over it (a `--config` file only helps locate the run); a changed field that cannot
  change mid-run (anything outside the config's `RESUME_MAY_CHANGE`) is refused, naming the field.
- Commands that read a finished run (`masklam probe`) take its saved config as their base the same way.

What "continue" means is each command's own: train and expert train load their last checkpoint, collect records the
steps still missing, policy train and the quickstart skip the stages whose outputs exist, tune calls Tuner.restore.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from masklam.config_loader import ConfigError, load_config, to_dict

T = TypeVar("T")


RUN_COMMANDS = ("collect", "train", "policy train", "expert train", "tune", "quickstart")
"""Commands that write a run directory and take `--resume`. Their config classes say where the directory is
(`run_directory()`) and what a resume may change (`RESUME_MAY_CHANGE`)."""

READ_RUN_COMMANDS = ("probe",)
"""Commands that act on an existing run directory: its saved config is their base."""


def saved_config_path(cfg: Any) -> Path | None:
    run = cfg.run_directory()
    return None if run is None else Path(run) / getattr(cfg, "SAVED_CONFIG", "config.yaml")


def resolve_run_config(cls: type[T], config_file: str | None, overrides: dict[str, Any]) -> T:
    """The config a run-directory command runs with, by the rule above."""
    asked = load_config(cls, config_file, overrides)
    saved_path = saved_config_path(asked)
    if saved_path is None:  # the command makes a fresh directory itself (the quickstart's runs/<timestamp>)
        if asked.resume:
            raise ConfigError("--resume continues an existing run: name its directory with --out")
        return asked
    if not asked.resume:
        # `collect --append` is not a resume: a new recording session added to an existing dataset
        if saved_path.is_file() and not getattr(asked, "append", False):
            also = " (or add a new recording session to it with --append true)" if hasattr(asked, "append") else ""
            raise ConfigError(f"{saved_path.parent} already holds a run ({saved_path.name}); continue it with "
                              f"--resume, or choose another --out{also}")
        return asked
    if not saved_path.is_file():
        raise ConfigError(f"nothing to resume: {saved_path.parent} holds no run ({saved_path.name} is missing)")
    saved = load_config(cls, saved_path)
    resumed = load_config(cls, saved_path, {**overrides, "resume": True})
    refused = [key for key in changed_keys(to_dict(saved), to_dict(resumed))
               if not _may_change(key, cls.RESUME_MAY_CHANGE)]
    if refused:
        was, now = _flat(to_dict(saved)), _flat(to_dict(resumed))
        detail = "; ".join(f"{k}: {was.get(k)!r} -> {now.get(k)!r}" for k in refused)
        raise ConfigError(f"cannot change {', '.join(refused)} when resuming {saved_path.parent} ({detail}); these "
                          f"fix what the run has already done: start a new run in another --out instead")
    return resumed


def resolve_saved_config(cls: type[T], config_file: str | None, overrides: dict[str, Any]) -> T:
    """For commands that act on an existing run (`probe`): its saved config, with the command line laid over it."""
    asked = load_config(cls, config_file, overrides)
    saved_path = saved_config_path(asked)
    if config_file is None and saved_path is not None and saved_path.is_file():
        return load_config(cls, saved_path, overrides)
    return asked


def changed_keys(before: dict, after: dict) -> list[str]:
    """Dotted keys whose values differ between two config dicts (leaves only)."""
    a, b = _flat(before), _flat(after)
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


def _flat(d: dict, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and v:
            out.update(_flat(v, key + "."))
        else:
            out[key] = v
    return out


def _may_change(key: str, allowed: tuple[str, ...]) -> bool:
    return key == "resume" or any(key == p or key.startswith(p + ".") for p in allowed)
