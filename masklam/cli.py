"""The `masklam` command. Every subcommand takes --config FILE and repeatable --set key.sub=value overrides;
the shortcut flags below are the same dotted keys."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from dataclasses import dataclass
from typing import Any

from learner.expert.config import ExpertConfig
from masklam.config_fields import flag_help, parse_flag, resolve_field
from masklam.preflight import preflight
from masklam.run_dir import READ_RUN_COMMANDS, RUN_COMMANDS, resolve_run_config, resolve_saved_config
from masklam.config import (CollectConfig, ConfigError, PolicyEvalConfig, PolicyTrainConfig, PreviewConfig,
                            QuickstartConfig, SegmenterConfig, TrainConfig, TuneGridConfig, load_config,
                            parse_override)

@dataclass(frozen=True)
class Command:
    """One subcommand. A shortcut flag's type and help text come from the field itself (masklam/config_fields.py)."""

    config: type
    """The config class the command's YAML, flags and --set overrides resolve into."""
    default_file: str | None
    """YAML read when --config is not given (None: the class's defaults)."""
    flags: dict[str, str]
    """Shortcut flag -> dotted config key."""
    help: str
    """One line for --help."""
    runner: str
    """"module:function" that runs it, imported only when this command runs (torch/Ray/RLlib load on demand)."""


_ENV_FLAGS = {"task": "env.task", "preset": "env.preset", "seed": "env.seed", "size": "env.size",
              "video-source": "env.video_source"}
COMMANDS: dict[str, Command] = {
    "collect": Command(CollectConfig, None, {
        **_ENV_FLAGS, "actors": "actors", "steps": "steps", "out": "out", "append": "append", "policy":
        "policy.kind", "expert": "policy.expert_path", "noise": "policy.noise_std", "ray-address": "ray_address",
        "segmentation": "segmentation.mode", "seg-address": "segmentation.client.address"},
        'Record a dataset of distracted frames, masks and actions with the actor fleet.', "masklam.collect:run_collect"),
    "train": Command(TrainConfig, None, {
        **_ENV_FLAGS, "actors": "actors", "updates": "updates", "minutes": "minutes", "methods": "learner.methods",
        "out": "out", "offline-data": "offline_data", "segmentation": "segmentation.mode"},
        'Train LAPO / MaskLAM side by side online from the actor stream, then score them with a frozen probe.',
        "masklam.train:run_train"),
    "probe": Command(TrainConfig, None, {
        **_ENV_FLAGS, "out": "out", "segmentation": "segmentation.mode", "curve": "curve"},
        "Re-score the frozen probe of a training run (--out) from its latest checkpoint, with the run's saved "
        'config (flags override it), e.g. after changing heldout.* settings; --curve true scores every kept '
        'checkpoint (checkpoint_keep_every) instead.', "masklam.train:run_probe"),
    "preview": Command(PreviewConfig, None, {
        **_ENV_FLAGS, "frames": "frames", "presets-table": "presets_table", "out": "out"},
        'Write a PNG grid and a GIF of distracted frames with the agent mask outlined.',
        "masklam.preview:run_preview_command"),
    "segmenter train": Command(SegmenterConfig, None, {
        "steps": "train.steps", "train-frames": "train_frames", "out": "out", "work-dir": "work_dir"},
        'Train the default segmentation U-Net on distracted frames with simulator masks and export it to ONNX.',
        "masklam.segmenter:run_segmenter_train"),
    "expert train": Command(ExpertConfig, None, {
        "task": "task", "algorithm": "algorithm", "env-steps": "env_steps", "minutes": "minutes", "seed": "seed",
        "out": "out", "export-dir": "export_dir"},
        'Train an expert on proprioceptive state with RLlib SAC or PPO (--resume continues its checkpoint), export it '
        'with a card.', "masklam.expert:run_expert_train"),
    "expert eval": Command(ExpertConfig, None, {
        "task": "task", "episodes": "eval_episodes", "seed": "seed", "export-dir": "export_dir",
        "checkpoint": "checkpoint"},
        'Evaluate an exported expert (deterministic) and print mean +/- std return.', "masklam.expert:run_expert_eval"),
    "policy train": Command(PolicyTrainConfig, None, {
        "data": "data", "method": "method", "lam-run": "lam_run", "labels": "policy.decoder_transitions", "out":
        "out", "bc-from": "bc_from"},
        'Label a dataset with a trained LAM, train a latent BC policy with RLlib, fit the decoder, evaluate.',
        "masklam.policy:run_policy_train"),
    "policy eval": Command(PolicyEvalConfig, None, {
        "checkpoint": "checkpoint", "episodes": "episodes", "seed": "seed", "preset": "preset", "gif": "gif"},
        'Evaluate a policy checkpoint (deterministic) and record a GIF of a rollout with the distracted frames.',
        "masklam.policy:run_policy_eval"),
    "tune": Command(TuneGridConfig, None, {
        "name": "name", "out": "out"},
        'Ray Tune grid of method x task x seed x label budget on recorded datasets; one results table + plots.',
        "masklam.tune:run_tune"),
    "quickstart": Command(QuickstartConfig, "configs/quickstart.yaml", {
        "task": "collect.env.task", "preset": "collect.env.preset", "steps": "collect.steps", "train-minutes":
        "train.minutes", "budget-minutes": "budget_minutes", "out": "out"},
        'The main job on the embedded default: preview, collect with served masks, train LAPO and MaskLAM online, '
        'then latent-action policies evaluated on returns; writes runs/<timestamp>/report.md.',
        "masklam.quickstart:run_quickstart"),
}


