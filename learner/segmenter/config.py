"""Configuration of the segmenter's training (the schema beside the code it configures)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SegmenterTrainConfig:
    """Optimisation settings of `masklam segmenter train`."""

    widths: list[int] = field(default_factory=lambda: [16, 32, 64])
    """U-Net channel widths per level (the model size)."""
    steps: int = 2500
    """Optimiser steps."""
    batch_size: int = 32
    """Frames per step."""
    lr: float = 2e-3
    """Peak AdamW learning rate (5% linear warm-up, cosine decay to 5% of it)."""
    dice_weight: float = 1.0
    """Weight of the soft Dice loss added to BCE (the agent covers only 2-4% of a frame)."""
    seed: int = 0
    """Torch and sampling seed."""
    threads: int = 0
    """Torch CPU threads; 0 keeps torch's default."""
