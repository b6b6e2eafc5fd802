"""The segmentation model's card: held-out IoU per task and per (task, preset), and how the model was made."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

import numpy as np
from torch import nn

from learner.device import hardware
from learner.segmenter.config import SegmenterTrainConfig
from learner.segmenter.data import load_frames
from learner.segmenter.train import mask_iou, predict_masks


def heldout_iou(net: nn.Module, test_sets: Iterable[tuple[str, str, Path]]) -> tuple[dict, dict]:
    """IoU of the net's masks against simulator masks on each (task, preset, shard directory): pooled over every
    frame of a task, and per `task/preset`."""
    per_env, per_task = {}, {}
    for task, preset, d in test_sets:
        frames, masks = load_frames(d)
        pred = predict_masks(net, frames)
        per_env[f"{task}/{preset}"] = round(mask_iou(pred, masks), 4)
        acc = per_task.setdefault(task, ([], []))
        acc[0].append(pred), acc[1].append(masks)
    per_task_iou = {t: round(mask_iou(np.concatenate(p), np.concatenate(m)), 4) for t, (p, m) in per_task.items()}
    return per_task_iou, per_env


def segmenter_card(model: Path, net: nn.Module, train: SegmenterTrainConfig, data: dict, held_out: dict,
                   iou: dict, iou_per_env: dict, train_seconds: float, wall_seconds: float) -> dict:
    """The JSON card written beside the exported ONNX model (`data` / `held_out` describe the frames used)."""
    return {
        "model": model.name, "format": "onnx", "input": "frames [B,3,H,W] float32 in [0,1]",
        "output": "masks [B,1,H,W] float32 agent probability", "threshold": 0.5,
        "architecture": f"U-Net widths {train.widths}",
        "parameters": int(sum(p.numel() for p in net.parameters())),
        "training_data": data, "held_out": held_out,
        "train": asdict(train), "train_seconds": round(train_seconds, 1),
        "mask_iou": iou, "mask_iou_per_preset": iou_per_env,
        "hardware": hardware(), "wall_seconds": round(wall_seconds, 1), "created": time.strftime("%Y-%m-%d"),
    }
