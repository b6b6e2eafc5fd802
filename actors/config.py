"""Typed configuration of the actor side; `masklam.config` composes these into run configs."""

from __future__ import annotations

from dataclasses import dataclass, field

from protos.seg_client import ClientConfig


@dataclass
class EnvConfig:
    """Which distracting environment the actors step."""

    task: str = "halfcheetah"
    """halfcheetah | hopper | walker2d | humanoid (gymnasium v5)."""
    preset: str = "low"
    """Distractor preset: none | low (the paper's distractor-low) | medium | hard | causal (DESIGN.md section 3)."""
    size: int = 64
    """Frame height and width in pixels."""
    seed: int = 0
    """Base seed; each env of each actor derives its own from it."""
    video_source: str | None = None
    """Background videos: null/'procedural' for the seeded generator, or a DAVIS-layout folder."""
    split: str = "train"
    """Background split: train (data collection) or test (held-out evaluation)."""
    max_episode_steps: int | None = None
    """Episode length cap; null keeps the task's own (1000)."""


@dataclass
class PolicyConfig:
    """The actors' behaviour policy."""

    kind: str = "random"
    """random | expert."""
    expert_path: str | None = None
    """Expert checkpoint (.npz, see actors/policies.py) when kind is expert; null = the task's shipped expert
    (actors/experts/<task>.npz)."""
    noise_std: float = 0.0
    """Gaussian action noise, as a fraction of the half action range."""
    labelled_fraction: float = 1.0
    """Fraction of episodes marked `labelled` (usable as action labels in label-budget experiments)."""


@dataclass
class ActorConfig:
    """How each actor steps, chunks and ships its experience."""

    envs_per_actor: int = 1
    """Environments each actor steps round-robin."""
    chunk_len: int = 64
    """Frames per chunk."""
    chunk_overlap: int = 12
    """Frames shared by consecutive chunks of an episode (block length - 1 keeps every 13-frame block whole)."""
    chunks_per_shard: int = 16
    """Chunks per shard file when writing to disk."""
    steps_per_call: int = 200
    """Env steps per remote `collect` call: the progress and fault-recovery granularity."""
    max_restarts: int = 3
    """Ray restarts of a crashed actor before the run fails."""
    cpus_per_actor: float = 1.0
    """Ray CPUs reserved per actor."""
    resources: dict[str, float] = field(default_factory=dict)
    """Extra Ray resources per actor (e.g. a custom node label) for placement on clusters."""
    segmentation: ClientConfig | None = None
    """Segmentation service the actors send frames to for predicted masks; null leaves pred_masks empty."""
    mask_pipeline_depth: int = 4
    """Chunks an actor may have waiting for masks before it blocks (backpressure)."""

    def __post_init__(self) -> None:
        if not 1 <= self.chunk_overlap < self.chunk_len:
            raise ValueError(f"chunk_overlap must be in [1, chunk_len), got {self.chunk_overlap} / {self.chunk_len}")
        if self.envs_per_actor < 1 or self.steps_per_call < 1:
            raise ValueError("envs_per_actor and steps_per_call must be >= 1")
