"""Blocks -> torch tensors in the layout the methods use, converted once per update and shared by every method."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from learner.replay import BlockBatch

T_INDEX = 2  # X_t = frames (0, 1, 2) of a block: frame stack F = 3


@dataclass
class TorchBlocks:
    frames: torch.Tensor
    """float [B, L, 3, H, W] in [-0.5, 0.5]."""
    masks: dict[str, torch.Tensor]
    """mask source ("gt", "served") -> float {0,1} [B, L, 1, H, W]."""
    actions: torch.Tensor
    """float [B, L-1, A]."""
    labelled: torch.Tensor
    """bool [B]."""

    def stack(self, start: int, frame_stack: int, mask_source: str | None) -> torch.Tensor:
        """Observation X ending at frame `start + frame_stack - 1`: [B, 3F] or [B, 4F] channels (frame, mask)."""
        x = self.frames[:, start:start + frame_stack]
        if mask_source is not None:
            x = torch.cat([x, self.masks[mask_source][:, start:start + frame_stack]], dim=2)
        return x.flatten(1, 2)


def to_torch(batch: BlockBatch, device: torch.device) -> TorchBlocks:
    frames = torch.from_numpy(batch.frames).to(device).permute(0, 1, 4, 2, 3).float().div_(255.0).sub_(0.5)
    masks = {"gt": torch.from_numpy(batch.gt_masks).to(device).unsqueeze(2).float()}
    if batch.pred_masks is not None:
        masks["served"] = torch.from_numpy(batch.pred_masks).to(device).unsqueeze(2).float()
    return TorchBlocks(frames, masks, torch.from_numpy(np.ascontiguousarray(batch.actions)).to(device),
                       torch.from_numpy(batch.labelled).to(device))
