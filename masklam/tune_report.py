"""The `masklam tune` results: one table (Markdown + CSV) and PNG plots with error bars over seeds."""

from __future__ import annotations

import csv
import io
import json
import os
import platform
from collections import defaultdict
from pathlib import Path

import numpy as np
from rich.console import Console

from actors.shards import atomic_write_bytes
from masklam.config import TuneGridConfig, to_dict

COLUMNS = ["task", "method", "label_budget", "seeds", "probe_nmse", "probe_nmse_std", "return", "return_std",
           "return_norm_bc", "return_norm_bc_std", "return_norm_expert", "return_norm_expert_std"]


def _mean_std(values: list[float]) -> tuple[float, float]:
    v = [x for x in values if x is not None]
    return (float(np.mean(v)), float(np.std(v))) if v else (float("nan"), float("nan"))


def summarise(trials: list[dict], baselines: dict) -> tuple[list[dict], dict]:
    """Rows per (task, method, budget) over seeds; `return_ratio` per (task, budget) = masklam / lapo."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for t in trials:
        groups[(t["task"], t["method"], t["label_budget"])].append(t)
    bc_mean = {(task, n): float(np.mean([t["return_mean"] for t in ts]))
               for (task, m, n), ts in groups.items() if m == "bc"}
    rows = []
    for task, base in baselines.items():
        expert = base["expert"]["mean"] if base["expert"] else None
        budgets = sorted({n for (t, _, n) in groups if t == task}) or [0]
        for name in ("random", "expert"):
            b = base[name] or {"mean": float("nan"), "std": float("nan")}  # no shipped expert: a row of "-"
            bc = bc_mean.get((task, budgets[0]))
            rows.append({"task": task, "method": name, "label_budget": "", "seeds": "",
                         "probe_nmse": float("nan"), "probe_nmse_std": float("nan"),
                         "return": b["mean"], "return_std": b["std"],
                         "return_norm_bc": b["mean"] / bc if bc else float("nan"), "return_norm_bc_std": 0.0,
                         "return_norm_expert": b["mean"] / expert if expert else float("nan"),
                         "return_norm_expert_std": 0.0})
    for (task, method, n), ts in sorted(groups.items()):
        expert = baselines[task]["expert"]["mean"] if baselines[task]["expert"] else None
        bc = bc_mean.get((task, n))
        rets = [t["return_mean"] for t in ts]
        p = _mean_std([t.get("probe_nmse") for t in ts])
        r = _mean_std(rets)
        nb = _mean_std([x / bc for x in rets]) if bc else (float("nan"), float("nan"))
        ne = _mean_std([x / expert for x in rets]) if expert else (float("nan"), float("nan"))
        rows.append({"task": task, "method": method, "label_budget": n,
                     "seeds": ",".join(str(t["seed"]) for t in sorted(ts, key=lambda t: t["seed"])),
                     "probe_nmse": p[0], "probe_nmse_std": p[1], "return": r[0], "return_std": r[1],
                     "return_norm_bc": nb[0], "return_norm_bc_std": nb[1],
                     "return_norm_expert": ne[0], "return_norm_expert_std": ne[1]})
    ratios = {}
    for (task, method, n), ts in groups.items():
        if method == "masklam" and (task, "lapo", n) in groups:
            lapo = float(np.mean([t["return_mean"] for t in groups[(task, "lapo", n)]]))
            mask = float(np.mean([t["return_mean"] for t in ts]))
            ratios[f"{task}/n{n}"] = mask / lapo if lapo else float("nan")
    return rows, ratios


def _fmt(v, std=None) -> str:
    if isinstance(v, str):
        return v
    if v is None or not np.isfinite(v):
        return "-"
    return f"{v:.3f} ± {std:.3f}" if std is not None and np.isfinite(std) else f"{v:.3f}"


def markdown(rows: list[dict], ratios: dict, cfg: TuneGridConfig, meta: dict) -> str:
    lines = ["# Latent-action policies: Ray Tune grid", "",
             "| task | method | N labels | seeds | probe_nmse | return | return_norm_bc | return_norm_expert |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['task']} | {r['method']} | {r['label_budget']} | {r['seeds']} | "
                     f"{_fmt(r['probe_nmse'], r['probe_nmse_std'])} | {_fmt(r['return'], r['return_std'])} | "
                     f"{_fmt(r['return_norm_bc'], r['return_norm_bc_std'])} | "
                     f"{_fmt(r['return_norm_expert'], r['return_norm_expert_std'])} |")
    lines.append("")
    for k, v in ratios.items():
        lines.append(f"return_ratio (masklam / lapo, mean raw return) on {k}: **{v:.3f}**")
    p = cfg.policy
    lines += ["", "Protocol: deterministic policies; " f"{p.eval_episodes} evaluation episodes per trial on seeds "
              f"{p.eval_seed}..{p.eval_seed + p.eval_episodes - 1} (test-split backgrounds, the dataset's preset); "
              "± is the std over seeds (baselines: over episodes). random acts uniformly; expert is the shipped "
              "state-based expert's card return. return_norm_bc divides by BC on all true labels (same N).",
              f"- LAM per trial: {cfg.lam_updates} offline updates of batch {cfg.lam.batch_size}, model "
              f"{to_dict(cfg.lam.model)}",
              f"- policy: {p.bc_iterations} x {p.bc_batches_per_iteration} BC minibatches of {p.batch_size}, "
              f"decoder {p.decoder_steps} steps; model {to_dict(p.model)}",
              f"- data: {cfg.data}; held-out probe data: {cfg.heldout}",
              f"- hardware: {meta['hardware']}; Tune wall time {meta['tune_seconds']:.0f} s"]
    return "\n".join(lines) + "\n"


def plot(rows: list[dict], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, key, title in ((axes[0], "probe_nmse", "probe_nmse (lower is better)"),
                           (axes[1], "return_norm_bc", "return / BC on all labels")):
        shown = [r for r in rows if np.isfinite(r[key])]
        labels = [f"{r['task']}\n{r['method']}" + (f"\nN={r['label_budget']}" if r["label_budget"] != "" else "")
                  for r in shown]
        ax.bar(range(len(shown)), [r[key] for r in shown], yerr=[r[f"{key}_std"] for r in shown], capsize=4)
        ax.set_xticks(range(len(shown)), labels, fontsize=7)
        ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_tune_results(trials: list[dict], baselines: dict, cfg: TuneGridConfig, exp_dir: Path,
                       tune_seconds: float, console: Console) -> dict:
    import torch

    hardware = (f"{platform.machine()}, {os.cpu_count()} CPUs, "
                f"{torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'no GPU'}")
    rows, ratios = summarise(trials, baselines)
    meta = {"hardware": hardware, "tune_seconds": tune_seconds}
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_bytes(exp_dir / "results.csv", buf.getvalue().encode())
    atomic_write_bytes(exp_dir / "results.md", markdown(rows, ratios, cfg, meta).encode())
    summary = {"rows": rows, "return_ratio": ratios, "trials": trials, "baselines": baselines, **meta,
               "grid": to_dict(cfg)}
    atomic_write_bytes(exp_dir / "results.json", json.dumps(summary, indent=1, default=float).encode())
    plot(rows, exp_dir / "results.png")
    console.print(markdown(rows, ratios, cfg, meta))
    console.print(f"results: {exp_dir / 'results.md'} (+ results.csv, results.json, results.png)")
    return summary
