"""`masklam quickstart`: the main job on the embedded default: preview, a short distracted dataset with masks from
the local segmentation service, LAPO and MaskLAM trained side by side online and scored by a frozen probe, then
latent-action policies (and BC on true labels) trained on the dataset and evaluated on returns."""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path

from rich.console import Console

from masklam.collect import run_collect
from masklam.config import QuickstartConfig, save_config
from masklam.policy import run_policy_comparison
from masklam.preview import run_preview
from masklam.report import load_expert_card, write_report
from masklam.train import run_train


DEFAULT_MINUTES = 8.0  # the shipped config's wall time on 2 CPU cores


def scale_to_budget(cfg: QuickstartConfig) -> None:
    """--budget-minutes M: 40% of M trains the LAMs online; data and BC grow in proportion (never below the
    shipped config)."""
    if not cfg.budget_minutes:
        return
    f = max(1.0, cfg.budget_minutes / DEFAULT_MINUTES)
    cfg.train.minutes = 0.4 * cfg.budget_minutes
    cfg.collect.steps = int(cfg.collect.steps * f)
    cfg.policy.bc_iterations = int(cfg.policy.bc_iterations * f)


def run_quickstart(cfg: QuickstartConfig, console: Console | None = None) -> Path:
    console = console or Console(stderr=True)
    scale_to_budget(cfg)
    run_dir = Path(cfg.runs_dir) / time.strftime("%Y%m%d-%H%M%S")
    cfg.collect.out = str(run_dir / "data")
    cfg.preview.out = str(run_dir / "preview")
    cfg.train.out = str(run_dir / "train")
    for env in (cfg.preview.env, cfg.train.env):  # one task and preset for the whole job (--task, --preset)
        env.task, env.preset = cfg.collect.env.task, cfg.collect.env.preset
    if cfg.collect.policy.kind == "expert" and not cfg.collect.policy.expert_path \
            and load_expert_card(cfg.collect.env.task) is None:
        console.print(f"[yellow]no shipped expert for {cfg.collect.env.task}: collecting with a random policy[/]")
        cfg.collect.policy.kind = "random"
    save_config(cfg, run_dir)
    console.rule(f"masklam quickstart -> {run_dir}")
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    png, gif = run_preview(cfg.preview)
    seconds["preview"] = time.perf_counter() - t
    console.print(f"[green]preview[/] {png} and {gif}")
    t = time.perf_counter()
    summary = run_collect(cfg.collect, console)
    seconds["collect"] = time.perf_counter() - t
    console.rule("online LAM training")
    t = time.perf_counter()
    results = run_train(cfg.train, console)
    seconds["train"] = time.perf_counter() - t
    policies = None
    if cfg.policy_methods:
        t = time.perf_counter()
        policies = run_policy_comparison(cfg.collect.out, cfg.train.out, cfg.policy_methods, cfg.policy,
                                         cfg.policy_labels, run_dir / "policy", console)
        seconds["policies"] = time.perf_counter() - t
    hardware = results.get("hardware") or platform.machine()
    report = {"run_dir": str(run_dir), "hardware": hardware, "stage_seconds": seconds,
              "preview_png": str(png), "preview_gif": str(gif), "collect": summary, "train": results,
              "policies": policies}
    (run_dir / "summary.json").write_text(json.dumps(report, indent=1))
    report_md = write_report(run_dir, hardware, summary, results, seconds, load_expert_card(cfg.collect.env.task),
                             policies)
    console.rule("done")
    iou = "n/a" if summary["mask_iou"] is None else f"{summary['mask_iou']:.3f}"
    console.print(f"dataset: {summary['out']}  ({summary['transitions']} transitions, "
                  f"{summary['actor_fps']:.0f} frames/s)\nserved mask IoU vs simulator: {iou}\n"
                  f"probe_nmse (held-out): "
                  + ", ".join(f"{m} {v:.3f}" for m, v in results["probe_nmse"].items())
                  + (f"; probe_ratio {results['probe_ratio']:.2f}" if "probe_ratio" in results else "")
                  + f"\nreport:  {report_md}\nresults: {run_dir / 'train' / 'results.md'}\npreview: {png}\nconfig:  {run_dir / 'config.yaml'}")
    return run_dir
