"""`masklam collect`: the actor fleet records a dataset of chunk shards."""

from __future__ import annotations

import dataclasses
import functools
import json
import time
from pathlib import Path

import numpy as np
from rich.console import Console

from actors.config import ActorConfig
from actors.fleet import ActorFleet, FleetProgress
from actors.shards import ShardReader
from common.files import atomic_write_bytes
from actors.sinks import ShardSink
from masklam.config import CollectConfig, save_config
from masklam.progress import stage_progress
from masklam.ray_runtime import ray_session, require_resources
from masklam.segservice import fleet_segmentation


def run_collect(cfg: CollectConfig, console: Console | None = None) -> dict:
    """Run the fleet for `cfg.steps` env steps into `cfg.out`; returns (and writes) the summary."""
    console = console or Console(stderr=True)
    out = Path(cfg.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    steps = cfg.steps
    if cfg.resume:  # record only what the interrupted run did not commit; new episode ids and seeds (generation)
        committed = ShardReader(out).num_transitions
        steps = cfg.steps - committed
        if steps <= 0:
            console.print(f"[green]collect[/] {out} already holds {committed} of {cfg.steps} transitions")
            done = out / "summary.json"
            return json.loads(done.read_text()) if done.exists() else _write_summary(
                cfg, out, FleetProgress(), time.perf_counter(), interrupted=False)
        console.print(f"[bold]collect[/] resuming {out}: {committed} transitions committed, {steps} to go")
    appending = cfg.append and (out / "config.yaml").is_file()
    save_config(cfg, out, f"config.append-{time.strftime('%Y%m%d-%H%M%S')}.yaml" if appending else "config.yaml")
    with fleet_segmentation(cfg, out, console) as actor:
        return _collect(dataclasses.replace(cfg, steps=steps), actor, out, console)


def _run_fleet(cfg: CollectConfig, actor: ActorConfig, out: Path, console: Console, wall: float) -> FleetProgress:
    """Run the actors to `cfg.steps`; on Ctrl-C / SIGTERM commit what they hold and write the summary first."""
    sink_factory = functools.partial(ShardSink, str(out), chunks_per_shard=cfg.actor.chunks_per_shard)
    fleet = None
    try:
        console.print(f"[bold]collect[/] {cfg.env.task}/{cfg.env.preset}: {cfg.actors} actors x "
                      f"{cfg.actor.envs_per_actor} envs, {cfg.steps} steps -> {out}")
        fleet = ActorFleet(cfg.env, cfg.policy, actor, cfg.actors, sink_factory)
        with stage_progress(console) as bar:
            task = bar.add_task("collect", total=cfg.steps, stats="")

            def show(p: FleetProgress) -> None:
                bar.update(task, completed=p.steps,
                           stats=f"{p.fps:6.0f} frames/s  {p.episodes} episodes  {p.shards} shards")

            progress = fleet.run(cfg.steps, show)
        progress = fleet.close(progress)
        fleet = None
    except KeyboardInterrupt:  # Ctrl-C, and SIGTERM (the CLI turns it into KeyboardInterrupt)
        console.print("[yellow]interrupted: committing buffered chunks before exit[/]")
        if fleet is not None:
            try:
                progress = fleet.close(fleet.progress)
            except Exception as exc:  # already-committed shards are safe; say what could not be flushed
                console.print(f"[red]could not flush every actor: {exc}[/]")
                progress = fleet.progress
            _write_summary(cfg, out, progress, wall, interrupted=True)
        raise
    return progress


def _collect(cfg: CollectConfig, actor: ActorConfig, out: Path, console: Console) -> dict:
    with ray_session(cfg.ray_address, cfg.actors * cfg.actor.cpus_per_actor):
        require_resources("masklam collect", cfg.actors * cfg.actor.cpus_per_actor, 0.0,
                          {k: v * cfg.actors for k, v in cfg.actor.resources.items()})
        wall = time.perf_counter()
        progress = _run_fleet(cfg, actor, out, console, wall)
    summary = _write_summary(cfg, out, progress, wall, interrupted=False)
    if summary["mask_iou"] is not None:
        console.print(f"served masks vs simulator masks: IoU {summary['mask_iou']:.3f}")
    console.print(f"[green]collected[/] {summary['transitions']} transitions in {summary['chunks']} chunks / "
                  f"{summary['shards']} shards, {summary['episodes']} finished episodes, "
                  f"{summary['actor_fps']:.0f} frames/s, {summary['wall_s']:.1f}s -> {out}")
    return summary


def _write_summary(cfg: CollectConfig, out: Path, progress: FleetProgress, wall: float, interrupted: bool) -> dict:
    reader = ShardReader(out)
    summary = {"mask_iou": served_mask_iou(reader),
               "task": cfg.env.task, "preset": cfg.env.preset, "actors": cfg.actors, "steps": progress.steps,
               "frames": progress.frames, "episodes": progress.episodes, "chunks": reader.num_chunks,
               "shards": len(reader.records), "transitions": reader.num_transitions,
               "actor_fps": progress.frames / progress.elapsed if progress.elapsed else 0.0,
               "wall_s": time.perf_counter() - wall, "interrupted": interrupted,
               "mean_episode_return": float(np.mean(progress.episode_returns)) if progress.episode_returns else None,
               "out": str(out)}
    atomic_write_bytes(out / "summary.json", json.dumps(summary, indent=1).encode())
    return summary


def served_mask_iou(reader: ShardReader) -> float | None:
    """Pooled IoU of the service's masks against the simulator's over a dataset (None without served masks)."""
    inter = union = 0
    for chunk in reader:
        if chunk.pred_masks is None:
            return None
        p, g = chunk.pred_masks[chunk.first_new:].astype(bool), chunk.gt_masks[chunk.first_new:].astype(bool)
        inter += int((p & g).sum())
        union += int((p | g).sum())
    return inter / union if union else None
