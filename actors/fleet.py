"""`ActorFleet`: N `ActorWorker`s as Ray actors with restarts, driven in small steps for progress and recovery."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import ray
from ray.exceptions import RayActorError

from actors.config import ActorConfig, EnvConfig, PolicyConfig
from actors.sinks import ChunkSink
from actors.worker import ActorWorker


@dataclass
class FleetProgress:
    """Running totals over the whole fleet."""

    steps: int = 0
    frames: int = 0
    episodes: int = 0
    chunks: int = 0
    shards: int = 0
    elapsed: float = 0.0
    episode_returns: list[float] = field(default_factory=list)

    @property
    def fps(self) -> float:
        return self.frames / self.elapsed if self.elapsed > 0 else 0.0

    def add(self, s: dict) -> None:
        self.steps += s["steps"]
        self.frames += s["frames"]
        self.episodes += s["episodes"]
        self.chunks += s["chunks"]
        self.shards += s["shards"]
        self.episode_returns.extend(s["episode_returns"])


class ActorFleet:
    """Creates the workers and runs them until a total number of env steps is reached."""

    def __init__(self, env_cfg: EnvConfig, policy_cfg: PolicyConfig, actor_cfg: ActorConfig, num_actors: int,
                 sink_factory: Callable[[str], ChunkSink]):
        if num_actors < 1:
            raise ValueError("a fleet needs at least one actor")
        if not ray.is_initialized():
            raise RuntimeError("ActorFleet needs a running Ray (call ray.init first)")
        self.actor_cfg = actor_cfg
        remote_cls = ray.remote(ActorWorker).options(
            num_cpus=actor_cfg.cpus_per_actor, resources=dict(actor_cfg.resources) or None,
            max_restarts=actor_cfg.max_restarts, max_task_retries=actor_cfg.max_restarts)
        self.workers = [remote_cls.remote(env_cfg, policy_cfg, actor_cfg, i, sink_factory) for i in range(num_actors)]
        ray.get([w.ping.remote() for w in self.workers])  # surface construction errors now, with their cause
        self.progress = FleetProgress()
        """Progress of the current (or last) `run`, also when it was interrupted."""

    def run(self, total_steps: int, on_progress: Callable[[FleetProgress], None] | None = None,
            stop: threading.Event | None = None) -> FleetProgress:
        """Step the fleet `total_steps` env steps in total; `on_progress` is called after every finished call.

        Setting `stop` (from another thread) ends the run early: no new calls are dispatched, running ones finish.
        """
        progress = self.progress = FleetProgress()
        start = time.perf_counter()
        remaining = total_steps
        in_flight: dict = {}

        def dispatch(worker) -> None:
            nonlocal remaining
            n = min(self.actor_cfg.steps_per_call, remaining)
            if n > 0 and not (stop is not None and stop.is_set()):
                remaining -= n
                in_flight[worker.collect.remote(n)] = worker

        for w in self.workers:
            dispatch(w)
        while in_flight:
            done, _ = ray.wait(list(in_flight), num_returns=1)
            worker = in_flight.pop(done[0])
            try:
                stats = ray.get(done[0])
            except RayActorError as exc:
                raise RuntimeError(f"an actor failed for good (more than {self.actor_cfg.max_restarts} restarts): "
                                   f"{exc}") from exc
            progress.add(stats)
            progress.elapsed = time.perf_counter() - start
            if on_progress is not None:
                on_progress(progress)
            dispatch(worker)
        progress.elapsed = time.perf_counter() - start
        return progress

    def shutdown(self) -> None:
        """Stop the actors without flushing (online runs: the learner has what it needs)."""
        for w in self.workers:
            ray.kill(w, no_restart=True)
        self.workers = []

    def close(self, progress: FleetProgress | None = None) -> FleetProgress:
        """Flush every worker's buffered chunks, then stop the actors."""
        progress = progress or FleetProgress()
        for stats in ray.get([w.close.remote() for w in self.workers]):
            progress.add(stats)
        self.shutdown()
        return progress


def stop_streaming(fleet: ActorFleet, stop: threading.Event, thread: threading.Thread, queue) -> None:
    """End a fleet that streams into `queue` from `thread`: stop dispatching, keep draining so no actor blocks on a
    full queue while finishing its call, then stop the actors."""
    from queue import Empty

    stop.set()
    while thread.is_alive():
        try:
            queue.get_nowait_batch(max(1, queue.qsize()))
        except Empty:
            pass  # nothing queued right now; keep waiting for the thread
        thread.join(0.1)
    fleet.shutdown()
