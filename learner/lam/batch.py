"""Blocks -> torch tensors in the layout the methods use, converted once per update and shared by every method.

Only the frames some method reads are converted (k=1 methods read x_{t-2..t+1}, 4 of a block's 13 frames).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from learner.lam.config import FRAME_STACK
from learner.replay import BlockBatch

T_INDEX = FRAME_STACK - 1  # X_t = frames 0 .. F-1 of a block


@dataclass
class TorchBlocks:
    frames: torch.Tensor
    """float [B, L', H, W, 3] in [-0.5, 0.5], channels last as recorded (L' <= L: the frames the methods read)."""
    masks: dict[str, torch.Tensor]
    """mask source ("gt", "served") -> float {0,1} [B, L', H, W, 1]."""
    actions: torch.Tensor
    """float [B, L-1, A]."""
    labelled: torch.Tensor
    """bool [B]."""

    @property
    def batch_size(self) -> int:
        return self.frames.shape[0]

    @property
    def length(self) -> int:
        return self.frames.shape[1]

    def frame(self, i: int) -> torch.Tensor:
        """Frame i of every block as [B, 3, H, W] (a channels-last view, no copy)."""
        return self.frames[:, i].permute(0, 3, 1, 2)

    def mask(self, source: str, i: int) -> torch.Tensor:
        """Mask i of every block as [B, 1, H, W]."""
        return self.masks[source][:, i].permute(0, 3, 1, 2)

    def stack(self, start: int, frame_stack: int, mask_source: str | None) -> torch.Tensor:
        """Observation X ending at frame `start + frame_stack - 1`: [B, 3F] or [B, 4F] channels (frame-major:
        frame 0's RGB (+ mask), frame 1's, ...), built in one copy straight into channels-last memory."""
        x = self.frames[:, start:start + frame_stack]
        if mask_source is not None:
            x = torch.cat([x, self.masks[mask_source][:, start:start + frame_stack]], dim=-1)
        return _channels(x)

    def stack_ending_at(self, end: torch.Tensor, frame_stack: int, mask_source: str | None) -> torch.Tensor:
        """Per-sample observations: row b is the stack ending at frame end[b] (long [B])."""
        idx = end[:, None] + torch.arange(1 - frame_stack, 1, device=end.device)[None, :]  # [B, F]
        rows = torch.arange(len(end), device=end.device)[:, None]
        x = self.frames[rows, idx]
        if mask_source is not None:
            x = torch.cat([x, self.masks[mask_source][rows, idx]], dim=-1)
        return _channels(x)


def _channels(x: torch.Tensor) -> torch.Tensor:
    """[B, F, H, W, C] -> [B, F*C, H, W] with channels-last memory (oneDNN's fast layout on the CPU)."""
    b, f, h, w, c = x.shape
    return x.permute(0, 2, 3, 1, 4).reshape(b, h, w, f * c).permute(0, 3, 1, 2)


def to_torch(batch: BlockBatch, device: torch.device, frames: int | None = None,
             mask_sources: tuple[str, ...] = ("gt", "served")) -> TorchBlocks:
    """Convert the first `frames` frames of every block (all when None), and only the masks asked for."""
    n = batch.frames.shape[1] if frames is None else frames
    x = torch.from_numpy(batch.frames[:, :n]).to(device).float().div_(255.0).sub_(0.5)
    masks = {}
    if "gt" in mask_sources:
        masks["gt"] = torch.from_numpy(batch.gt_masks[:, :n]).to(device).unsqueeze(-1).float()
    if "served" in mask_sources and batch.pred_masks is not None:
        masks["served"] = torch.from_numpy(batch.pred_masks[:, :n]).to(device).unsqueeze(-1).float()
    return TorchBlocks(x, masks, torch.from_numpy(np.ascontiguousarray(batch.actions)).to(device),
                       torch.from_numpy(batch.labelled).to(device))