def run_command(name: str, cfg: Any) -> None:
    """Import the command's module only now (torch, Ray and RLlib load only for the commands that need them)."""
    module, function = COMMANDS[name].runner.split(":")
    getattr(importlib.import_module(module), function)(cfg)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="masklam", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("segserver", add_help=False, help="segmentation service: masklam segserver serve --help")
    groups: dict[str, argparse._SubParsersAction] = {}
    for name, command in COMMANDS.items():
        cls, default_file, flags, help_text = command.config, command.default_file, command.flags, command.help
        if " " in name:  # "segmenter train" -> masklam segmenter train
            group, leaf = name.split(" ", 1)
            if group not in groups:
                gp = sub.add_parser(group, help=f"{group} commands")
                groups[group] = gp.add_subparsers(dest="leaf", required=True)
            p = groups[group].add_parser(leaf, help=help_text, description=help_text)
            p.set_defaults(command=name)
        else:
            p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--config", default=default_file, help=f"YAML config ({cls.__name__}); default: "
                       f"{default_file or 'built-in defaults'}")
        if name in RUN_COMMANDS:
            p.add_argument("--resume", dest="flag__resume", action="store_const", const=True, default=None,
                           help="continue the run in its directory (--out): its saved config is the base, flags "
                                "and --set are laid over it, fields that cannot change mid-run are refused")
        p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                       help="override any config key, e.g. --set actor.chunk_len=32 (repeatable)")
        for flag, key in flags.items():
            _, doc = resolve_field(cls, key)
            p.add_argument(f"--{flag}", dest=f"flag__{key}", default=None, help=f"{flag_help(doc)} ({key})",
                           metavar=flag.upper().replace("-", "_"))
    return parser


def resolve(args: argparse.Namespace) -> Any:
    cls, default_file = COMMANDS[args.command].config, COMMANDS[args.command].default_file
    overrides: dict[str, Any] = {}
    for text in args.overrides:
        k, v = parse_override(text)
        overrides[k] = v
    for attr, value in vars(args).items():
        if attr.startswith("flag__") and value is not None:
            key = attr[len("flag__"):]  # flags give text (parsed by the field's type); --resume gives True
            overrides[key] = parse_flag(resolve_field(cls, key)[0], value) if isinstance(value, str) else value
    from pathlib import Path

    path = args.config
    if path == default_file and default_file is not None and not Path(path).is_file():
        path = None  # run from outside the repo: built-in defaults
    if args.command in RUN_COMMANDS:
        return resolve_run_config(cls, path, overrides)
    if args.command in READ_RUN_COMMANDS:
        return resolve_saved_config(cls, path, overrides)
    return load_config(cls, path, overrides)


def main(argv: list[str] | None = None) -> int:
    previous = _sigterm_like_sigint()
    try:
        return _main(sys.argv[1:] if argv is None else argv)
    finally:
        if previous is not None:
            import signal

            signal.signal(signal.SIGTERM, previous)


def _main(argv: list[str]) -> int:
    if argv[:1] == ["segserver"]:  # the service owns its flags (it also runs without masklam: python -m segserver)
        from segserver.cli import main as segserver_main

        return segserver_main(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        cfg = resolve(args)
        preflight(args.command, cfg)
    except ConfigError as exc:
        print(f"masklam {args.command}: {exc}", file=sys.stderr)
        return 2
    try:
        run_command(args.command, cfg)
    except KeyboardInterrupt:
        print("masklam: interrupted", file=sys.stderr)
        return 130
    except (ValueError, FileNotFoundError, RuntimeError, TimeoutError) as exc:
        if os.environ.get("MASKLAM_DEBUG"):
            raise
        print(f"masklam {args.command}: error: {exc}\n(set MASKLAM_DEBUG=1 for the traceback)", file=sys.stderr)
        return 1
    return 0


def _sigterm_like_sigint():
    """SIGTERM (kill, a scheduler's stop) takes the Ctrl-C path: buffered chunks are committed, checkpoints and
    summaries written, children stopped. Returns the previous handler (None off the main thread)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    return signal.signal(signal.SIGTERM, handler)


if __name__ == "__main__":
    sys.exit(main())
