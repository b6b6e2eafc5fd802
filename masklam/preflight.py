"""Validation of a resolved config before any work starts: one clear line and rc 2 instead of a traceback after
Ray and the segmentation service have started (or, worse, rc 0 for a run that did nothing)."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from masklam.config import ConfigError


def preflight(command: str, cfg) -> None:
    """Raise ConfigError naming the first problem of `cfg` for `command`."""
    env = getattr(cfg, "env", None)
    if env is not None:
        _check_env(env)
    for name in ("steps", "updates", "actors"):
        value = getattr(cfg, name, None)
        if isinstance(value, int) and value < 1 and not (name == "actors" and getattr(cfg, "offline_data", None)):
            raise ConfigError(f"config key {name!r}: must be >= 1, got {value}")
    if command == "collect":
        _check_writable(cfg.out, "out")
        if not cfg.resume:
            _check_collect_target(cfg)
    elif command == "train":
        _check_writable(cfg.out, "out")
        if cfg.offline_data:
            _check_dataset(cfg.offline_data, "offline_data")
    elif command == "policy train":
        _check_writable(cfg.out, "out")
        _check_dataset(cfg.data, "data")
    elif command == "quickstart":
        for stage in (cfg.collect, cfg.train, cfg.preview):
            _check_env(stage.env)
        _check_writable(cfg.out or cfg.runs_dir, "out" if cfg.out else "runs_dir")


def _check_env(env) -> None:
    from actors.envs.presets import get_preset
    from actors.envs.tasks import get_task

    for key, check, value in (("env.task", get_task, env.task), ("env.preset", get_preset, env.preset)):
        try:
            check(value)
        except ValueError as exc:
            raise ConfigError(f"config key {key!r}: {exc}") from None


def _check_writable(path: str, key: str) -> None:
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise ConfigError(f"config key {key!r}: {p} exists and is not a directory")
    probe = p
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise ConfigError(f"config key {key!r}: cannot write under {probe} (read-only or not a directory)")


def _check_dataset(path: str, key: str) -> None:
    from actors.shards import ShardReader

    p = Path(path)
    if not p.is_dir():
        raise ConfigError(f"config key {key!r}: dataset {p} does not exist")
    try:
        reader = ShardReader(p)
    except (FileNotFoundError, ValueError) as exc:
        raise ConfigError(f"config key {key!r}: {exc}") from None
    if reader.num_chunks == 0:
        raise ConfigError(f"config key {key!r}: dataset {p} holds no committed chunks (was its collect interrupted "
                          f"before the first shard?)")


def _check_collect_target(cfg) -> None:
    """A non-empty `out` is refused unless `append` is set and it holds the same kind of dataset."""
    out = Path(cfg.out)
    if not out.is_dir() or not any(out.iterdir()):
        return
    saved = out / "config.yaml"
    if not cfg.append:
        raise ConfigError(f"config key 'out': {out} is not empty; choose a new directory, or pass --append true to "
                          f"add to the dataset there (same task, preset and frame size)")
    if not saved.is_file():
        raise ConfigError(f"config key 'out': {out} is not empty and holds no masklam dataset (no config.yaml)")
    try:
        old = (yaml.safe_load(saved.read_text()) or {}).get("env", {})
    except yaml.YAMLError as exc:
        raise ConfigError(f"config key 'out': {saved} is not valid YAML ({exc})") from None
    for key in ("task", "preset", "size"):
        if old.get(key) != getattr(cfg.env, key):
            raise ConfigError(f"config key 'env.{key}': --append to {out} needs {key} {old.get(key)!r} (the "
                              f"dataset's), got {getattr(cfg.env, key)!r}")
