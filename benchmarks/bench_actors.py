"""Actor throughput against the bare render ceiling, measured in one run on the same cores.

ceiling  render_fps: N plain processes, each looping gymnasium step + RGB render + segmentation render (no
         distractors, no chunks, no Ray) -- the most frames/s these cores can produce for the task.
fleet    actor_fps:  N `ActorWorker`s on a local Ray with the chosen preset, writing chunk shards to disk.
Prints one JSON line last: actor_fps, render_fps, actor_efficiency = actor_fps / render_fps (target >= 0.8).

    python benchmarks/bench_actors.py --task halfcheetah --preset low --actors 2 --steps 6000
"""

from __future__ import annotations

import argparse
import functools
import json
import multiprocessing as mp
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import actors  # noqa: F401,E402  (MUJOCO_GL)


def bare_render_loop(task: str, size: int, steps: int, seed: int, start_evt, out_q) -> None:
    import gymnasium as gym
    import numpy as np

    from actors.envs.render import SceneRenderer
    from actors.envs.tasks import get_task

    spec = get_task(task)
    env = gym.make(spec.env_id, disable_env_checker=True)
    model, data = env.unwrapped.model, env.unwrapped.data
    renderer = SceneRenderer(model, size, spec.camera_distance, spec.camera_elevation)
    rng = np.random.default_rng(seed)
    env.reset(seed=seed)
    low, high = env.action_space.low, env.action_space.high
    for _ in range(50):  # warm-up
        env.step(rng.uniform(low, high))
        renderer.render(data)
    start_evt.wait()
    t = time.perf_counter()
    for _ in range(steps):
        _, _, term, trunc, _ = env.step(rng.uniform(low, high))
        renderer.render(data)
        if term or trunc:
            env.reset()
    out_q.put(steps / (time.perf_counter() - t))


def measure_render(task: str, size: int, procs: int, steps: int) -> float:
    ctx = mp.get_context("spawn")
    start, q = ctx.Event(), ctx.Queue()
    ps = [ctx.Process(target=bare_render_loop, args=(task, size, steps, i, start, q)) for i in range(procs)]
    for p in ps:
        p.start()
    time.sleep(3.0)  # let every process finish start-up and warm-up before the clock starts
    start.set()
    fps = sum(q.get(timeout=600) for _ in ps)
    for p in ps:
        p.join()
    return fps


def measure_fleet(task: str, preset: str, size: int, actors_n: int, steps: int) -> float:
    from actors.config import ActorConfig, EnvConfig, PolicyConfig
    from actors.fleet import ActorFleet
    from actors.sinks import ShardSink
    from masklam.ray_runtime import ensure_ray

    ensure_ray(None, actors_n)
    with tempfile.TemporaryDirectory() as tmp:
        actor_cfg = ActorConfig(envs_per_actor=1, steps_per_call=500)
        fleet = ActorFleet(EnvConfig(task=task, preset=preset, size=size), PolicyConfig(), actor_cfg, actors_n,
                           functools.partial(ShardSink, tmp, chunks_per_shard=actor_cfg.chunks_per_shard))
        fleet.run(actors_n * 200)  # warm-up: imports, first video generation
        progress = fleet.run(steps)
        fleet.close()
    import ray

    ray.shutdown()
    return progress.frames / progress.elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--task", default="halfcheetah")
    ap.add_argument("--preset", default="low")
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--actors", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--steps", type=int, default=6000, help="fleet env steps (the ceiling uses as many per process)")
    args = ap.parse_args()
    per_proc = max(500, args.steps // args.actors)
    print(f"ceiling: {args.actors} bare render loops x {per_proc} steps ...", file=sys.stderr)
    render_fps = measure_render(args.task, args.size, args.actors, per_proc)
    print(f"fleet: {args.actors} actors, preset {args.preset}, {args.steps} steps ...", file=sys.stderr)
    actor_fps = measure_fleet(args.task, args.preset, args.size, args.actors, args.steps)
    print(json.dumps({"bench": "actors", "task": args.task, "preset": args.preset, "size": args.size,
                      "actors": args.actors, "cpus": os.cpu_count(), "machine": platform.machine(),
                      "actor_fps": round(actor_fps, 1), "render_fps": round(render_fps, 1),
                      "actor_efficiency": round(actor_fps / render_fps, 3)}))


if __name__ == "__main__":
    main()
