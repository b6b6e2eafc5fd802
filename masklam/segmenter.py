"""`masklam segmenter train`: frames from every task and preset -> U-Net -> ONNX model + card with held-out IoU."""

from __future__ import annotations

import functools
import json
import time
from pathlib import Path

import numpy as np
import ray
from rich.console import Console

from actors.config import ActorConfig, EnvConfig, PolicyConfig
from actors.shards import ShardReader
from common.files import atomic_write_bytes
from actors.sinks import ShardSink
from actors.worker import ActorWorker
from learner.segmenter.card import heldout_iou, segmenter_card
from learner.segmenter.data import load_frames
from learner.segmenter.train import export_onnx, train_unet
from masklam.config import SegmenterConfig, save_config
from masklam.progress import stage_progress
from masklam.ray_runtime import ray_session


@ray.remote(num_cpus=1)
def _record(env_cfg: EnvConfig, frames: int, out_dir: str) -> int:
    """Record `frames` random-policy frames of one env config into a shard dataset."""
    actor_cfg = ActorConfig(envs_per_actor=1, chunk_len=64, chunk_overlap=1)
    worker = ActorWorker(env_cfg, PolicyConfig(kind="random"), actor_cfg, 0, functools.partial(ShardSink, out_dir))
    worker.collect(frames)
    worker.close()
    return frames


def _datasets(cfg: SegmenterConfig, split: str) -> list[tuple[str, str, Path, EnvConfig, int]]:
    frames = cfg.train_frames if split == "train" else cfg.eval_frames
    seed = cfg.seed if split == "train" else cfg.seed + 10_000
    out = []
    for task in cfg.tasks:
        for preset in cfg.presets:
            d = Path(cfg.work_dir).resolve() / split / f"{task}-{preset}"
            env = EnvConfig(task=task, preset=preset, size=cfg.size, seed=seed, split=split,
                            max_episode_steps=cfg.max_episode_steps)
            out.append((task, preset, d, env, frames))
    return out


def _complete(d: Path, frames: int) -> bool:
    try:
        return ShardReader(d).num_transitions >= frames
    except FileNotFoundError:
        return False


def generate_data(cfg: SegmenterConfig, console: Console) -> None:
    jobs = [j for split in ("train", "test") for j in _datasets(cfg, split) if not _complete(j[2], j[4])]
    if not jobs:
        console.print("segmenter data: reusing complete datasets in", cfg.work_dir)
        return
    with ray_session(cfg.ray_address, 1):
        for _, _, d, _, _ in jobs:  # an incomplete dataset is regenerated from scratch
            if d.exists():
                import shutil

                shutil.rmtree(d)
        refs = {_record.remote(env, n, str(d)): n for _, _, d, env, n in jobs}
        with stage_progress(console) as bar:
            task = bar.add_task("frames", total=sum(refs.values()), stats=f"{len(jobs)} (task, preset) datasets")
            pending = list(refs)
            while pending:
                done, pending = ray.wait(pending, num_returns=1)
                bar.advance(task, ray.get(done[0]))


def run_segmenter_train(cfg: SegmenterConfig, console: Console | None = None) -> dict:
    console = console or Console(stderr=True)
    wall = time.perf_counter()
    out = Path(cfg.out)
    save_config(cfg, Path(cfg.work_dir), "segmenter_config.yaml")
    generate_data(cfg, console)
    train = [load_frames(d) for _, _, d, _, _ in _datasets(cfg, "train")]
    frames = np.concatenate([f for f, _ in train])
    masks = np.concatenate([m for _, m in train])
    console.print(f"training a U-Net {cfg.train.widths} on {len(frames)} frames for {cfg.train.steps} steps")
    with stage_progress(console) as bar:
        task = bar.add_task("train", total=cfg.train.steps, stats="")
        smooth = [None]

        def on_step(step: int, loss: float) -> None:
            smooth[0] = loss if smooth[0] is None else 0.98 * smooth[0] + 0.02 * loss
            if step % 10 == 0 or step == cfg.train.steps:
                bar.update(task, completed=step, stats=f"loss {smooth[0]:.4f}")

        t_train = time.perf_counter()
        net = train_unet(cfg.train, frames, masks, on_step)
        train_s = time.perf_counter() - t_train
    export_onnx(net, out, cfg.size)
    iou, per_env = heldout_iou(net, [(t, p, d) for t, p, d, _, _ in _datasets(cfg, "test")])
    data = {"tasks": cfg.tasks, "presets": cfg.presets, "frames_per_env": cfg.train_frames,
            "total_frames": int(len(frames)), "size": cfg.size, "seed": cfg.seed,
            "backgrounds": "procedural, train split", "policy": "random",
            "labels": "MuJoCo segmentation (simulator masks)"}
    held_out = {"frames_per_env": cfg.eval_frames, "seed": cfg.seed + 10_000,
                "backgrounds": "procedural, test split (disjoint seeds)"}
    card = segmenter_card(out, net, cfg.train, data, held_out, iou, per_env, train_s, time.perf_counter() - wall)
    atomic_write_bytes(out.with_suffix(".json"), json.dumps(card, indent=1).encode())
    console.print(f"[green]exported[/] {out} ({out.stat().st_size // 1024} KiB); mask_iou per task: {iou}")
    return card
