"""`masklam policy train|eval`: latent-action policies from a recorded dataset and a trained LAM (DESIGN.md 6)."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import time
from pathlib import Path

import numpy as np
from rich.console import Console

from actors.evaluation import episode_return, evaluate
from actors.shards import ShardReader
from common.files import atomic_write_bytes
from learner.checkpoint import load_latest
from learner.policy.checkpoint import load_policy
from learner.policy.config import LatentPolicyConfig
from learner.policy.labels import LatentLabeller
from learner.policy.train import BC_STAGE, adopt_bc_stage, bc_stage_fields
from masklam.policy_chain import run_policy_chain, trivial_baselines
from masklam.config import PolicyEvalConfig, PolicyTrainConfig, TrainConfig, load_config, save_config
from masklam.preview import write_gif
from masklam.ray_runtime import ray_session, worker_logs_dir


def load_chunks(data: str | Path) -> list:
    chunks = list(ShardReader(data))
    if not chunks:
        raise ValueError(f"{data} holds no chunks")
    return chunks


def lam_labeller(lam_run: str | Path, method: str, action_dim: int) -> LatentLabeller:
    """The frozen IDM of `method` from the latest checkpoint of a `masklam train` run directory."""
    run = Path(lam_run)
    if not (run / "config.yaml").is_file():
        raise FileNotFoundError(f"{run} is not a masklam train run (no config.yaml)")
    train_cfg = load_config(TrainConfig, run / "config.yaml")
    state = load_latest(run / "checkpoints")
    if state is None:
        raise FileNotFoundError(f"no checkpoint in {run / 'checkpoints'}")
    return LatentLabeller(train_cfg.learner, state["learner"], method, action_dim)


@contextlib.contextmanager
def ray_warnings_to(path: Path, console: Console):
    """RLlib's and Ray Data's internal deprecation warnings (about their own calls, nothing a user can act on) go
    to the run's log file instead of burying the progress lines; never dropped."""
    names = ("ray._common.deprecation", "ray.rllib", "ray.data", "ray.tune", "py.warnings")
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    saved = []
    for name in names:
        lg = logging.getLogger(name)
        # RLlib gives "ray.rllib" its own stderr handler at import: swap the handlers, not just add ours
        saved.append((lg, lg.propagate, list(lg.handlers)))
        lg.handlers = [handler]
        lg.propagate = False
    console.print(f"RLlib / Ray Data internal warnings: {path}")
    logging.captureWarnings(True)  # Python warnings (Ray Data's DataContext ones) into the same file
    try:
        yield
    finally:
        logging.captureWarnings(False)
        for lg, propagate, handlers in saved:
            lg.handlers = handlers
            lg.propagate = propagate
        handler.close()


def check_bc_source(cfg: PolicyTrainConfig) -> PolicyTrainConfig:
    """The config of `cfg.bc_from`, after checking its BC stage is the one `cfg` would train (else ValueError)."""
    src = Path(cfg.bc_from)
    if not (src / "config.yaml").is_file():
        raise FileNotFoundError(f"bc_from {src} is not a masklam policy train run (no config.yaml)")
    other = load_config(PolicyTrainConfig, src / "config.yaml")
    differ = [name for name, a, b in (("data", cfg.data, other.data), ("lam_run", cfg.lam_run, other.lam_run))
              if (a and Path(a).resolve()) != (b and Path(b).resolve())]
    differ += ["method"] if cfg.method != other.method else []
    differ += [f"policy.{f}" for f in bc_stage_fields(cfg.policy) if getattr(cfg.policy, f) != getattr(other.policy, f)]
    if differ:
        raise ValueError(f"bc_from {src} trained a different BC stage: {', '.join(differ)} differ from this run's")
    return other


