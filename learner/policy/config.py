"""Configuration of the latent-action policy stage (DESIGN.md section 6)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PolicyModelConfig:
    """Sizes of `PixelPolicyRLModule` (passed to RLlib as the module's model_config)."""

    channels: list[int] = field(default_factory=lambda: [8, 16, 16])
    """IMPALA stage channels of the policy encoder (the CPU size; the paper's LAM encoder: 64, 128, 128)."""
    blocks: int = 1
    """Residual blocks per stage."""
    feature_dim: int = 256
    """Encoder feature size, the input of the latent head and of the decoder."""
    decoder_hidden: int = 256
    """Hidden units of the latent-to-real action decoder MLP."""


@dataclass
class LatentPolicyConfig:
    """Latent BC, the decoder and the evaluation."""

    model: PolicyModelConfig = field(default_factory=PolicyModelConfig)
    """Policy network sizes."""
    bc_iterations: int = 30
    """RLlib `train()` calls of BC."""
    bc_batches_per_iteration: int = 20
    """Minibatches per `train()` call (RLlib's dataset_num_iters_per_learner)."""
    batch_size: int = 64
    """BC minibatch size."""
    lr: float = 3e-4
    """BC Adam learning rate."""
    decoder_transitions: int = 128_000
    """N: labelled transitions the decoder may use (all the dataset has if fewer; the paper's default 128k)."""
    decoder_steps: int = 2000
    """Decoder Adam steps (the encoder is frozen; features are computed once)."""
    decoder_lr: float = 1e-3
    """Decoder Adam learning rate."""
    decoder_batch_size: int = 256
    """Decoder minibatch size."""
    eval_episodes: int = 5
    """Evaluation episodes, one per seed eval_seed, eval_seed + 1, ..."""
    eval_seed: int = 50_000
    """First evaluation env seed (the same list for every method)."""
    eval_max_steps: int | None = None
    """Cap on evaluation episode length (None: the task's own limit, 1000 steps)."""
    seed: int = 0
    """Seed of BC, the decoder and the labelling order."""
    device: str = "auto"
    """BC learner device: auto (the GPU when this process sees one), cpu or cuda."""
    keep_labels: bool = False
    """Keep the labelled parquet dataset after BC (it holds one 3-frame stack per transition: ~37 KB at 64 px)."""
