"""`ActorWorker`: steps several distracting envs with a behaviour policy and ships chunks to a sink.

A plain class so it can be tested in-process; `actors.fleet` wraps it as a Ray actor with restarts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

from actors.config import ActorConfig, EnvConfig, PolicyConfig
from actors.envs import make_env
from actors.mask_pipeline import MaskPipeline
from actors.policies import make_policy
from actors.recorder import EpisodeRecorder
from actors.sinks import ChunkSink


@dataclass
class WorkerStats:
    """What one `collect` call did."""

    worker: int = 0
    steps: int = 0
    frames: int = 0
    episodes: int = 0
    chunks: int = 0
    shards: int = 0
    seconds: float = 0.0
    episode_returns: list[float] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


class ActorWorker:
    """Steps `envs_per_actor` envs round-robin; every finished chunk goes to the sink."""

    def __init__(self, env_cfg: EnvConfig, policy_cfg: PolicyConfig, actor_cfg: ActorConfig, worker_index: int,
                 sink_factory: Callable[[str], ChunkSink]):
        self.env_cfg, self.policy_cfg, self.actor_cfg = env_cfg, policy_cfg, actor_cfg
        self.worker_index = worker_index
        self.worker_id = f"w{worker_index:03d}"
        self.sink = sink_factory(self.worker_id)
        self.masks = (MaskPipeline(actor_cfg.segmentation, actor_cfg.mask_pipeline_depth)
                      if actor_cfg.segmentation is not None else None)
        self.generation = self.sink.generation  # > 0 after a restart: new seeds, new episode ids
        self.envs, self.recorders, self.states = [], [], []
        # the env construction seed is stable across restarts (it fixes the action-correlated map);
        # episode seeds also depend on the generation so a restarted actor never repeats episodes
        self.rng = np.random.default_rng([env_cfg.seed, worker_index, self.generation])
        self.episode_counter = 0
        for i in range(actor_cfg.envs_per_actor):
            env = make_env(env_cfg.task, env_cfg.preset, seed=self._env_seed(i), size=env_cfg.size,
                           video_source=env_cfg.video_source, split=env_cfg.split,
                           max_episode_steps=env_cfg.max_episode_steps)
            self.envs.append(env)
        space = self.envs[0].action_space
        self.policy = make_policy(policy_cfg.kind, space.low, space.high, policy_cfg.expert_path,
                                  policy_cfg.noise_std, task=env_cfg.task)
        for i in range(len(self.envs)):
            self.recorders.append(None)
            self.states.append(None)
            self._reset(i)

    def _env_seed(self, i: int) -> int:
        return self.env_cfg.seed * 100_003 + self.worker_index * 101 + i

    def _reset(self, i: int) -> None:
        reset_seed = int(self.rng.integers(2**31))
        frame, info = self.envs[i].reset(seed=reset_seed)
        episode_id = f"{self.worker_id}-g{self.generation}-e{self.episode_counter}"
        self.episode_counter += 1
        labelled = bool(self.rng.random() < self.policy_cfg.labelled_fraction)
        rec = EpisodeRecorder(self.actor_cfg.chunk_len, self.actor_cfg.chunk_overlap, self.env_cfg.task,
                              self.env_cfg.preset, self._env_seed(i), episode_id, labelled,
                              meta={"reset_seed": reset_seed, "policy": self.policy.name, "worker": self.worker_id})
        rec.start(frame, info["agent_mask"], info["state"])
        self.recorders[i], self.states[i] = rec, info["state"]

    def collect(self, num_steps: int) -> dict:
        """Step the envs `num_steps` times in total (round-robin) and return `WorkerStats` as a dict."""
        stats = WorkerStats(worker=self.worker_index)
        start = time.perf_counter()
        for n in range(num_steps):
            i = n % len(self.envs)
            action = self.policy.act(self.states[i], self.rng)
            frame, reward, terminated, truncated, info = self.envs[i].step(action)
            stats.steps += 1
            stats.frames += 1
            rec = self.recorders[i]
            chunk = rec.add(action, reward, frame, info["agent_mask"], info["state"], terminated, truncated)
            self.states[i] = info["state"]
            if chunk is not None:
                self._ship(chunk, stats)
            if terminated or truncated:
                stats.episodes += 1
                stats.episode_returns.append(rec.episode_return)
                self._reset(i)
                stats.frames += 1
        stats.seconds = time.perf_counter() - start
        return stats.to_dict()

    def close(self) -> dict:
        """Ship the unfinished episodes' buffered frames and commit everything; returns the final stats."""
        stats = WorkerStats(worker=self.worker_index)
        for rec in self.recorders:
            chunk = rec.finish() if rec is not None else None
            if chunk is not None:
                self._ship(chunk, stats)
        if self.masks is not None:
            for ready in self.masks.drain():
                stats.chunks += 1
                stats.shards += self.sink.put(ready)
            self.masks.close()
        stats.shards += self.sink.flush()
        for env in self.envs:
            env.close()
        self.recorders = [None] * len(self.envs)
        return stats.to_dict()

    def _ship(self, chunk, stats: WorkerStats) -> None:
        """To the sink, via the segmentation service when one is configured (chunks stay in order)."""
        ready = [chunk] if self.masks is None else self.masks.submit(chunk)
        for c in ready:
            stats.chunks += 1
            stats.shards += self.sink.put(c)

    def ping(self) -> int:
        return self.worker_index
