"""`masklam tune`: a Ray Tune grid of method x task x seed x label budget on recorded datasets, one results table.

Trials (one per task x method x seed; each evaluates every label budget) run `masklam.tune_trial.run_trial`. The experiment lives at <out>/<name>/ (Tune's state) with each trial's
work directory under work/; `--resume` (the one resume rule, masklam/run_dir.py) restores an interrupted experiment with `Tuner.restore`, keeping
finished trials and resuming unfinished ones from their own checkpoints.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

from rich.console import Console

from actors.shards import ShardReader
from masklam.policy_chain import trivial_baselines
from masklam.config import TuneGridConfig, save_config, to_dict
from masklam.ray_runtime import ray_session
from masklam.report import load_expert_card
from masklam.tune_report import write_tune_results
from masklam.tune_trial import run_trial

METRIC = "return_mean"


def _check_inputs(cfg: TuneGridConfig) -> None:
    for task in cfg.data:
        if task not in cfg.heldout and any(m != "bc" for m in cfg.methods):
            raise ValueError(f"task {task}: LAM methods need a held-out dataset for the probe (heldout.{task})")
        for path in (cfg.data[task], cfg.heldout.get(task)):
            if path is not None:
                ShardReader(path)  # fails with a clear message when the folder is not a dataset
    if not cfg.methods or not cfg.seeds or not cfg.label_budgets:
        raise ValueError("methods, seeds and label_budgets must each list at least one value")


def max_concurrent_trials(cfg: TuneGridConfig) -> int:
    """As many trials as fit in the cluster's CPUs once `data_cpus` are set aside (at least one)."""
    import ray

    cpus = float(ray.cluster_resources().get("CPU", 1.0))
    if cfg.cpus_per_trial <= 0:
        return max(1, int(cpus))
    return max(1, int((cpus - cfg.data_cpus) // cfg.cpus_per_trial))


def run_tune(cfg: TuneGridConfig, console: Console | None = None) -> dict:
    from ray import tune

    console = console or Console(stderr=True)
    _check_inputs(cfg)
    # Trials run in their own working directories: hand them absolute dataset paths.
    cfg = dataclasses.replace(cfg, data={t: str(Path(p).resolve()) for t, p in cfg.data.items()},
                              heldout={t: str(Path(p).resolve()) for t, p in cfg.heldout.items()})
    exp_dir = (Path(cfg.out) / cfg.name).resolve()
    exp_dir.mkdir(parents=True, exist_ok=True)
    save_config(cfg, exp_dir, "grid.yaml")
    with ray_session(cfg.ray_address, max(1, int(cfg.cpus_per_trial))):
        concurrent = max_concurrent_trials(cfg)
        console.print(f"[bold]tune[/] at most {concurrent} trial(s) at once ({cfg.cpus_per_trial} CPU each, "
                      f"{cfg.data_cpus} CPU kept for Ray Data)")
        trainable = tune.with_resources(run_trial, {"cpu": cfg.cpus_per_trial, "gpu": cfg.gpus_per_trial})
        t0 = time.perf_counter()
        if cfg.resume:
            if not tune.Tuner.can_restore(str(exp_dir)):
                raise FileNotFoundError(f"no Tune experiment to restore at {exp_dir}")
            console.print(f"[bold]tune[/] restoring {exp_dir}")
            tuner = tune.Tuner.restore(str(exp_dir), trainable, resume_errored=True)
        else:
            n = len(cfg.data) * len(cfg.methods) * len(cfg.seeds)
            console.print(f"[bold]tune[/] {n} trials: tasks {list(cfg.data)} x methods {cfg.methods} x seeds "
                          f"{cfg.seeds}, each trial evaluating label budgets {cfg.label_budgets} on one LAM and "
                          f"one BC stage -> {exp_dir}")
            param_space = {"grid": to_dict(cfg), "work_dir": str(exp_dir / "work"),
                           "task": tune.grid_search(list(cfg.data)), "method": tune.grid_search(cfg.methods),
                           "seed": tune.grid_search(cfg.seeds)}
            tuner = tune.Tuner(trainable, param_space=param_space,
                               tune_config=tune.TuneConfig(metric=METRIC, mode="max",
                                                           max_concurrent_trials=concurrent),
                               run_config=tune.RunConfig(name=cfg.name, storage_path=str(exp_dir.parent),
                                                         failure_config=tune.FailureConfig(max_failures=1),
                                                         verbose=1))
        grid = tuner.fit()
        trials = [row for r in grid if r.metrics and "budgets" in r.metrics for row in r.metrics["budgets"]]
        errors = [str(r.error) for r in grid if r.error is not None]
        tune_seconds = time.perf_counter() - t0
        console.print("baselines: random policy and the shipped expert")
        baselines = {task: _baselines(cfg, task) for task in cfg.data}
    if errors:
        console.print(f"[red]{len(errors)} trial(s) failed[/]; first error: {errors[0]}")
    if not trials:
        raise RuntimeError("no trial finished; see the errors above")
    previous = exp_dir / "results.json"
    if cfg.resume and previous.exists():  # a restored experiment reports the wall time of all its sessions
        tune_seconds += float(json.loads(previous.read_text()).get("tune_seconds", 0.0))
    return write_tune_results(trials, baselines, cfg, exp_dir, tune_seconds, console)


def _baselines(cfg: TuneGridConfig, task: str) -> dict:
    floor = trivial_baselines(cfg.data[task], cfg.policy)
    card = load_expert_card(task)
    expert = None if card is None else {"mean": card["return_mean"], "std": card["return_std"],
                                        "episodes": card.get("eval_episodes"), "env_steps": card.get("env_steps")}
    return {"preset": floor["preset"], "random": floor["random"], "stand_still": floor["stand_still"],
            "expert": expert}
