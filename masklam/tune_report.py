"""The `masklam tune` results: one table (Markdown + CSV) and PNG plots with error bars over seeds."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from pathlib import Path

import numpy as np
from rich.console import Console

from actors.evaluation import hierarchical_ci90, ratio_of_means
from common.files import atomic_write_bytes
from learner.device import hardware
from masklam.config import TuneGridConfig, to_dict
from masklam.results import fmt_ratio, ratio_name

COLUMNS = ["task", "method", "label_budget", "seeds", "probe_nmse", "probe_nmse_std", "probe_ci90_low",
           "probe_ci90_high", "return", "return_std", "return_ci90_low", "return_ci90_high",
           "return_norm_bc", "return_norm_bc_std", "return_gain_bc", "return_gain_bc_std", "return_norm_expert",
           "return_norm_expert_std"]


def _mean_std(values: list[float]) -> tuple[float, float]:
    v = [x for x in values if x is not None]
    return (float(np.mean(v)), float(np.std(v))) if v else (float("nan"), float("nan"))


def normalised(values: list[float], ref: float | None, zero: float = 0.0) -> tuple[float, float]:
    """Mean and std of (v - zero) / (ref - zero); undefined (nan) unless ref is above zero. A ratio to a negative
    return (HalfCheetah's often are) would flip the order of methods."""
    if ref is None or not np.isfinite(ref) or ref - zero <= 0:
        return float("nan"), float("nan")
    return _mean_std([(v - zero) / (ref - zero) for v in values])


def summarise(trials: list[dict], baselines: dict) -> tuple[list[dict], dict]:
    """Rows per (task, method, budget) over seeds, and per (task, budget, MaskLAM variant) its ratios to lapo
    (`variant_ratios`; keyed task/nN for masklam itself, task/nN[variant] for masklam_k1, masklam_gt, ...).

    return_norm_bc = R / R_bc and return_norm_expert = R / R_expert (LAOM's convention, defined when the reference
    is positive); return_gain_bc = (R - R_random) / (R_bc - R_random), the share of BC's gain over the random policy
    (defined whenever BC beats random).
    """
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for t in trials:
        groups[(t["task"], t["method"], t["label_budget"])].append(t)
    bc_mean = {(task, n): float(np.mean([t["return_mean"] for t in ts]))
               for (task, m, n), ts in groups.items() if m == "bc"}
    nan = float("nan")

    def row(task, method, n, seeds, rets, probes, std=None, episodes=None) -> dict:
        base = baselines[task]
        expert = base["expert"]["mean"] if base["expert"] else None
        rnd = base["random"]["mean"] if base["random"] else nan
        bc = bc_mean.get((task, n if n != "" else min((k[1] for k in bc_mean if k[0] == task), default=None)))
        r, p = _mean_std(rets), _mean_std(probes)
        nb, ne, gb = normalised(rets, bc), normalised(rets, expert), normalised(rets, bc, rnd)
        ci = hierarchical_ci90(episodes) if episodes else [nan, nan]
        pci = hierarchical_ci90([[x] for x in probes if x is not None]) if len(probes) > 1 else [nan, nan]
        return {"task": task, "method": method, "label_budget": n, "seeds": seeds, "probe_nmse": p[0],
                "probe_nmse_std": p[1], "probe_ci90_low": pci[0], "probe_ci90_high": pci[1],
                "return": r[0], "return_std": r[1] if std is None else std,
                "return_ci90_low": ci[0], "return_ci90_high": ci[1],
                "return_norm_bc": nb[0], "return_norm_bc_std": nb[1], "return_gain_bc": gb[0],
                "return_gain_bc_std": gb[1], "return_norm_expert": ne[0], "return_norm_expert_std": ne[1]}

    rows = []
    for task, base in baselines.items():
        for name in ("random", "stand_still", "expert"):
            if name == "stand_still" and not base.get(name):
                continue
            b = base.get(name) or {"mean": nan, "std": nan}  # no shipped expert: a row of "-"
            rows.append(row(task, name, "", "", [b["mean"]], [], std=b["std"],
                            episodes=[b["returns"]] if b.get("returns") else None))
    for (task, method, n), ts in sorted(groups.items()):
        ts = sorted(ts, key=lambda t: t["seed"])
        rows.append(row(task, method, n, ",".join(str(t["seed"]) for t in ts), [t["return_mean"] for t in ts],
                        [t.get("probe_nmse") for t in ts],
                        episodes=[t.get("returns") or [t["return_mean"]] for t in ts]))
    ratios = {}
    for (task, method, n), ts in sorted(groups.items()):
        if method.startswith("masklam") and (task, "lapo", n) in groups:
            key = f"{task}/n{n}" + ("" if method == "masklam" else f"[{method}]")
            ratios[key] = variant_ratios(ts, groups[(task, "lapo", n)], baselines[task], method)
    return rows, ratios


def variant_ratios(variant: list[dict], lapo: list[dict], base: dict, name: str) -> dict:
    """return_ratio = R_variant / R_lapo (`raw`, when lapo's return is positive) and (R_variant - R_random) /
    (R_lapo - R_random) (`over_random`, when lapo beats random), and probe_ratio = lapo / variant, each with a 90%
    interval that resamples both sides' seeds and episodes independently (`ratio_of_means`; none where a resampled
    denominator is not positive: the ratio would be unbounded or flip sign)."""
    nan = float("nan")
    rnd = base["random"]["mean"] if base["random"] else nan
    ep = [[t.get("returns") or [t["return_mean"]] for t in ts] for ts in (variant, lapo)]
    raw, raw_ci = ratio_of_means(*ep)
    over, over_ci = ratio_of_means(*ep, zero=rnd) if np.isfinite(rnd) else (None, None)
    out = {"variant": name, "return_variant": float(np.mean([t["return_mean"] for t in variant])),
           "return_lapo": float(np.mean([t["return_mean"] for t in lapo])), "return_random": rnd,
           "raw": nan if raw is None else raw, "raw_ci90": raw_ci,
           "over_random": nan if over is None else over, "over_random_ci90": over_ci}
    probes = [[[t["probe_nmse"]] for t in ts if t.get("probe_nmse") is not None] for ts in (lapo, variant)]
    if all(probes):
        out["probe_ratio"], out["probe_ratio_ci90"] = ratio_of_means(*probes)
    return out


def _fmt_ci(v, low, high) -> str:
    """mean [90% interval], or the mean alone where no interval could be drawn."""
    if v is None or not np.isfinite(v):
        return "-"
    return f"{v:.3f} [{low:.3f}, {high:.3f}]" if np.isfinite(low) and np.isfinite(high) else f"{v:.3f}"


def _fmt(v, std=None) -> str:
    if isinstance(v, str):
        return v
    if v is None or not np.isfinite(v):
        return "-"
    return f"{v:.3f} ± {std:.3f}" if std is not None and np.isfinite(std) else f"{v:.3f}"


def markdown(rows: list[dict], ratios: dict, cfg: TuneGridConfig, meta: dict) -> str:
    lines = ["# Latent-action policies: Ray Tune grid", "",
             "| task | method | N labels | seeds | probe_nmse [90% CI] | return [90% CI] | return std | "
             "return_norm_bc | return_gain_bc | return_norm_expert |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['task']} | {r['method']} | {r['label_budget']} | {r['seeds']} | "
                     f"{_fmt_ci(r['probe_nmse'], r['probe_ci90_low'], r['probe_ci90_high'])} | "
                     f"{_fmt_ci(r['return'], r['return_ci90_low'], r['return_ci90_high'])} | "
                     f"{_fmt(r['return_std'])} | "
                     f"{_fmt(r['return_norm_bc'], r['return_norm_bc_std'])} | "
                     f"{_fmt(r['return_gain_bc'], r['return_gain_bc_std'])} | "
                     f"{_fmt(r['return_norm_expert'], r['return_norm_expert_std'])} |")
    lines.append("")
    for k, v in ratios.items():
        name, var = ratio_name("return_ratio", v["variant"]), v["variant"]
        probe = (f"; {ratio_name('probe_ratio', var)} = lapo / {var} = "
                 f"{fmt_ratio(v['probe_ratio'], v['probe_ratio_ci90'], bold=True)}" if "probe_ratio" in v else "")
        lines.append(f"On {k}: {name} = {var} / lapo = {fmt_ratio(v['raw'], v['raw_ci90'], bold=True)} (mean raw "
                     f"returns {v['return_variant']:.1f} / {v['return_lapo']:.1f}; '-' when lapo's return is not "
                     f"positive); measured above the random policy ({v['return_random']:.1f}): "
                     f"{fmt_ratio(v['over_random'], v['over_random_ci90'], bold=True)}{probe}")
    p = cfg.policy
    lines += ["", "Protocol: deterministic policies; " f"{p.eval_episodes} evaluation episodes per trial on seeds "
              f"{p.eval_seed}..{p.eval_seed + p.eval_episodes - 1} (test-split backgrounds, the dataset's preset); "
              "intervals are 90% bootstrap intervals of the mean over seeds and episodes (seeds resampled, then each "
              "seed's episodes; probe_nmse: over seeds), `return std` and ± the std over seeds (baselines: over "
              "episodes). random acts uniformly; expert is the shipped "
              "state-based expert's card return. return_norm_bc = R / R_bc (BC on all true labels) and "
              "return_norm_expert = R / R_expert, shown only when the reference is positive; return_gain_bc = "
              "(R - R_random) / (R_bc - R_random), BC's gain over random that the policy keeps.",
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

    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    for ax, key, title in ((axes[0], "probe_nmse", "probe_nmse (lower is better)"),
                           (axes[1], "return_gain_bc", "(R - R_random) / (R_bc - R_random)"),
                           (axes[2], "return", "raw return")):
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
    rows, ratios = summarise(trials, baselines)
    meta = {"hardware": hardware(), "tune_seconds": tune_seconds}
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
