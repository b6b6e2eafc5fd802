"""Configuration of the LAM learner."""

from __future__ import annotations

from dataclasses import dataclass, field

from learner.lam.config import LAMModelConfig


@dataclass
class LAMLearnerConfig:
    """What the learner trains and how."""

    methods: list[str] = field(default_factory=lambda: ["lapo", "masklam"])
    """Methods trained side by side on the same batches: lapo, masklam, masklam_gt (oracle masks),
    masklam_loss_only (no mask input channel), laom, laom_labels."""
    model: LAMModelConfig = field(default_factory=lambda: LAMModelConfig(channels=[8, 16, 16], scale=1, blocks=1))
    """Network sizes; the default is the small CPU size (the paper's: channels 16,32,32, scale 4, blocks 2)."""
    batch_size: int = 32
    """Blocks per update."""
    lr: float = 3e-4
    """Adam learning rate of each method."""
    probe_lr: float = 1e-3
    """Adam learning rate of the online linear probes."""
    w_bg: float = 0.0
    """Background weight of the masked loss (MaskLAM methods)."""
    label_weight: float = 1.0
    """lambda of LAOM-Labels' supervised action head."""
    block_len: int = 13
    """Frames per sampled block (frame stack 3 + max offset 10)."""
    replay_frames: int = 100_000
    """Replay capacity in frames (oldest chunks dropped first)."""
    seed: int = 0
    """Torch and sampling seed."""
    device: str = "auto"
    """auto (cuda when available) | cpu | cuda."""
    threads: int = 0
    """Torch CPU threads; 0 keeps torch's default."""
