"""What the CLI knows about a config key, read from the schema itself: its type and its docstring.

Every config field is documented by the string literal right after it (CleanRL / tyro style); the CLI's shortcut
flags take their help text and value parsing from there, so nothing is written twice.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import inspect
import textwrap
import types
import typing
from typing import Any

from masklam.config_loader import ConfigError, parse_value


@functools.cache
def field_docs(cls: type) -> dict[str, str]:
    """Field name -> its docstring, for a dataclass and the dataclasses it inherits from."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if not dataclasses.is_dataclass(klass):
            continue
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError):
            continue
        body = tree.body[0].body
        for node, after in zip(body, body[1:]):
            if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                    and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
                    and isinstance(after.value.value, str)):
                docs[node.target.id] = " ".join(after.value.value.split())
    return docs


def _dataclass_of(tp: Any) -> type | None:
    if dataclasses.is_dataclass(tp):
        return tp
    for arg in typing.get_args(tp):  # Optional[SomeConfig]
        if dataclasses.is_dataclass(arg):
            return arg
    return None


def resolve_field(cls: type, dotted: str) -> tuple[Any, str]:
    """(type, docstring) of a dotted key such as `learner.methods` of TrainConfig; a wrong key raises ConfigError."""
    node: type | None = cls
    parts = dotted.split(".")
    for i, part in enumerate(parts):
        hints = typing.get_type_hints(node) if node is not None else {}
        if part not in hints:
            raise ConfigError(f"config key {dotted!r}: {part!r} is not a field of {getattr(node, '__name__', node)}")
        tp = hints[part]
        if i == len(parts) - 1:
            return tp, field_docs(node).get(part, "")
        node = _dataclass_of(tp)
    raise AssertionError("unreachable")


def _is_str(tp: Any) -> bool:
    args = [a for a in typing.get_args(tp) if a is not type(None)] if typing.get_origin(tp) in (
        typing.Union, types.UnionType) else [tp]
    return bool(args) and all(a is str for a in args)


def parse_flag(tp: Any, text: str) -> Any:
    """A flag's text as a value of the field's type: lists are comma-separated, strings are kept verbatim (so
    `--preset none` stays the string), everything else is parsed as YAML and then type-checked by the loader."""
    origin = typing.get_origin(tp)
    if origin is list:
        return [s.strip() for s in text.split(",") if s.strip()]
    if _is_str(tp):
        return text
    return parse_value(text)


def flag_help(doc: str, limit: int = 160) -> str:
    """The docstring, cut at a sentence end when it is long."""
    if len(doc) <= limit:
        return doc
    cut = doc.rfind(". ", 0, limit)
    return doc[:cut + 1] if cut > 0 else doc[:limit].rstrip() + "..."
