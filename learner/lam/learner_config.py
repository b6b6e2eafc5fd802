"""Configuration of the LAM learner."""

from __future__ import annotations

from dataclasses import dataclass, field

from learner.lam.config import LAMModelConfig, LAOMConfig


def cpu_model() -> LAMModelConfig:
    """The small CPU size: IMPALA 8,16,64 x1, one residual block, FDM bottleneck 8x8x64 = 4,096 values for a
    12,288-value frame (3x; the paper's is 8x8x192, 1x); see results/learner/ for the bottleneck ablation."""
    return LAMModelConfig(channels=[8, 16, 64], scale=1, blocks=1)


@dataclass
class LAMLearnerConfig:
    """What the learner trains and how."""

    methods: list[str] = field(default_factory=lambda: ["lapo", "masklam"])
    """Methods trained side by side on the same batches: lapo, masklam (k ~ U{1..9}), masklam_gt (oracle masks),
    masklam_k1 and masklam_gt_k1 (k = 1 ablations), masklam_loss_only (no mask input channel), laom, laom_labels."""
    model: LAMModelConfig = field(default_factory=cpu_model)
    """Network sizes; the default is the small CPU size (the paper's: channels 16,32,32, scale 4, blocks 2)."""
    laom: LAOMConfig = field(default_factory=LAOMConfig)
    """LAOM and LAOM-Labels' own sizes and constants (CPU size by default; `LAOMConfig.paper()` for LAOM's)."""
    batch_size: int = 32
    """Blocks per update."""
    lr: float = 3e-4
    """Peak AdamW learning rate of each method (CPU size: chosen by the sweep in results/learner/)."""
    weight_decay: float = 0.01
    """AdamW weight decay (the authors': 0.01)."""
    total_updates: int = 0
    """Length of the cosine schedule to 0 (the run's update budget; `masklam train` sets it from `updates`).
    0 keeps the learning rate constant after warm-up."""
    warmup_updates: int = 0
    """Linear warm-up from 0 to `lr` over this many updates."""
    probe_lr: float = 1e-3
    """Adam learning rate of the online linear probes."""
    w_bg: float = 0.0
    """Background weight of the masked loss (MaskLAM methods)."""
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
    channels_last: bool = True
    """Convolutions in channels-last memory (oneDNN's fast layout: 1.2-1.8x updates/s on the 2-core CPU box)."""
    autocast_bf16: bool = True
    """bf16 autocast of the forward passes on CUDA."""
    cpu_bf16: bool = False
    """bf16 autocast on the CPU too (where it has AVX512-BF16: a further 1.24x measured; off by default so CPU
    results stay fp32)."""

    def __post_init__(self) -> None:
        if self.total_updates < 0 or self.warmup_updates < 0:
            raise ValueError("learner.total_updates and learner.warmup_updates must be >= 0")
