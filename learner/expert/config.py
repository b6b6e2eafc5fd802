"""Configuration of expert training (RLlib SAC on proprioceptive state, no pixels, no distractors)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ExpertConfig:
    """One expert run: `masklam expert train|eval --task T`."""

    task: str = "halfcheetah"
    """halfcheetah | hopper | walker2d | humanoid (gymnasium v5)."""
    env_steps: int = 1_000_000
    """Total env steps to train for (a resumed run continues towards the same total)."""
    minutes: float = 0.0
    """Wall-clock budget of this invocation; 0 = no limit. The run checkpoints and can be resumed."""
    seed: int = 0
    """Seed of RLlib, the env runner and evaluation episodes."""
    hidden: list[int] = field(default_factory=lambda: [256, 256])
    """Hidden sizes of the policy and Q MLPs (ReLU)."""
    lr: float = 3e-4
    """Actor, critic and temperature learning rate."""
    batch_size: int = 256
    """Transitions per SAC update."""
    updates_per_step: float = 1.0
    """SAC updates per env step (RLlib training_intensity = updates_per_step * batch_size)."""
    learning_starts: int = 5_000
    """Env steps sampled (random actions) before the first update."""
    gamma: float = 0.99
    """Discount."""
    steps_per_iteration: int = 1_000
    """Env steps per RLlib training iteration (the progress, TensorBoard and checkpoint granularity)."""
    checkpoint_every: int = 10
    """Iterations between checkpoints (one is also written at the end)."""
    eval_episodes: int = 20
    """Episodes of the final deterministic evaluation written to the card."""
    out: str = "runs/experts"
    """Working directory: <out>/<task>/checkpoint, tensorboard, progress.jsonl."""
    export_dir: str = "actors/experts"
    """Where the exported <task>.npz and <task>.json card go (the actors load them from here by default)."""
    target_return: float = 0.0
    """Stop early once the deterministic eval return reaches this; 0 = the task's default target."""

    def __post_init__(self) -> None:
        if self.env_steps < 1 or self.batch_size < 1 or self.steps_per_iteration < 1:
            raise ValueError("env_steps, batch_size and steps_per_iteration must be >= 1")
        if self.updates_per_step <= 0:
            raise ValueError("updates_per_step must be > 0")


# Mean-return targets of issue 3 (gymnasium v5, deterministic policy).
TARGET_RETURNS = {"halfcheetah": 4000.0, "hopper": 2500.0, "walker2d": 3000.0, "humanoid": 4000.0}
