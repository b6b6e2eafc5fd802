"""Configuration of the latent-action policy stage (DESIGN.md section 6)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PolicyModelConfig:
    """Sizes of `PixelPolicyRLModule` (passed to RLlib as the module's model_config)."""

    channels: list[int] = field(default_factory=lambda: [16, 32, 32])
    """IMPALA stage channels of the policy encoder (the CPU size: BC on true labels reaches held-out NMSE 0.358 with
    it vs 0.431 with 8,16,16, results/policy/bc_halfcheetah_low_50k_c16_cpu.md; the paper's LAM encoder: 64, 128,
    128)."""
    blocks: int = 1
    """Residual blocks per stage."""
    feature_dim: int = 256
    """Encoder feature size, the input of the latent head and of the decoder."""
    decoder_hidden: list[int] = field(default_factory=lambda: [256, 256])
    """Hidden layers of the latent-to-real action decoder MLP (DESIGN.md section 6: [256, 256])."""
    shift_px: float = 4.0
    """Training-time random shift of each observation by up to this many pixels (DrQ-style augmentation, the
    same shift for the 3 frames of a stack; results/policy/bc_shift_halfcheetah_low_cpu.md); 0 turns it off.
    Evaluation and labelling never shift."""


@dataclass
class LatentPolicyConfig:
    """Latent BC, the decoder and the evaluation."""

    model: PolicyModelConfig = field(default_factory=PolicyModelConfig)
    """Policy network sizes."""
    bc_iterations: int = 100
    """RLlib `train()` calls of BC (each logs the held-out NMSE)."""
    bc_batches_per_iteration: int = 100
    """Minibatches per `train()` call (RLlib's dataset_num_iters_per_learner): 10,000 of 64 by default, where the
    held-out NMSE of BC on 50k transitions has plateaued under the cosine schedule (results/policy/)."""
    batch_size: int = 64
    """BC minibatch size."""
    lr: float = 3e-4
    """BC peak learning rate (MSE loss, RLlib's Adam)."""
    lr_schedule: str = "cosine"
    """BC learning-rate schedule: `cosine` to 0 over bc_iterations (stepped once per iteration), or `constant`."""
    val_fraction: float = 0.1
    """Whole episodes held out of BC to measure its held-out NMSE every iteration."""
    val_rows: int = 2000
    """Most held-out transitions scored per iteration (evenly spaced)."""
    decoder_transitions: int = 128_000
    """N: labelled transitions the decoder may use, drawn as whole random episodes (the paper's default 128k)."""
    bc_decoder_labels: bool = False
    """BC on true labels only (method `bc`): train on the decoder's N labelled transitions (decoder_transitions:
    the same seeded whole episodes) and validate on the decoder's held-out episodes, instead of every labelled
    episode: the few-label BC baseline a latent policy with the same labels must beat."""
    decoder_steps: int = 2000
    """Decoder AdamW steps (cosine to 0, grad-clip 1; the encoder is frozen, features are computed once)."""
    decoder_lr: float = 1e-3
    """Decoder peak learning rate."""
    decoder_batch_size: int = 256
    """Decoder minibatch size."""
    eval_episodes: int = 10
    """Evaluation episodes, one per seed eval_seed, eval_seed + 1, ... (mean with a 90% bootstrap interval)."""
    eval_seed: int = 50_000
    """First evaluation env seed (the same list for every method)."""
    eval_max_steps: int | None = None
    """Cap on evaluation episode length (None: the task's own limit, 1000 steps)."""
    eval_workers: int = 1
    """Evaluation episodes run at once, as Ray tasks of 1 CPU each (1: one after another in the calling process;
    the quickstart uses 2 on 2 cores). Leave 1 inside Tune trials, whose CPUs are already reserved."""
    seed: int = 0
    """Seed of BC, the decoder and the labelling order."""
    device: str = "auto"
    """BC learner device: auto (the GPU when this process sees one), cpu or cuda."""
    keep_labels: bool = False
    """Keep the labelled parquet dataset after BC (it holds one 3-frame stack per transition: ~37 KB at 64 px)."""

    def __post_init__(self) -> None:
        if self.eval_workers < 1:
            raise ValueError(f"policy.eval_workers must be >= 1, got {self.eval_workers}")
        if self.lr_schedule not in ("constant", "cosine"):
            raise ValueError(f"policy.lr_schedule must be constant or cosine, got {self.lr_schedule!r}")

    def eval_seeds(self) -> list[int]:
        """The evaluation env seeds, the same for every method, baseline and trial."""
        return list(range(self.eval_seed, self.eval_seed + self.eval_episodes))
