"""Train an expert with RLlib SAC or PPO: progress line, TensorBoard, atomic checkpoints, resume, export + card."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from learner.expert.algorithms import build_expert_config, deterministic_policy, export_expert
from learner.expert.config import TARGET_RETURNS, ExpertConfig
from learner.expert.evaluate import action_space, evaluate_returns
from learner.tensorboard import run_writer

EVAL_EVERY_EPISODES = 5  # episodes of the periodic deterministic evaluation (the card uses cfg.eval_episodes)


def _save_atomically(algo: Any, ckpt: Path, state: dict) -> None:
    """Write checkpoint.new, then swap it in: a crash leaves either the old or the new checkpoint whole."""
    new, old = ckpt.with_name(ckpt.name + ".new"), ckpt.with_name(ckpt.name + ".old")
    shutil.rmtree(new, ignore_errors=True)
    algo.save_to_path(str(new))
    (new / "masklam_state.json").write_text(json.dumps(state))
    if ckpt.exists():
        shutil.rmtree(old, ignore_errors=True)
        ckpt.rename(old)
    new.rename(ckpt)
    shutil.rmtree(old, ignore_errors=True)


def latest_checkpoint(run_dir: Path) -> Path | None:
    for name in ("checkpoint", "checkpoint.old"):  # .old survives a crash between the two renames
        p = run_dir / name
        if (p / "masklam_state.json").is_file():
            return p
    return None


def check_resumable(cfg: ExpertConfig, run_dir: Path) -> None:
    """A run directory resumes only with the algorithm that wrote its checkpoint."""
    ckpt = latest_checkpoint(run_dir)
    if ckpt is None:
        return
    # runs from before PPO existed were all SAC and did not record it
    trained_with = json.loads((ckpt / "masklam_state.json").read_text()).get("algorithm", "sac")
    if trained_with != cfg.algorithm:
        raise ValueError(f"{ckpt} holds a {trained_with} run; train {cfg.algorithm} in another --out directory "
                         f"or pass --algorithm {trained_with} to resume it")


def train_expert(cfg: ExpertConfig, env_id: str, log=print) -> dict:
    """Train (or resume) until env_steps, the time budget, or the target return. Returns the run state."""
    run_dir = (Path(cfg.out) / cfg.task).resolve()  # RLlib's checkpoint I/O (pyarrow fs) needs absolute paths
    run_dir.mkdir(parents=True, exist_ok=True)
    target = cfg.target_return or TARGET_RETURNS.get(cfg.task, float("inf"))
    state = {"algorithm": cfg.algorithm, "env_steps": 0, "iterations": 0, "wall_s": 0.0, "best_eval": None,
             "evals": []}
    check_resumable(cfg, run_dir)
    ckpt = latest_checkpoint(run_dir)
    if ckpt is not None:
        state = json.loads((ckpt / "masklam_state.json").read_text())
        state.setdefault("algorithm", "sac")
    algo = build_expert_config(cfg, env_id).build_algo()
    if ckpt is not None:
        algo.restore_from_path(str(ckpt))
        log(f"expert {cfg.task}: resumed from {ckpt} at {state['env_steps']} env steps ({cfg.algorithm})")
    space = action_space(env_id)
    writer = run_writer(run_dir)
    t_start, steps_at_start = time.time(), state["env_steps"]
    wall_at_start = state["wall_s"]
    try:
        while state["env_steps"] < cfg.env_steps:
            result = algo.train()
            runners = result.get("env_runners", {})
            state["env_steps"] = int(runners.get("num_env_steps_sampled_lifetime", state["env_steps"]))
            state["iterations"] += 1
            state["wall_s"] = wall_at_start + time.time() - t_start
            ret = runners.get("episode_return_mean")
            sps = (state["env_steps"] - steps_at_start) / max(time.time() - t_start, 1e-9)
            if ret is not None and not np.isnan(ret):
                writer.add_scalar("train/episode_return_mean", ret, state["env_steps"])
            writer.add_scalar("perf/env_steps_per_s", sps, state["env_steps"])
            done = False
            if state["iterations"] % cfg.checkpoint_iterations == 0:
                policy = deterministic_policy(algo, cfg, space)
                rets = evaluate_returns(env_id, policy, EVAL_EVERY_EPISODES, seed=10_000 + cfg.seed)
                mean = float(np.mean(rets))
                state["evals"].append([state["env_steps"], mean])
                writer.add_scalar("eval/deterministic_return", mean, state["env_steps"])
                if state["best_eval"] is None or mean > state["best_eval"][1]:
                    state["best_eval"] = [state["env_steps"], mean]
                    export_expert(algo, cfg, space, run_dir / "best.npz")
                _save_atomically(algo, run_dir / "checkpoint", state)
                if mean >= target:
                    # 5 episodes are noisy (walker2d once read 3016 on 5 and 2318 on 20): stop only when a
                    # card-sized evaluation on fresh seeds agrees
                    confirm = float(np.mean(evaluate_returns(env_id, policy, cfg.eval_episodes,
                                                             seed=10_000 + cfg.seed + EVAL_EVERY_EPISODES)))
                    log(f"expert {cfg.task}: eval {mean:.1f} >= target; {cfg.eval_episodes}-episode check {confirm:.1f}")
                    done = confirm >= target
            log(f"expert {cfg.task}: {state['env_steps']:>8d}/{cfg.env_steps} steps  {sps:6.1f} steps/s  "
                f"train return{' (scaled)' if cfg.algorithm == 'ppo' else ''} "
                f"{ret if ret is None else round(float(ret), 1)}  "
                f"eval {state['evals'][-1][1] if state['evals'] else '-'}  wall {state['wall_s'] / 60:.1f} min")
            if done:
                log(f"expert {cfg.task}: reached the target return {target:g}")
                break
            if cfg.minutes and time.time() - t_start > cfg.minutes * 60:
                log(f"expert {cfg.task}: time budget of {cfg.minutes:g} min used; resume with the same command")
                break
    finally:
        state["wall_s"] = wall_at_start + time.time() - t_start
        _save_atomically(algo, run_dir / "checkpoint", state)
        export_expert(algo, cfg, space, run_dir / "final.npz")
        writer.close()
        algo.stop()
    return state
