"""Training, ONNX export and IoU evaluation of the default segmentation U-Net."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from learner.device import pick_device
from learner.segmenter.config import SegmenterTrainConfig
from learner.segmenter.unet import ProbabilityHead, UNet


def _loss(logits: torch.Tensor, target: torch.Tensor, dice_weight: float) -> torch.Tensor:
    bce = F.binary_cross_entropy_with_logits(logits, target)
    p = torch.sigmoid(logits)
    inter = (p * target).sum(dim=(1, 2, 3))
    dice = 1 - (2 * inter + 1) / (p.sum(dim=(1, 2, 3)) + target.sum(dim=(1, 2, 3)) + 1)
    return bce + dice_weight * dice.mean()


def to_input(frames: np.ndarray, device: torch.device) -> torch.Tensor:
    """uint8 [B,H,W,3] -> float [B,3,H,W] in [0,1] (the ONNX contract)."""
    return torch.from_numpy(frames).to(device).permute(0, 3, 1, 2).float().div_(255.0)


def train_unet(cfg: SegmenterTrainConfig, frames: np.ndarray, masks: np.ndarray,
               on_step: Callable[[int, float], None] | None = None, device: str = "auto") -> UNet:
    """Train a U-Net on uint8 frames [N,H,W,3] and {0,1} masks [N,H,W]; `on_step(step, loss)` reports progress."""
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    dev = pick_device(device)
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    net = UNet(tuple(cfg.widths)).to(dev)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=1e-4)
    warmup = max(1, cfg.steps // 20)

    def lr_factor(step: int) -> float:  # linear warm-up, then cosine decay to 5%
        if step < warmup:
            return (step + 1) / warmup
        return 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, cfg.steps - warmup)))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_factor)
    net.train()
    for step in range(cfg.steps):
        idx = rng.integers(0, len(frames), cfg.batch_size)
        x, y = frames[idx], masks[idx]
        if rng.random() < 0.5:  # mirror: the agents face one way, the backgrounds do not care
            x, y = x[:, :, ::-1], y[:, :, ::-1]
        xt = to_input(np.ascontiguousarray(x), dev)
        yt = torch.from_numpy(np.ascontiguousarray(y)).to(dev).float().unsqueeze(1)
        loss = _loss(net(xt), yt, cfg.dice_weight)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if on_step is not None:
            on_step(step + 1, loss.item())
    return net.eval().cpu()


def export_onnx(net: UNet, path: str | Path, size: int = 64) -> Path:
    """Write the probability model: input `frames` [B,3,H,W] float in [0,1] -> output `masks` [B,1,H,W]."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    model = ProbabilityHead(net).eval()
    dummy = torch.rand(2, 3, size, size)
    tmp = path.with_suffix(".onnx.tmp")
    torch.onnx.export(model, (dummy,), str(tmp), input_names=["frames"], output_names=["masks"],
                      dynamic_axes={"frames": {0: "batch", 2: "height", 3: "width"},
                                    "masks": {0: "batch", 2: "height", 3: "width"}},
                      opset_version=17, dynamo=False)
    tmp.replace(path)
    return path


@torch.no_grad()
def predict_masks(net: UNet, frames: np.ndarray, batch: int = 256) -> np.ndarray:
    out = []
    for i in range(0, len(frames), batch):
        out.append((torch.sigmoid(net(to_input(frames[i:i + batch], torch.device("cpu")))) > 0.5)
                   .squeeze(1).numpy().astype(np.uint8))
    return np.concatenate(out)


def mask_iou(pred: np.ndarray, target: np.ndarray) -> float:
    """Intersection over union of two {0,1} mask stacks, pooled over all frames."""
    p, t = pred.astype(bool), target.astype(bool)
    union = np.logical_or(p, t).sum()
    return float(np.logical_and(p, t).sum() / union) if union else 1.0
