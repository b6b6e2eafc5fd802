"""Issue 18: a method's frozen-probe score over training seeds, and probe ratios with intervals over seeds.

Reads the `results.json` of `masklam train` runs (one method each, same data and held-out probe set, different
`learner.seed`) and writes one JSON: per method the per-seed scores (each with its interval over probe episodes,
its random-init floor and the state-only probe of the same rows), the mean over seeds with a 90% bootstrap interval
over the seeds' scores, and for each pair `lapo / other` the ratio of the seed means with a 90% interval from
resampling the seeds of both methods independently.

    python results/learner/seed_summary.py --runs lapo=runs/g18/low_lapo_10k,runs/g18/low_lapo_10k_s1 \
        --runs masklam_k1=runs/g18/low_masklam_k1_10k,runs/g18/low_masklam_k1_10k_s1 \
        --out results/learner/halfcheetah_low_seeds_cpu10k.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from actors.evaluation import bootstrap_ci90, ratio_of_means  # noqa: E402
from masklam.config import TrainConfig, load_config  # noqa: E402


def recorded_runs(path: Path, method: str) -> list[dict]:
    """`method`'s runs as an earlier summary recorded them: this script's JSON, or an each-method JSON (one seed,
    `{"seed": s, "methods": {m: that run's results.json}}`, as halfcheetah_low_each_method_cpu10k.json)."""
    summary = json.loads(path.read_text())
    if method not in summary["methods"]:
        raise SystemExit(f"{path} has no method {method!r}: {sorted(summary['methods'])}")
    m = summary["methods"][method]
    if "runs" in m:
        return m["runs"]
    run = {"run": f"{path}#{method}", "learner_seed": summary["seed"], "probe_nmse": m["probe_nmse"][method],
           "probe_ci90": m["probe_ci90"][method], "probe_nmse_random_init": m["probe_nmse_random_init"][method],
           "updates": m["updates"], "probe_set": m["probe_set"], "state_probe_nmse": m.get("state_probe_nmse")}
    if "curve" in m:
        run["curve"] = [[p["updates"], p["probe_nmse"]] for p in m["curve"]]
    return [run]


def method_runs(spec: str) -> tuple[str, list[dict]]:
    """`method=run_dir,run_dir,...` -> (method, the runs' results with their seed and directory).

    A run may also be `earlier_summary.json` followed by `#method`: the seeds of `method` as that summary recorded
    them (their run directories need not exist any more), so seeds trained later join the ones already
    summarised. The runs of a method must differ in their seed and share the probe set."""
    method, dirs = spec.split("=", 1)
    runs = []
    for d in dirs.split(","):
        if "#" in d:  # summary.json#method: that method's per-seed runs as an earlier summary recorded them
            path, earlier = d.split("#", 1)
            runs.extend(recorded_runs(Path(path), earlier))
            continue
        results = json.loads((Path(d) / "results.json").read_text())
        seed = load_config(TrainConfig, Path(d) / "config.yaml").learner.seed
        runs.append({"run": d, "learner_seed": seed, "probe_nmse": results["probe_nmse"][method],
                     "probe_ci90": results["probe_ci90"][method],
                     "probe_nmse_random_init": results["probe_nmse_random_init"][method],
                     "updates": results["updates"], "probe_set": results["probe_set"],
                     "state_probe_nmse": results.get("state_probe_nmse")})
        curve = Path(d) / "probe_curve.json"
        if curve.exists():  # `masklam probe --curve true`: every kept checkpoint on the same probe set
            points = json.loads(curve.read_text())["points"]
            runs[-1]["curve"] = [[p["updates"], p["probe_nmse"][method]] for p in points]
    seeds = [r["learner_seed"] for r in runs]
    if len(set(seeds)) != len(seeds):
        raise SystemExit(f"{method}: two of its runs share a training seed: {seeds}")
    if len({json.dumps(r["probe_set"], sort_keys=True) for r in runs}) != 1:
        raise SystemExit(f"{method}: its runs were probed on different probe sets: {[r['probe_set'] for r in runs]}")
    return method, runs


def plot_curves(methods: dict[str, list[dict]], path: Path) -> None:
    """probe_nmse against updates, one line per (method, seed), each run's random-init floor dotted."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for i, (m, runs) in enumerate(methods.items()):
        for j, r in enumerate(r for r in runs if "curve" in r):
            x, y = zip(*r["curve"])
            ax.plot(x, y, marker="o", color=f"C{i}", alpha=0.8, label=m if j == 0 else None)
            ax.axhline(r["probe_nmse_random_init"], color=f"C{i}", ls=":", lw=0.8)
    ax.set_xlabel("LAM updates (batch 32)")
    ax.set_ylabel("frozen probe NMSE (held-out)")
    ax.set_title("one line per training seed; dotted: random-init floors")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", action="append", required=True, help="method=run_dir,run_dir,... (repeatable)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--plot", help="also write the runs' probe curves (where they have one) to this PNG")
    args = ap.parse_args()
    methods = dict(method_runs(s) for s in args.runs)
    summary = {"methods": {}, "ratios": {}}
    for m, runs in methods.items():
        scores = [r["probe_nmse"] for r in runs]
        summary["methods"][m] = {"seeds": [r["learner_seed"] for r in runs], "runs": runs,
                                 "probe_nmse_mean": float(np.mean(scores)),
                                 "probe_ci90_over_seeds": bootstrap_ci90(scores) if len(scores) > 1
                                 else runs[0]["probe_ci90"],
                                 "probe_nmse_random_init_mean": float(np.mean([r["probe_nmse_random_init"]
                                                                               for r in runs]))}
    if "lapo" in methods:
        lapo = [r["probe_nmse"] for r in methods["lapo"]]
        for m, runs in methods.items():
            if m != "lapo":
                other = [r["probe_nmse"] for r in runs]
                ratio, ci = ratio_of_means([[x] for x in lapo], [[x] for x in other])
                # one seed on a side has no spread to resample: no interval over seeds rather than a zero-width one
                summary["ratios"][f"lapo/{m}"] = {"ratio": ratio,
                                                  "ci90_over_seeds": ci if min(len(lapo), len(other)) > 1 else None}
    Path(args.out).write_text(json.dumps(summary, indent=1))
    if args.plot:
        plot_curves(methods, Path(args.plot))
    for m, s in summary["methods"].items():
        lo, hi = s["probe_ci90_over_seeds"]
        print(f"{m}: seeds {s['seeds']} -> {[round(r['probe_nmse'], 4) for r in s['runs']]}; mean "
              f"{s['probe_nmse_mean']:.4f} [{lo:.3f}, {hi:.3f}] (random-init {s['probe_nmse_random_init_mean']:.4f}, state-only "
              f"{[r['state_probe_nmse'] and round(r['state_probe_nmse'], 4) for r in s['runs']]})")
    for k, r in summary["ratios"].items():
        ci = r["ci90_over_seeds"]
        print(f"{k} = {r['ratio']:.3f} " + (f"[{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "(one seed: no interval over seeds)"))


if __name__ == "__main__":
    main()
