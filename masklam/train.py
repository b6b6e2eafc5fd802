"""`masklam train`: LAM methods side by side, online from the actor fleet (default) or offline from shards.

Online: actors -> bounded Ray queue (msgpack chunks, backpressure) -> one learner Ray actor (replay, updates,
atomic checkpoints; restarted from its checkpoint if it dies) while this driver logs progress and TensorBoard
scalars. At the end a frozen probe scores every method on held-out labelled episodes and the run writes
results.json and results.md (probe_nmse per method, probe_ratio = lapo / masklam).
"""

from __future__ import annotations

import dataclasses
import functools
import os
import threading
import time
from pathlib import Path

import ray
from rich.console import Console

from actors.config import ActorConfig
from actors.fleet import ActorFleet, stop_streaming
from actors.shards import ShardReader
from actors.sinks import QueueSink
from learner.online import OnlineLAMLearner
from learner.tensorboard import run_writer
from learner.device import hardware
from masklam.config import TrainConfig, save_config, to_dict
from learner.heldout import FLOOR_KEYS, heldout_probe
from learner.lam.methods import uses_served_masks
from masklam.heldout import heldout_chunks
from masklam.progress import stage_progress
from masklam.ray_runtime import ray_session, require_resources
from masklam.results import write_results
from masklam.segservice import fleet_segmentation


def _action_dim(cfg: TrainConfig) -> int:
    from actors.envs import make_env

    env = make_env(cfg.env.task, "none", size=cfg.env.size)
    dim = int(env.action_space.shape[0])
    env.close()
    return dim


