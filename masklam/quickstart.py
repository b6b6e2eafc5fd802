"""`masklam quickstart`: the main job on the embedded default. Today: preview, then collect a short distracted
dataset with masks from the local segmentation service."""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path

from rich.console import Console

from masklam.collect import run_collect
from masklam.config import QuickstartConfig, save_config
from masklam.preview import run_preview


def run_quickstart(cfg: QuickstartConfig, console: Console | None = None) -> Path:
    console = console or Console(stderr=True)
    run_dir = Path(cfg.runs_dir) / time.strftime("%Y%m%d-%H%M%S")
    cfg.collect.out = str(run_dir / "data")
    cfg.preview.out = str(run_dir / "preview")
    save_config(cfg, run_dir)
    console.rule(f"masklam quickstart -> {run_dir}")
    png, gif = run_preview(cfg.preview)
    console.print(f"[green]preview[/] {png} and {gif}")
    summary = run_collect(cfg.collect, console)
    report = {"run_dir": str(run_dir), "hardware": f"{platform.machine()} {platform.processor() or ''}".strip(),
              "preview_png": str(png), "preview_gif": str(gif), "collect": summary}
    (run_dir / "summary.json").write_text(json.dumps(report, indent=1))
    console.rule("done")
    iou = "n/a" if summary["mask_iou"] is None else f"{summary['mask_iou']:.3f}"
    console.print(f"dataset: {summary['out']}  ({summary['transitions']} transitions, "
                  f"{summary['actor_fps']:.0f} frames/s)\nserved mask IoU vs simulator: {iou}\n"
                  f"preview: {png}\nconfig:  {run_dir / 'config.yaml'}")
    return run_dir
