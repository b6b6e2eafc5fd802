"""One Ray Tune trial: (task, method, seed) -> LAM offline -> frozen probe -> BC -> per label budget: decoder ->
returns.

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
from learner.policy.train import BC_STAGE, adopt_bc_stage
from masklam.policy_chain import run_policy_chain
from masklam.config import TuneGridConfig, from_dict
from learner.heldout import heldout_probe


def trial_key(task: str, method: str, seed: int) -> str:
    return f"{task}-{method}-s{seed}"


def run_trial(params: dict) -> dict:
    """The Tune function trainable: reports one final result, its `budgets` rows (one per label budget, each with
    probe_nmse and the return) and, as the Tune metric, the return at the largest budget."""
    from ray import tune

    rows = run_trial_stages(params)
    metrics = {"return_mean": rows[-1]["return_mean"], "budgets": rows}
    tune.report(metrics)
    return metrics


def run_trial_stages(params: dict) -> list[dict]:
    """(task, method, seed): the LAM and its probe once, the BC stage once, then per label budget N (ascending)
    only the decoder and the evaluation: N changes nothing before the decoder (BC on true labels uses no N, so
    its one policy is reported under every budget)."""
    grid = from_dict(TuneGridConfig, params["grid"])
    task, method, seed = params["task"], params["method"], int(params["seed"])
    budgets = sorted(grid.label_budgets)
    work = Path(params["work_dir"]) / trial_key(task, method, seed)
    work.mkdir(parents=True, exist_ok=True)
    done = work / "metrics.json"
    if done.exists():
        return json.loads(done.read_text())
    chunks = list(ShardReader(grid.data[task]))
    action_dim = int(chunks[0].actions.shape[1])
    common: dict = {"task": task, "method": method, "seed": seed}
    labeller = None
    if method != "bc":
        lam_cfg = dataclasses.replace(grid.lam, methods=[method], seed=seed, device="auto",
                                      total_updates=grid.lam.total_updates or grid.lam_updates)
        state = _train_lam(lam_cfg, action_dim, grid, task, work / "lam")
        common.update(_lam_probe(lam_cfg, state, action_dim, grid, task, seed, work / "lam_probe.json"))
        labeller = LatentLabeller(lam_cfg, state, method, action_dim)
    rows, first = [], None
    for budget in budgets if method != "bc" else budgets[:1]:
        policy_dir = work / (f"policy_n{budget}" if method != "bc" else "policy")
        if first is not None and not (policy_dir / BC_STAGE).exists():
            adopt_bc_stage(first, policy_dir)
        first = first or policy_dir
        policy_cfg = dataclasses.replace(grid.policy, seed=seed, decoder_transitions=budget)
        outcome = run_policy_chain(chunks, policy_dir, policy_cfg, method, labeller)
        returns, stats = outcome.returns, outcome.train
        rows.append({**common, "label_budget": budget, "return_mean": returns["mean"], "return_std": returns["std"],
                     "return_ci90": returns["ci90"], "returns": returns["returns"],
                     "bc_loss_last": stats["bc_loss_last"], "bc_heldout_nmse": stats.get("bc_heldout_nmse"),
                     "decoder_nmse_val": stats.get("decoder_nmse_val"), "policy_checkpoint": outcome.checkpoint})
    if method == "bc":
        rows = [{**rows[0], "label_budget": budget} for budget in budgets]
    atomic_write_bytes(done, json.dumps(rows, indent=1).encode())
    return rows


def _lam_probe(lam_cfg, state: dict, action_dim: int, grid: TuneGridConfig, task: str, seed: int,
               path: Path) -> dict:
    """The frozen probe of the trial's LAM (kept in `path`: a restored trial does not score it again)."""
    if path.exists():
        return json.loads(path.read_text())
    method = lam_cfg.methods[0]
    probe = heldout_probe(lam_cfg, state, action_dim, ShardReader(grid.heldout[task]), grid.probe_rows, seed)
    out = {"lam_updates": state["updates"], "probe_nmse": probe["probe_nmse"][method],
           "probe_ci90": probe["probe_ci90"][method], "probe_nmse_random_init": probe["probe_nmse_random_init"][method],
           "state_probe_nmse": probe["state_probe_nmse"], "probe_episodes": probe["probe_episodes"]}
    atomic_write_bytes(path, json.dumps(out, indent=1).encode())
    return out


def _train_lam(cfg, action_dim: int, grid: TuneGridConfig, task: str, ckpt_dir: Path) -> dict:
    learner = OnlineLAMLearner(cfg, action_dim, queue=None, checkpoint_dir=str(ckpt_dir),
                               checkpoint_every=max(1, grid.lam_updates // 4), resume=True, min_blocks=1)
    learner.load_shards(grid.data[task])
    while learner.updates() < grid.lam_updates:
        learner.train(min(50, grid.lam_updates - learner.updates()))
    learner.checkpoint()
    return learner.state()
