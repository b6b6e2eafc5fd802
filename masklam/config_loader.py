"""Loading and saving of the typed configs: YAML <- dotted `key=value` overrides, every key and type checked,
errors naming the key (`ConfigError`)."""

from __future__ import annotations

import dataclasses
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

import yaml

T = TypeVar("T")


class ConfigError(ValueError):
    """A config file or override is invalid; the message names the key."""


def _fail(path: str, msg: str) -> typing.NoReturn:
    raise ConfigError(f"config key {path or '<root>'!r}: {msg}")


def _coerce(tp: Any, value: Any, path: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(arg, value, path)
            except ConfigError as exc:
                errors.append(str(exc))
        _fail(path, f"{value!r} does not fit {tp} (" + "; ".join(errors) + ")")
    if dataclasses.is_dataclass(tp):
        if isinstance(value, tp):
            return value
        if not isinstance(value, dict):
            _fail(path, f"expected a mapping, got {type(value).__name__}")
        return from_dict(tp, value, path)
    if origin is dict:
        kt, vt = typing.get_args(tp)
        if not isinstance(value, dict):
            _fail(path, f"expected a mapping, got {type(value).__name__}")
        return {_coerce(kt, k, f"{path}.{k}"): _coerce(vt, v, f"{path}.{k}") for k, v in value.items()}
    if origin is list:
        (it,) = typing.get_args(tp)
        if not isinstance(value, list):
            _fail(path, f"expected a list, got {type(value).__name__}")
        return [_coerce(it, v, f"{path}[{i}]") for i, v in enumerate(value)]
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            _fail(path, f"expected a number, got {value!r}")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            _fail(path, f"expected an integer, got {value!r}")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            _fail(path, f"expected true or false, got {value!r}")
        return value
    if tp is str:
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            _fail(path, f"expected a string, got {value!r}")
        return str(value)
    if tp is typing.Any:
        return value
    _fail(path, f"unsupported type {tp}")


def from_dict(cls: type[T], data: dict, path: str = "") -> T:
    """Build dataclass `cls` from a mapping; unknown keys and wrong types raise ConfigError naming the key."""
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(data) - names
    if unknown:
        _fail(f"{path}.{sorted(unknown)[0]}".lstrip("."), f"unknown key; {cls.__name__} has {sorted(names)}")
    kwargs = {k: _coerce(hints[k], v, f"{path}.{k}".lstrip(".")) for k, v in data.items()}
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        _fail(path, str(exc))


def to_dict(cfg: Any) -> dict:
    return dataclasses.asdict(cfg)


def apply_override(data: dict, dotted: str, value: Any) -> None:
    """Set `a.b.c` in a nested dict, creating levels as needed."""
    keys = dotted.split(".")
    node = data
    for k in keys[:-1]:
        node = node.setdefault(k, {})
        if not isinstance(node, dict):
            raise ConfigError(f"config key {dotted!r}: {k!r} is not a section")
    node[keys[-1]] = value


def parse_value(raw: str) -> Any:
    """A value written on the command line, parsed as YAML (so 3, 0.5, true, null and [1, 2] work)."""
    return yaml.safe_load(raw) if raw.strip() else ""


def parse_override(text: str) -> tuple[str, Any]:
    """`key.sub=value` with the value parsed by `parse_value`."""
    if "=" not in text:
        raise ConfigError(f"override {text!r} must look like key.sub=value")
    key, raw = text.split("=", 1)
    return key.strip(), parse_value(raw)


def load_config(cls: type[T], path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> T:
    """Defaults <- YAML file <- overrides (dotted keys), validated into `cls`."""
    data: dict = {}
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"config file {p} does not exist")
        try:
            loaded = yaml.safe_load(p.read_text()) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            raise ConfigError(f"config file {p} is not valid YAML ({where.strip() or 'unparsable'}: "
                              f"{getattr(exc, 'problem', exc)})") from None
        if not isinstance(loaded, dict):
            raise ConfigError(f"config file {p} must hold a mapping at the top level")
        data = loaded
    for k, v in (overrides or {}).items():
        apply_override(data, k, v)
    return from_dict(cls, data)


def save_config(cfg: Any, directory: str | Path, name: str = "config.yaml") -> Path:
    """Write the resolved config as YAML next to a run's outputs."""
    from common.files import atomic_write_bytes

    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    path = d / name
    atomic_write_bytes(path, yaml.safe_dump(to_dict(cfg), sort_keys=False).encode())
    return path
