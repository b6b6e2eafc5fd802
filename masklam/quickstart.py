"""`masklam quickstart`: the main job on the embedded default: preview, a short distracted dataset of expert
demonstrations with masks from the local segmentation service, LAPO and MaskLAM (the k=1 variant by default)
trained side by side offline on it and scored by the frozen probe, then latent-action policies (and BC on true
labels) trained on the dataset and evaluated on returns. One local Ray serves every stage.

Each stage leaves its own completion record in the run directory (preview files, data/summary.json,
train/results.json, policy/<method>/policy.pt), so `--out runs/<timestamp> --resume` after Ctrl-C (the one resume
rule, masklam/run_dir.py) skips finished stages, resumes LAM training from its last checkpoint and only redoes what
was cut.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from common.files import atomic_write_bytes
from masklam.collect import run_collect
from learner.device import hardware
from masklam.config import QuickstartConfig, save_config
from masklam.policy import run_policy_comparison
from masklam.preview import run_preview
from masklam.ray_runtime import ray_session, worker_logs_dir
from masklam.report import load_expert_card, write_report
from masklam.results import ratio_name
from masklam.train import run_train

DEFAULT_MINUTES = 7.0  # the shipped config's wall time on 2 CPU cores, without the install


def scale_to_budget(cfg: QuickstartConfig) -> None:
    """--budget-minutes M: data, LAM updates and BC grow in proportion (never below the shipped config); LAM
    training stops at 40% of M if the updates take longer."""
    if not cfg.budget_minutes:
        return
    f = max(1.0, cfg.budget_minutes / DEFAULT_MINUTES)
    cfg.train.minutes = 0.4 * cfg.budget_minutes
    cfg.train.updates = int(cfg.train.updates * f)
    cfg.collect.steps = int(cfg.collect.steps * f)
    cfg.policy.bc_iterations = int(cfg.policy.bc_iterations * f)
    cfg.bc_reference_iterations = int(cfg.bc_reference_iterations * f)


def prepare_run(cfg: QuickstartConfig, console: Console) -> tuple[QuickstartConfig, Path]:
    """A new run directory (`out`, or runs_dir/<timestamp>/) with the resolved config, or the interrupted run
    `out` when resuming (the CLI has already laid the command line over its saved config)."""
    if cfg.resume:
        run_dir = Path(cfg.out)
        console.rule(f"masklam quickstart: resuming {run_dir}")
        return cfg, run_dir
    scale_to_budget(cfg)
    run_dir = Path(cfg.out) if cfg.out else Path(cfg.runs_dir) / time.strftime("%Y%m%d-%H%M%S")
    cfg.out = str(run_dir)
    cfg.collect.out = str(run_dir / "data")
    cfg.preview.out = str(run_dir / "preview")
    cfg.train.out = str(run_dir / "train")
    for env in (cfg.preview.env, cfg.train.env):  # one task and preset for the whole job (--task, --preset)
        env.task, env.preset = cfg.collect.env.task, cfg.collect.env.preset
    if cfg.train_on_collected:
        cfg.train.offline_data = cfg.collect.out
    if cfg.collect.policy.kind == "expert" and not cfg.collect.policy.expert_path \
            and load_expert_card(cfg.collect.env.task) is None:
        console.print(f"[yellow]no shipped expert for {cfg.collect.env.task}: collecting with a random policy[/]")
        cfg.collect.policy.kind = "random"
    save_config(cfg, run_dir)
    console.rule(f"masklam quickstart -> {run_dir}")
    return cfg, run_dir


class StageClock:
    """Wall seconds per stage, kept in stage_seconds.json so a resumed run reports the time each stage took."""

    def __init__(self, run_dir: Path):
        self.path = run_dir / "stage_seconds.json"
        self.seconds: dict[str, float] = json.loads(self.path.read_text()) if self.path.exists() else {}

    def run(self, name: str, fn: Callable[[], object]) -> object:
        t = time.perf_counter()
        out = fn()
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - t
        atomic_write_bytes(self.path, json.dumps(self.seconds).encode())
        return out


def _collect_stage(cfg: QuickstartConfig, console: Console) -> dict:
    out = Path(cfg.collect.out)
    if (out / "summary.json").exists():
        console.print(f"[green]collect[/] already done: {out}")
        return json.loads((out / "summary.json").read_text())
    if out.exists():  # cut short: a few seconds of data, cheaper to record again than to stitch
        console.print(f"[yellow]collect[/] was interrupted; recording {out} again")
        shutil.rmtree(out)
    return run_collect(cfg.collect, console)


def _train_stage(cfg: QuickstartConfig, console: Console) -> dict:
    out = Path(cfg.train.out)
    if (out / "results.json").exists():
        console.print(f"[green]LAM training[/] already done: {out / 'results.md'}")
        return json.loads((out / "results.json").read_text())
    cfg.train.resume = (out / "checkpoints").is_dir()
    return run_train(cfg.train, console)


def run_quickstart(cfg: QuickstartConfig, console: Console | None = None) -> Path:
    console = console or Console(stderr=True)
    cfg, run_dir = prepare_run(cfg, console)
    try:
        return _run_stages(cfg, run_dir, console)
    except KeyboardInterrupt:
        # every stage stops what it started (actors, service, Ray) on its way out; say how to go on
        console.print(f"[yellow]quickstart interrupted[/]; continue with: masklam quickstart --out {run_dir} --resume")
        raise


def _run_stages(cfg: QuickstartConfig, run_dir: Path, console: Console) -> Path:
    # one local Ray for every stage (each command alone starts its own: ~10 s a start on 2 cores); workers' own
    # output stays in Ray's session logs, named here, so the progress lines stay readable
    with ray_session(cfg.collect.ray_address, cfg.collect.actors, log_to_driver=False) as started:
        if started:
            console.print(f"Ray worker output: {worker_logs_dir()}")
        return _stages(cfg, run_dir, console)


def _stages(cfg: QuickstartConfig, run_dir: Path, console: Console) -> Path:
    clock = StageClock(run_dir)
    png, gif = Path(cfg.preview.out) / "preview.png", Path(cfg.preview.out) / "preview.gif"
    if not (png.exists() and gif.exists()):
        png, gif = clock.run("preview", lambda: run_preview(cfg.preview))
    console.print(f"[green]preview[/] {png} and {gif}")
    summary = clock.run("collect", lambda: _collect_stage(cfg, console))
    console.rule("LAM training, offline on the collected data" if cfg.train.offline_data else "online LAM training")
    results = clock.run("train", lambda: _train_stage(cfg, console))
    policies = None
    if cfg.policy_methods:
        policies = clock.run("policies", lambda: run_policy_comparison(
            cfg.collect.out, cfg.train.out, cfg.policy_methods, cfg.policy, cfg.policy_labels, run_dir / "policy",
            console, cfg.bc_reference_iterations))
    seconds = clock.seconds
    hardware_line = results.get("hardware") or hardware()
    report = {"run_dir": str(run_dir), "hardware": hardware_line, "stage_seconds": seconds,
              "preview_png": str(png), "preview_gif": str(gif), "collect": summary, "train": results,
              "policies": policies}
    atomic_write_bytes(run_dir / "summary.json", json.dumps(report, indent=1).encode())
    write_report(run_dir, hardware_line, summary, results, seconds, load_expert_card(cfg.collect.env.task),
                             policies)
    console.rule("done")
    iou = "n/a" if summary["mask_iou"] is None else f"{summary['mask_iou']:.3f}"
    lines = [f"dataset: {summary['out']}  ({summary['transitions']} transitions, {summary['actor_fps']:.0f} frames/s)",
             f"served mask IoU vs simulator: {iou}",
             "probe_nmse (held-out): " + ", ".join(f"{m} {v:.3f}" for m, v in results["probe_nmse"].items())
             + "".join(f"; {ratio_name('probe_ratio', m)} {r:.2f}" for m, r in results.get("probe_ratios", {}).items())]
    if policies:
        lines.append("returns: " + ", ".join(f"{m} {r['return']['mean']:.1f}" for m, r in policies["methods"].items())
                     + f", random {policies['random']['mean']:.1f}"
                     + (f", stand-still {policies['stand_still']['mean']:.1f}" if policies.get("stand_still") else ""))
    lines += [f"report:  {run_dir / 'report.md'}", f"results: {run_dir / 'train' / 'results.md'}",
              f"preview: {png}", f"config:  {run_dir / 'config.yaml'}", f"wall time: {sum(seconds.values()):.0f} s"]
    console.print(escape("\n".join(lines)))  # plain text: probe_ratio[masklam_k1] is not rich markup
    return run_dir