def run_train(cfg: TrainConfig, console: Console | None = None) -> dict:
    console = console or Console(stderr=True)
    out = Path(cfg.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    wall = time.perf_counter()
    cfg = _resolved(cfg, console)
    save_config(cfg, out)  # as resolved, so `masklam probe --out` and resumes see what this run used
    # offline runs still need the service when a method reads served masks: the held-out probe set is recorded now
    needs_service = not cfg.offline_data or any(uses_served_masks(m) for m in cfg.learner.methods)
    with fleet_segmentation(cfg, out, console, needed=needs_service) as actor:
        with ray_session(cfg.ray_address, cfg.actors * cfg.actor.cpus_per_actor + cfg.learner_cpus):
            n_actors = 0 if cfg.offline_data else cfg.actors
            require_resources("masklam train", n_actors * cfg.actor.cpus_per_actor + cfg.learner_cpus,
                              cfg.learner_gpus, {k: v * n_actors for k, v in cfg.actor.resources.items()})
            action_dim = _action_dim(cfg)
            state, train_stats = _train(cfg, actor, out, console, action_dim)
            console.print("[bold]frozen probe[/] on held-out episodes (test-split backgrounds, unseen seeds)")
            probes = _heldout_probe(cfg, actor, state, action_dim)
    results = {"task": cfg.env.task, "preset": cfg.env.preset, "seed": cfg.env.seed, "methods": cfg.learner.methods,
               **probes, "updates": train_stats["updates"], "train_seconds": train_stats["seconds"],
               "learner_ups": train_stats["ups"], "chunks_streamed": train_stats["chunks_in"],
               "batch_size": cfg.learner.batch_size, "model": to_dict(cfg.learner.model),
               "heldout": to_dict(cfg.heldout), "mode": "offline" if cfg.offline_data else "online",
               "hardware": hardware(), "wall_seconds": time.perf_counter() - wall}
    write_results(results, out, console)
    return results


def _resolved(cfg: TrainConfig, console: Console) -> TrainConfig:
    """The config this run uses: an offline run's env is the dataset's (the held-out probe set must match its task,
    preset and frame size) and its learner gets every core; the cosine schedule spans the run's update budget."""
    env, learner = cfg.env, cfg.learner
    if cfg.offline_data:
        first = next(iter(ShardReader(cfg.offline_data)), None)
        if first is None:
            raise ValueError(f"offline dataset {cfg.offline_data} holds no chunks")
        size = int(first.frames.shape[1])
        if (first.task, first.preset, size) != (env.task, env.preset, env.size):
            console.print(f"offline dataset is {first.task}/{first.preset} at {size} px: the held-out probe set "
                          f"follows it")
            env = dataclasses.replace(env, task=first.task, preset=first.preset, size=size)
        if not learner.threads:  # no actors to feed
            learner = dataclasses.replace(learner, threads=os.cpu_count() or 1)
    if not learner.total_updates:
        learner = dataclasses.replace(learner, total_updates=cfg.updates)
    elif cfg.updates > learner.total_updates:
        raise ValueError(f"updates {cfg.updates} runs past the end of the cosine schedule (learner.total_updates "
                         f"{learner.total_updates}: the learning rate is 0 from there); a resumed run keeps the "
                         f"schedule its first run fixed, so train longer in a new run")
    return dataclasses.replace(cfg, env=env, learner=learner)


def _train(cfg: TrainConfig, actor: ActorConfig, out: Path, console: Console, action_dim: int) -> tuple[dict, dict]:
    ckpt_dir = str(out / "checkpoints")
    common = dict(cfg=cfg.learner, action_dim=action_dim, checkpoint_dir=ckpt_dir,
                  checkpoint_every=cfg.checkpoint_every, resume=cfg.resume, min_blocks=cfg.min_blocks,
                  checkpoint_seconds=cfg.checkpoint_seconds, keep_every=cfg.checkpoint_keep_every)
    fleet, stop, thread, queue = None, threading.Event(), None, None
    if cfg.offline_data:
        learner = ray.remote(OnlineLAMLearner).options(num_cpus=cfg.learner_cpus, num_gpus=cfg.learner_gpus,
                                                       max_restarts=2, max_task_retries=2).remote(queue=None, **common)
        reader = ShardReader(cfg.offline_data)
        ray.get(learner.load_shards.remote(str(Path(cfg.offline_data).resolve())))
        console.print(f"offline: {reader.num_chunks} chunks, {reader.num_transitions} transitions")
    else:
        from ray.util.queue import Queue

        queue = Queue(maxsize=cfg.queue_chunks, actor_options={"num_cpus": 0})
        learner = ray.remote(OnlineLAMLearner).options(num_cpus=cfg.learner_cpus, num_gpus=cfg.learner_gpus,
                                                       max_restarts=2, max_task_retries=2).remote(queue=queue, **common)
        fleet = ActorFleet(cfg.env, cfg.policy, actor, cfg.actors, functools.partial(QueueSink, queue))
        thread = threading.Thread(target=fleet.run, args=(10**15, None, stop), daemon=True, name="fleet")
        thread.start()
    info = ray.get(learner.info.remote())
    if info.resumed_from is not None:
        console.print(f"resumed from update {info.resumed_from}")
    console.print(f"[bold]train[/] {', '.join(cfg.learner.methods)} on {cfg.env.task}/{cfg.env.preset}: "
                  f"{cfg.updates} updates, batch {cfg.learner.batch_size}, learner on {info.device}")
    writer = run_writer(out)
    stats = {"updates": info.updates, "ups": 0.0, "chunks_in": 0}
    t0, done = time.perf_counter(), info.updates
    budget_s = cfg.minutes * 60 if cfg.minutes else None
    try:
        with stage_progress(console) as bar:
            task = bar.add_task("train", total=cfg.updates, completed=done, stats="waiting for the replay")
            while done < cfg.updates and (budget_s is None or time.perf_counter() - t0 < budget_s):
                r = _call_learner(learner, min(cfg.updates_per_call, cfg.updates - done), console)
                done = r.updates
                for k, v in r.metrics.items():
                    writer.add_scalar(k, v, done)
                writer.add_scalar("learner/ups", r.ups, done)
                writer.add_scalar("learner/replay_blocks", r.replay_blocks, done)
                probe = "  ".join(f"{m} {r.metrics.get(f'{m}/probe_nmse_online', float('nan')):.3f}"
                                  for m in cfg.learner.methods)
                bar.update(task, completed=done, stats=f"{r.ups:.2f} upd/s  probe {probe}  "
                                                       f"replay {r.replay_blocks} blocks")
                stats.update(updates=done, ups=r.ups, chunks_in=r.chunks_in)
        ray.get(learner.checkpoint.remote())
        state = ray.get(learner.state.remote())
    finally:
        writer.close()
        if fleet is not None:
            stop_streaming(fleet, stop, thread, queue)
    stats["seconds"] = time.perf_counter() - t0
    return state, stats


def _call_learner(learner, updates: int, console: Console, attempts: int = 5):
    """One `train` call; a learner that is only unreachable for a while (a stalled process, a slow restart) is
    asked again rather than ending the run. A dead learner is restarted by Ray from its checkpoint (max_restarts)."""
    for attempt in range(1, attempts + 1):
        try:
            return ray.get(learner.train.remote(updates))
        except ray.exceptions.ActorUnavailableError as e:
            if attempt == attempts:
                raise
            console.print(f"[yellow]learner unavailable[/] ({type(e).__name__}); retrying ({attempt}/{attempts - 1})")
            time.sleep(2.0 * attempt)


def _heldout_probe(cfg: TrainConfig, actor: ActorConfig, state: dict, action_dim: int) -> dict:
    """The frozen probe protocol (learner.heldout) on a freshly recorded held-out set; adds probe_ratio."""
    chunks = heldout_chunks(cfg.env, actor, cfg.heldout, cfg.env.seed)
    scores = heldout_probe(cfg.learner, state, action_dim, chunks, cfg.heldout.max_rows, seed=cfg.env.seed)
    scores["probe_set"] = _probe_set(cfg, chunks)
    scores.update(probe_ratios(scores["probe_nmse"]))
    return scores


def _probe_set(cfg: TrainConfig, chunks: list) -> dict:
    """What the recorded held-out set is, for the results files."""
    return {"policy": cfg.heldout.policy.kind, "noise_std": cfg.heldout.policy.noise_std,
            "transitions": sum(c.new_transitions for c in chunks), "episodes": len({c.episode_id for c in chunks}),
            "split": "test", "env_seed": cfg.env.seed + cfg.heldout.seed_offset}


def probe_ratios(probe_nmse: dict[str, float]) -> dict:
    """probe_ratio = lapo / masklam (DESIGN.md section 7) and, under probe_ratios, lapo / v for every MaskLAM
    variant v the run trained (masklam_k1, masklam_gt, ...): a run may train the ablation without the headline."""
    if "lapo" not in probe_nmse:
        return {}
    ratios = {m: probe_nmse["lapo"] / v for m, v in probe_nmse.items() if m.startswith("masklam")}
    out: dict = {"probe_ratios": ratios} if ratios else {}
    if "masklam" in ratios:
        out["probe_ratio"] = ratios["masklam"]
    return out


def run_probe(cfg: TrainConfig, console: Console | None = None) -> dict:
    """Re-score the frozen probe from the run's latest checkpoint (no training) and update its results files."""
    import json

    from learner.checkpoint import load_latest

    console = console or Console(stderr=True)
    out = Path(cfg.out).resolve()
    if cfg.curve:
        return run_probe_curve(cfg, console)
    state = load_latest(out / "checkpoints")
    if state is None:
        raise FileNotFoundError(f"no checkpoint in {out / 'checkpoints'}; train first")
    previous = out / "results.json"
    results = json.loads(previous.read_text()) if previous.exists() else {}
    action_dim = _action_dim(cfg)
    needs_service = any(uses_served_masks(m) for m in cfg.learner.methods)
    with fleet_segmentation(cfg, out, console, needed=needs_service) as actor:
        console.print(f"[bold]frozen probe[/] of update {state['learner']['updates']} on held-out episodes")
        probes = _heldout_probe(cfg, actor, state["learner"], action_dim)
    results.pop("probe_ratio", None)
    results.pop("probe_ratios", None)
    results.update(task=cfg.env.task, preset=cfg.env.preset, seed=cfg.env.seed, methods=cfg.learner.methods,
                   **probes, updates=state["learner"]["updates"], heldout=to_dict(cfg.heldout),
                   hardware=results.get("hardware", hardware()))
    for k, v in (("train_seconds", 0.0), ("learner_ups", 0.0), ("chunks_streamed", 0), ("wall_seconds", 0.0),
                 ("mode", "online"), ("batch_size", cfg.learner.batch_size),
                 ("model", to_dict(cfg.learner.model))):
        results.setdefault(k, v)
    write_results(results, out, console)
    return results




def run_probe_curve(cfg: TrainConfig, console: Console) -> dict:
    """The frozen probe of every kept checkpoint (checkpoint_keep_every) on one recorded held-out set:
    <out>/probe_curve.json and probe_curve.png, the learning curve methods are compared on."""
    from learner.checkpoint import checkpoint_step, kept_checkpoints, load_checkpoint
    from masklam.results import write_probe_curve

    out = Path(cfg.out).resolve()
    paths = kept_checkpoints(out / "checkpoints")
    if not paths:
        raise FileNotFoundError(f"no checkpoint in {out / 'checkpoints'}; train first")
    action_dim = _action_dim(cfg)
    needs_service = any(uses_served_masks(m) for m in cfg.learner.methods)
    with fleet_segmentation(cfg, out, console, needed=needs_service) as actor:
        console.print(f"[bold]probe curve[/]: recording the held-out set once for {len(paths)} checkpoints")
        chunks = heldout_chunks(cfg.env, actor, cfg.heldout, cfg.env.seed)
    points, floor = [], None
    for path in paths:  # the random-init floor is the same for every checkpoint: scored once, on the first
        scores = heldout_probe(cfg.learner, load_checkpoint(path)["learner"], action_dim, chunks,
                               cfg.heldout.max_rows, seed=cfg.env.seed, floor=floor)
        floor = floor or {key: scores[key] for key in FLOOR_KEYS}
        points.append({"updates": checkpoint_step(path), **scores})
        console.print(f"update {checkpoint_step(path)}: " + ", ".join(
            f"{m} {v:.4f} [{scores['probe_ci90'][m][0]:.3f}, {scores['probe_ci90'][m][1]:.3f}]"
            for m, v in scores["probe_nmse"].items()))
    curve = {"task": cfg.env.task, "preset": cfg.env.preset, "methods": cfg.learner.methods, "points": points,
             "probe_set": _probe_set(cfg, chunks)}
    write_probe_curve(curve, out, console)
    return curve