def run_policy_train(cfg: PolicyTrainConfig, console: Console | None = None) -> dict:
    console = console or Console(stderr=True)
    out = Path(cfg.out).resolve()
    if cfg.method != "bc" and cfg.lam_run is None:  # checked before the run directory is written
        raise ValueError(f"method {cfg.method!r} labels with a trained LAM: set lam_run (a masklam train run)")
    if cfg.policy.bc_decoder_labels and cfg.method != "bc":
        raise ValueError(f"policy.bc_decoder_labels is the few-label BC baseline (method bc); {cfg.method!r} "
                         "labels every episode with its LAM and gives the decoder its N labels already")
    if cfg.bc_from:
        check_bc_source(cfg)
    out.mkdir(parents=True, exist_ok=True)
    save_config(cfg, out)
    if cfg.bc_from and not (out / BC_STAGE).exists():
        stats = adopt_bc_stage(cfg.bc_from, out)
        console.print(f"BC stage from {cfg.bc_from} (held-out NMSE {stats['bc_heldout_nmse']:.3f}): only the "
                      f"decoder and the evaluation run")
    chunks = load_chunks(cfg.data)
    labeller = None if cfg.method == "bc" else lam_labeller(cfg.lam_run, cfg.method, int(chunks[0].actions.shape[1]))
    console.print(f"[bold]policy[/] {cfg.method} on {chunks[0].task}/{chunks[0].preset}: {len(chunks)} chunks "
                  f"from {cfg.data}")
    with ray_session(cfg.ray_address, 1, log_to_driver=False) as started:
        if started:
            console.print(f"Ray worker output (Ray Data / RLlib workers): {worker_logs_dir()}")
        with ray_warnings_to(out / "rllib.log", console):
            outcome = run_policy_chain(chunks, out, cfg.policy, cfg.method, labeller, log=console.print)
    results = {"method": cfg.method, "task": outcome.task, "preset": outcome.preset, "return": outcome.returns,
               "train": outcome.train}
    atomic_write_bytes(out / "results.json", json.dumps(results, indent=1).encode())
    r = outcome.returns
    console.print(f"{cfg.method}: return {r['mean']:.1f} +/- {r['std']:.1f}  ->  {out / 'results.json'}")
    return results


def run_policy_eval(cfg: PolicyEvalConfig, console: Console | None = None) -> dict:
    console = console or Console(stderr=True)
    gif = Path(cfg.gif) if cfg.gif else None
    log_dir = (gif.parent if gif else Path(cfg.checkpoint).parent)
    log_dir.mkdir(parents=True, exist_ok=True)
    with ray_warnings_to(log_dir / "rllib.log", console):  # RLlib warns about its own RLModule internals
        module, meta = load_policy(cfg.checkpoint)
    preset = cfg.preset or meta["preset"]
    seeds = list(range(cfg.seed, cfg.seed + cfg.episodes))
    t = time.perf_counter()
    frames: list[np.ndarray] = []
    first = episode_return(module.act, meta["task"], preset, seeds[0], meta["size"], meta["frame_stack"],
                           cfg.max_steps, frames_out=frames)
    rest = evaluate(module.act, meta["task"], preset, seeds[1:], meta["size"], meta["frame_stack"],
                    cfg.max_steps)["returns"] if len(seeds) > 1 else []
    returns = [first, *rest]
    gif = gif or Path(cfg.checkpoint).with_name(f"rollout_{meta['task']}_{preset}.gif")
    write_gif(frames[:cfg.gif_frames], gif, scale=3)
    result = {"checkpoint": str(cfg.checkpoint), "method": meta.get("method"), "task": meta["task"],
              "preset": preset, "seeds": seeds, "returns": returns, "mean": float(np.mean(returns)),
              "std": float(np.std(returns)), "seconds": time.perf_counter() - t, "gif": str(gif)}
    console.print(f"{meta.get('method')} on {meta['task']}/{preset}: return {result['mean']:.1f} +/- "
                  f"{result['std']:.1f} over {len(returns)} episodes; GIF {gif}")
    return result


def run_policy_comparison(data: str | Path, lam_run: str | Path, methods: list[str], policy: LatentPolicyConfig,
                          labels: int, out: str | Path, console: Console, bc_iterations: int = 0) -> dict:
    """Train and evaluate one policy per method on the same data and seeds, plus the random policy's return.

    Used by the quickstart: `bc` clones all true actions (for `bc_iterations` iterations when > 0); LAM methods
    label with their frozen IDM from `lam_run` and fit the decoder on `labels` labelled transitions.
    """
    out = Path(out)
    results: dict[str, dict] = {}
    for method in methods:
        console.rule(f"latent policy: {method}")
        method_policy = dataclasses.replace(policy, decoder_transitions=labels)
        if method == "bc" and bc_iterations > 0:
            method_policy = dataclasses.replace(method_policy, bc_iterations=bc_iterations)
        cfg = PolicyTrainConfig(data=str(data), method=method, lam_run=None if method == "bc" else str(lam_run),
                                policy=method_policy, out=str(out / method))
        results[method] = run_policy_train(cfg, console)
    floor = trivial_baselines(data, policy)
    rnd, still, seeds = floor["random"], floor["stand_still"], floor["seeds"]
    console.print(f"random: return {rnd['mean']:.1f} +/- {rnd['std']:.1f}; stand-still (the dataset's mean action): "
                  f"{still['mean']:.1f} +/- {still['std']:.1f}")
    return {"methods": results, "random": rnd, "stand_still": still, "labels": labels, "seeds": seeds}
