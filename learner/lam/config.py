"""Model-size configuration of the latent action models (a config field, never a code change)."""

from __future__ import annotations

from dataclasses import dataclass, field

FRAME_STACK = 3
"""F: frames per observation X_t, for LAMs, probes, policies and evaluation alike (DESIGN.md section 5). Blocks,
labels and policy datasets index frames by it; it is one constant, not a per-run setting."""


@dataclass
class LAMModelConfig:
    """Sizes of the IDM and FDM networks."""

    channels: list[int] = field(default_factory=lambda: [16, 32, 32])
    """IMPALA stage channels before `scale` (the paper: 16, 32, 32)."""
    scale: int = 1
    """Channel multiplier (the paper: 4)."""
    blocks: int = 2
    """Residual blocks per stage (the paper: 2)."""
    latent_dim: int = 128
    """Size of the continuous latent action z."""
    vq_codes: int = 0
    """Quantise z with a codebook of this many codes per group (0: continuous, the default)."""
    vq_groups: int = 1
    """z is split into this many sub-vectors, each quantised on its own."""
    frame_stack: int = FRAME_STACK
    """Frames per observation X_t (F); fixed at FRAME_STACK (kept so saved configs say it)."""
    size: int = 64
    """Frame height and width; must be divisible by 2**len(channels)."""

    @property
    def widths(self) -> tuple[int, ...]:
        return tuple(c * self.scale for c in self.channels)

    def __post_init__(self) -> None:
        if self.frame_stack != FRAME_STACK:
            raise ValueError(f"frame_stack is fixed at {FRAME_STACK} (DESIGN.md section 5), got {self.frame_stack}")
        if self.size % (2 ** len(self.channels)):
            raise ValueError(f"size {self.size} must be divisible by 2**{len(self.channels)}")


AUGMENT_MODES = ("independent", "shared", "none")


@dataclass
class LAOMConfig:
    """LAOM and LAOM-Labels (DESIGN.md section 5). Defaults are the CPU size; the paper's (LAOM's) values are noted
    per field and collected in `LAOMConfig.paper()`."""

    latent_dim: int = 1024
    """Size of LAOM's latent action (LAOM: 8192)."""
    hidden: int = 512
    """Width of the IDM and FDM MLPs (LAOM: 1024)."""
    ema_tau: float = 0.001
    """Target encoder update e' <- (1 - tau) e' + tau e per step (LAOM: 0.001)."""
    label_weight: float = 0.001
    """lambda of LAOM-Labels' supervised head lambda * MSE(W z, a_t) (LAOM: 0.001)."""
    label_fraction: float = 0.25
    """Labelled rows per step as a fraction of the batch (LAOM: 128 of 512)."""
    max_k: int = 10
    """IDM offset k ~ U{1..max_k} per sample (LAOM: 10)."""
    augment: str = "independent"
    """'independent' (LAOM: every stack gets its own random augmentation, so the IDM must see through them),
    'shared' (one random warp per sample, applied alike to X_t, X_{t+k} and the target stack: the motion
    between them survives), or 'none'."""

    def __post_init__(self):
        if self.augment not in AUGMENT_MODES:
            raise ValueError(f"laom.augment must be one of {AUGMENT_MODES}, got {self.augment!r}")

    @classmethod
    def paper(cls) -> "LAOMConfig":
        return cls(latent_dim=8192, hidden=1024)
