"""Configuration of expert training (RLlib SAC or PPO on proprioceptive state, no pixels, no distractors)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar


@dataclass
class ExpertConfig:
    """One expert run: `masklam expert train|eval --task T`."""

    task: str = "halfcheetah"
    """halfcheetah | hopper | walker2d | humanoid (gymnasium v5)."""
    algorithm: str = "sac"
    """sac | ppo. SAC learns more per env step; RLlib's SAC runs ~10 env steps/s on 2 CPU cores, PPO ~800, so on a
    small CPU machine PPO gets further in the same wall time. A run directory holds one algorithm's checkpoint."""
    env_steps: int = 1_000_000
    """Total env steps to train for (a resumed run continues towards the same total)."""
    minutes: float = 0.0
    """Wall-clock budget of this invocation; 0 = no limit. The run checkpoints and can be resumed."""
    seed: int = 0
    """Seed of RLlib, the env runner and evaluation episodes."""
    hidden: list[int] = field(default_factory=list)
    """Hidden sizes of the policy and value MLPs; empty = the algorithm's default (SAC 256,256 ReLU; PPO 64,64
    tanh)."""
    lr: float = 3e-4
    """Learning rate (SAC: actor, critic and temperature; PPO: policy and value)."""
    batch_size: int = 256
    """SAC: transitions per update."""
    updates_per_step: float = 1.0
    """SAC: updates per env step (RLlib training_intensity = updates_per_step * batch_size)."""
    learning_starts: int = 5_000
    """SAC: env steps sampled (random actions) before the first update."""
    gamma: float = 0.99
    """Discount."""
    steps_per_iteration: int = 0
    """Env steps per RLlib training iteration (the progress and TensorBoard granularity); for PPO also the
    on-policy batch of one update round. 0 = the algorithm's default (SAC 1000, PPO 2048)."""
    ppo_num_envs: int = 8
    """PPO: vectorised envs in the (local) env runner."""
    ppo_minibatch: int = 64
    """PPO: transitions per SGD minibatch."""
    ppo_epochs: int = 10
    """PPO: passes over each on-policy batch."""
    checkpoint_every: int = 0
    """Iterations between evaluation + checkpoint (one is also written at the end); 0 = the algorithm's default
    (SAC 10, PPO 20: about 10k / 41k env steps)."""
    eval_episodes: int = 20
    """Episodes of the final deterministic evaluation written to the card."""
    out: str = "runs/experts"
    """Working directory: <out>/<task>/checkpoint and tensorboard."""
    export_dir: str = "actors/experts"
    """Where the exported <task>.npz and <task>.json card go (the actors load them from here by default)."""
    target_return: float = 0.0
    """Stop early once the deterministic eval return reaches this; 0 = the task's default target."""
    resume: bool = False
    """Continue the run in <out>/<task> from its last checkpoint, towards the same env_steps total."""
    checkpoint: str | None = None
    """`expert eval` only: the exported .npz to evaluate (default: <export_dir>/<task>.npz)."""

    RESUME_MAY_CHANGE: ClassVar[tuple[str, ...]] = ("env_steps", "minutes", "eval_episodes", "export_dir",
                                                    "target_return", "checkpoint_every", "out",
                                                    "checkpoint")

    def run_directory(self) -> Path:
        return Path(self.out) / self.task

    def __post_init__(self) -> None:
        if self.env_steps < 1 or self.batch_size < 1:
            raise ValueError("env_steps and batch_size must be >= 1")
        if self.steps_per_iteration < 0 or self.checkpoint_every < 0:
            raise ValueError("steps_per_iteration and checkpoint_every must be >= 0 (0 = the algorithm's default)")
        if self.updates_per_step <= 0:
            raise ValueError("updates_per_step must be > 0")
        if self.algorithm not in ALGORITHMS:
            raise ValueError(f"algorithm must be one of {', '.join(ALGORITHMS)}, got {self.algorithm!r}")
        if min(self.ppo_num_envs, self.ppo_minibatch, self.ppo_epochs) < 1:
            raise ValueError("ppo_num_envs, ppo_minibatch and ppo_epochs must be >= 1")

    @property
    def hidden_sizes(self) -> list[int]:
        return list(self.hidden) or ([256, 256] if self.algorithm == "sac" else [64, 64])

    @property
    def iteration_steps(self) -> int:
        return self.steps_per_iteration or (1_000 if self.algorithm == "sac" else 2_048)

    @property
    def checkpoint_iterations(self) -> int:
        return self.checkpoint_every or (10 if self.algorithm == "sac" else 20)


ALGORITHMS = ("sac", "ppo")


# Mean-return targets of issue 3 (gymnasium v5, deterministic policy).
TARGET_RETURNS = {"halfcheetah": 4000.0, "hopper": 2500.0, "walker2d": 3000.0, "humanoid": 4000.0}
