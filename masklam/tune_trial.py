"""One Ray Tune trial: (task, method, seed, label budget) -> LAM offline -> frozen probe -> policy -> returns.

Each stage keeps its output in the trial's own work directory (<out>/<name>/work/<trial key>/), which does not
depend on Tune's session folders, so a trial restarted by `Tuner.restore` resumes its LAM from the last
checkpoint and skips the stages it already finished.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from actors.shards import ShardReader
from common.files import atomic_write_bytes
from learner.online import OnlineLAMLearner
from learner.policy.labels import LatentLabeller
from masklam.policy_chain import run_policy_chain
from masklam.config import TuneGridConfig, from_dict
from learner.heldout import heldout_probe


def trial_key(task: str, method: str, seed: int, budget: int) -> str:
    return f"{task}-{method}-s{seed}-n{budget}"


def run_trial(params: dict) -> dict:
    """The Tune function trainable: reports one final result with probe_nmse and the return."""
    from ray import tune

    metrics = run_trial_stages(params)
    tune.report(metrics)
    return metrics


def run_trial_stages(params: dict) -> dict:
    grid = from_dict(TuneGridConfig, params["grid"])
    task, method, seed, budget = params["task"], params["method"], int(params["seed"]), int(params["label_budget"])
    work = Path(params["work_dir"]) / trial_key(task, method, seed, budget)
    work.mkdir(parents=True, exist_ok=True)
    done = work / "metrics.json"
    if done.exists():
        return json.loads(done.read_text())
    chunks = list(ShardReader(grid.data[task]))
    action_dim = int(chunks[0].actions.shape[1])
    metrics: dict = {"task": task, "method": method, "seed": seed, "label_budget": budget}
    labeller = None
    if method != "bc":
        lam_cfg = dataclasses.replace(grid.lam, methods=[method], seed=seed, device="auto",
                                      total_updates=grid.lam.total_updates or grid.lam_updates)
        state = _train_lam(lam_cfg, action_dim, grid, task, work / "lam")
        metrics["lam_updates"] = state["updates"]
        probe = heldout_probe(lam_cfg, state, action_dim, ShardReader(grid.heldout[task]), grid.probe_rows, seed)
        metrics.update(probe_nmse=probe["probe_nmse"][method], probe_ci90=probe["probe_ci90"][method],
                       probe_nmse_random_init=probe["probe_nmse_random_init"][method],
                       state_probe_nmse=probe["state_probe_nmse"], probe_episodes=probe["probe_episodes"])
        labeller = LatentLabeller(lam_cfg, state, method, action_dim)
    policy_cfg = dataclasses.replace(grid.policy, seed=seed, decoder_transitions=budget)
    outcome = run_policy_chain(chunks, work / "policy", policy_cfg, method, labeller)
    returns, stats = outcome.returns, outcome.train
    metrics.update(return_mean=returns["mean"], return_std=returns["std"], return_ci90=returns["ci90"],
                   returns=returns["returns"], bc_loss_last=stats["bc_loss_last"],
                   bc_heldout_nmse=stats.get("bc_heldout_nmse"), decoder_nmse_val=stats.get("decoder_nmse_val"),
                   policy_checkpoint=outcome.checkpoint)
    atomic_write_bytes(done, json.dumps(metrics, indent=1).encode())
    return metrics


def _train_lam(cfg, action_dim: int, grid: TuneGridConfig, task: str, ckpt_dir: Path) -> dict:
    learner = OnlineLAMLearner(cfg, action_dim, queue=None, checkpoint_dir=str(ckpt_dir),
                               checkpoint_every=max(1, grid.lam_updates // 4), resume=True, min_blocks=1)
    learner.load_shards(grid.data[task])
    while learner.updates() < grid.lam_updates:
        learner.train(min(50, grid.lam_updates - learner.updates()))
    learner.checkpoint()
    return learner.state()
