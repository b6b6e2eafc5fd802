"""The policy chain of one method, written once: labels -> RLlib BC -> decoder -> evaluation (DESIGN.md 6).

Orchestration, so it lives in the front door: training is learner/policy/, evaluation is actors/evaluation.py.

`masklam policy train`, the quickstart (through it) and every Tune trial call `run_policy_chain`; none of them
trains or evaluates a policy any other way. Every stage resumes: training skips what its run directory already
holds (see train.py), and the evaluation is kept in `evaluation.json` once its episodes are done.
Ray must be running (RLlib BC reads its data through Ray Data); the caller owns Ray's lifecycle.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from actors.chunks import Chunk
from actors.evaluation import dataset_mean_action, evaluate, stand_still
from actors.shards import ShardReader
from common.files import atomic_write_bytes
from learner.lam.config import FRAME_STACK
from learner.policy.checkpoint import load_policy
from learner.policy.config import LatentPolicyConfig
from learner.policy.dataset import Labeller
from learner.policy.train import train_policy


@dataclass
class PolicyOutcome:
    """What one method's policy chain produced."""

    method: str
    task: str
    preset: str
    train: dict
    """Training stats (policy.json): BC curve and held-out NMSE, decoder NMSE, sizes and timings."""
    returns: dict
    """Evaluation: mean, std, ci90 (bootstrap over episodes), returns and seeds."""
    checkpoint: str
    """The policy checkpoint (policy.pt)."""


def run_policy_chain(chunks: list[Chunk], out_dir: str | Path, cfg: LatentPolicyConfig, method: str,
                     labeller: Labeller | None, log: Callable[[str], None] = print) -> PolicyOutcome:
    """Train the policy of `method` on `chunks` (labeller None: BC on all true labels) and evaluate it on the
    recorded task and preset over `cfg.eval_seeds()` (test-split videos)."""
    if not chunks:
        raise ValueError("the policy chain needs recorded chunks, got none")
    out = Path(out_dir).resolve()
    task, preset = chunks[0].task, chunks[0].preset
    action_dim = int(chunks[0].actions.shape[1])  # the recorded actions say it; no env needed
    target_dim = labeller.latent_dim if labeller is not None else action_dim
    stats = train_policy(chunks, out, cfg, labeller, target_dim, action_dim,
                         {"task": task, "preset": preset, "method": method, "seed": cfg.seed}, log=log)
    seeds = cfg.eval_seeds()
    done = out / "evaluation.json"
    saved = json.loads(done.read_text()) if done.exists() else None
    if saved is not None and saved.get("seeds") == seeds and saved.get("max_steps") == cfg.eval_max_steps:
        returns = saved["returns"]
        log(f"evaluation already done: {done}")
    else:
        log(f"evaluating {method} on {task}/{preset}: {len(seeds)} episodes (seeds {seeds[0]}..{seeds[-1]})")
        module, _ = load_policy(out / "policy.pt")
        returns = evaluate(module.act, task, preset, seeds, int(chunks[0].frames.shape[1]), FRAME_STACK,
                           cfg.eval_max_steps, cfg.eval_workers)
        atomic_write_bytes(done, json.dumps({"seeds": seeds, "max_steps": cfg.eval_max_steps,
                                             "returns": returns}, indent=1).encode())
    return PolicyOutcome(method, task, preset, stats, returns, str(out / "policy.pt"))


def trivial_baselines(data: str | Path, cfg: LatentPolicyConfig) -> dict:
    """Random (uniform actions) and stand-still (the dataset's mean action, constant) on the seeds every policy
    is evaluated on: the floor a policy must visibly beat (a collapsed BC becomes stand-still)."""
    first = next(iter(ShardReader(data)), None)
    if first is None:
        raise ValueError(f"{data} holds no chunks")
    size, seeds = int(first.frames.shape[1]), cfg.eval_seeds()
    rnd = evaluate(None, first.task, first.preset, seeds, size, FRAME_STACK, cfg.eval_max_steps, cfg.eval_workers)
    still = evaluate(stand_still(dataset_mean_action(ShardReader(data))), first.task, first.preset, seeds, size,
                     FRAME_STACK, cfg.eval_max_steps, cfg.eval_workers)
    return {"task": first.task, "preset": first.preset, "random": rnd, "stand_still": still, "seeds": seeds}
