"""`segserver serve` (also `masklam segserver serve`): flags are generated from `SegServerConfig`'s fields."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import typing

import yaml

from segserver.config import SegServerConfig

TOKEN_ENV = "MASKLAM_SEG_TOKEN"


def _field_help(cls: type) -> dict[str, str]:
    """Field docstrings (the string literal after each field) from the class source, for --help."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(cls))
    out, body = {}, tree.body[0].body
    for node, nxt in zip(body, body[1:]):
        if isinstance(node, ast.AnnAssign) and isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant):
            out[node.target.id] = str(nxt.value.value)
    return out


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="segserver", description="Segmentation microservice (gRPC).")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve a segmentation model over gRPC",
                           description="Serve a segmentation model over gRPC until SIGTERM, then drain.")
    serve.add_argument("--config", help="YAML file with SegServerConfig fields (flags override it)")
    hints, docs = typing.get_type_hints(SegServerConfig), _field_help(SegServerConfig)
    for f in dataclasses.fields(SegServerConfig):
        tp = hints[f.name]
        base = next((a for a in typing.get_args(tp) if a is not type(None)), tp)
        serve.add_argument(f"--{f.name.replace('_', '-')}", dest=f.name, type=base, default=None,
                           help=f"{docs.get(f.name, '')} (default: {f.default})")
    return parser


ENV_PREFIX = "MASKLAM_SEG_"


def _from_environment() -> dict:
    """MASKLAM_SEG_<FIELD> variables (e.g. MASKLAM_SEG_MAX_BATCH=64), the container way to configure the service.
    Precedence: flags > environment > --config file > defaults."""
    hints, out = typing.get_type_hints(SegServerConfig), {}
    for f in dataclasses.fields(SegServerConfig):
        raw = os.environ.get(ENV_PREFIX + f.name.upper())
        if raw is None or f.name == "token":  # the token has its own variable, MASKLAM_SEG_TOKEN
            continue
        base = next((a for a in typing.get_args(hints[f.name]) if a is not type(None)), hints[f.name])
        try:
            out[f.name] = base(raw)
        except ValueError:
            raise ValueError(f"{ENV_PREFIX + f.name.upper()}={raw!r} is not a valid {base.__name__}") from None
    return out


def resolve(args: argparse.Namespace) -> SegServerConfig:
    data = {}
    if args.config:
        with open(args.config) as fh:
            data = yaml.safe_load(fh) or {}
    names = {f.name for f in dataclasses.fields(SegServerConfig)}
    unknown = set(data) - names
    if unknown:
        raise ValueError(f"unknown segserver config keys {sorted(unknown)}")
    data.update(_from_environment())
    data.update({k: v for k, v in vars(args).items() if k in names and v is not None})
    if not data.get("token") and os.environ.get(TOKEN_ENV):
        data["token"] = os.environ[TOKEN_ENV]  # keeps the secret out of `ps` and shell history
    return SegServerConfig(**data)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        cfg = resolve(args)
    except (ValueError, TypeError, OSError) as exc:
        print(f"segserver: {exc}", file=sys.stderr)
        return 2
    from segserver.server import serve

    try:
        serve(cfg)
    except (FileNotFoundError, OSError, RuntimeError, ValueError) as exc:
        print(f"segserver: error: {exc}", file=sys.stderr)
        return 1
    return 0
