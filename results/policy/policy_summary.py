"""Issue 18: returns of policy runs beside random and stand-still, normalised by BC, and return ratios with intervals.

Reads the `results.json` of `masklam policy train` runs evaluated on the same seeds, and the trivial baselines
(`masklam.policy_chain.trivial_baselines` written as JSON) on those seeds. Every interval is a 90% bootstrap over
evaluation episodes (one training seed per run); a ratio's interval resamples the episodes of both runs
independently. A ratio to a return that is not positive is undefined and left out (HalfCheetah's can be negative).

    python results/policy/policy_summary.py --floor runs/g18/floor_hc_low_expert50k.json --bc bc=runs/g18/pol50k_bc \
        --runs masklam_k1=runs/g18/pol50k_masklam_k1 --runs lapo=runs/g18/pol50k_lapo \
        --ratio masklam_k1/lapo --out results/policy/latent_policies_halfcheetah_low_50k_cpu.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from actors.evaluation import bootstrap_ci90  # noqa: E402
from learner.device import hardware  # noqa: E402

DRAWS = 5000


def load_run(spec: str) -> tuple[str, dict]:
    """`name=run_dir` -> (name, the run's returns and training stats)."""
    name, d = spec.split("=", 1)
    res = json.loads((Path(d) / "results.json").read_text())
    t = res["train"]
    keep = ("target", "bc_minibatches", "bc_heldout_nmse", "bc_seconds", "decoder_transitions", "decoder_episodes",
            "decoder_nmse_val", "bc_from", "bc_curve")
    return name, {"run": d, "method": res["method"], "return": res["return"], **{k: t[k] for k in keep if k in t}}


def ratio_ci90(num: list[float], den: list[float], zero: float = 0.0, seed: int = 0) -> list[float] | None:
    """Interval of (mean(num) - zero) / (mean(den) - zero) over episode resamples; None if a draw's denominator is
    not positive (the ratio would flip sign)."""
    rng = np.random.default_rng(seed)
    a, b = np.asarray(num), np.asarray(den)
    na = a[rng.integers(0, len(a), (DRAWS, len(a)))].mean(1) - zero
    nb = b[rng.integers(0, len(b), (DRAWS, len(b)))].mean(1) - zero
    if (nb <= 0).any():
        return None
    return [float(x) for x in np.quantile(na / nb, [0.05, 0.95])]


def point_ratio(num: list[float], den: list[float], zero: float = 0.0) -> float | None:
    d = float(np.mean(den)) - zero
    return (float(np.mean(num)) - zero) / d if d > 0 else None


def plot_label_budgets(out: dict, path: Path) -> None:
    """Return against the decoder's N per method (90% intervals over episodes), BC / stand-still / random as lines."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    methods = sorted({r["method"] for r in out["runs"].values() if r.get("decoder_transitions")})
    for i, m in enumerate(methods):
        pts = sorted((r["decoder_transitions"], r["return"]) for r in out["runs"].values() if r["method"] == m)
        x = [n for n, _ in pts]
        y = [ret["mean"] for _, ret in pts]
        err = [[ret["mean"] - ret["ci90"][0] for _, ret in pts], [ret["ci90"][1] - ret["mean"] for _, ret in pts]]
        ax.errorbar(x, y, yerr=err, marker="o", capsize=3, color=f"C{i}", label=f"{m} latent policy")
    bc = out["runs"][out["bc"]]["return"]["mean"]
    for value, label, style in ((bc, "BC on all true labels", "--"), (out["stand_still"]["mean"], "stand-still", ":"),
                                (out["random"]["mean"], "random", "-.")):
        ax.axhline(value, color="gray", ls=style, lw=1, label=label)
    ax.set_xscale("log")
    ns = sorted({r["decoder_transitions"] for r in out["runs"].values() if r.get("decoder_transitions")})
    ax.set_xticks(ns, [f"{n / 1000:.0f}k" for n in ns])
    ax.minorticks_off()
    ax.set_xlabel("decoder label budget N (labelled transitions)")
    ax.set_ylabel(f"return, {len(out['seeds'])} episodes")
    ax.set_title(f"{out['task']} / {out['preset']}: one training seed; bars: 90% CI over episodes", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", action="append", default=[], help="name=policy_run_dir (repeatable)")
    ap.add_argument("--bc", required=True, help="name=run_dir of BC on all true labels (the normaliser)")
    ap.add_argument("--floor", required=True, help="trivial baselines JSON (random, stand_still) on the same seeds")
    ap.add_argument("--ratio", action="append", default=[], help="a/b: return ratio of two runs (repeatable)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--plot", help="PNG of return against the decoder's label budget per method")
    args = ap.parse_args(argv)
    floor = json.loads(Path(args.floor).read_text())
    bc_name, bc = load_run(args.bc)
    runs = dict([(bc_name, bc), *map(load_run, args.runs)])
    seeds = {tuple(r["return"]["seeds"]) for r in runs.values()} | {tuple(floor["seeds"])}
    if len(seeds) != 1:
        raise SystemExit(f"the runs and the floor were evaluated on different seeds: {sorted(seeds)}")
    rnd = float(np.mean(floor["random"]["returns"]))
    bc_r = bc["return"]["returns"]
    for r in runs.values():
        ret = r["return"]["returns"]
        r["return_norm_bc"], r["return_norm_bc_ci90"] = point_ratio(ret, bc_r), ratio_ci90(ret, bc_r)
        r["return_gain_bc"], r["return_gain_bc_ci90"] = point_ratio(ret, bc_r, rnd), ratio_ci90(ret, bc_r, rnd)
    ratios = {}
    for spec in args.ratio:
        a, b = spec.split("/")
        ra, rb = runs[a]["return"]["returns"], runs[b]["return"]["returns"]
        ratios[spec] = {"raw": point_ratio(ra, rb), "raw_ci90": ratio_ci90(ra, rb),
                        "over_random": point_ratio(ra, rb, rnd), "over_random_ci90": ratio_ci90(ra, rb, rnd)}
    out = {"hardware": hardware(), "seeds": floor["seeds"], "task": floor["task"], "preset": floor["preset"],
           "random": floor["random"], "stand_still": floor["stand_still"], "bc": bc_name, "runs": runs,
           "return_ratios": ratios}
    Path(args.out).write_text(json.dumps(out, indent=1))
    if args.plot:
        plot_label_budgets(out, Path(args.plot))

    def fmt(x, ci=None, interval=True):
        if x is None:
            return "-"
        if not interval:
            return f"{x:.2f}"
        return f"{x:.2f} " + ("[unbounded: the denominator's resampled mean reaches 0]" if ci is None
                              else f"[{ci[0]:.2f}, {ci[1]:.2f}]")
    print("| policy | return [90% CI] | / BC [90% CI] | (R - random) / (BC - random) | decoder N | decoder NMSE |"
          " BC held-out NMSE |")
    print("|---|---|---|---|---|---|---|")
    for name, r in runs.items():
        ret = r["return"]
        print(f"| {name} | {ret['mean']:.1f} [{ret['ci90'][0]:.1f}, {ret['ci90'][1]:.1f}] | "
              f"{fmt(r['return_norm_bc'], r['return_norm_bc_ci90'])} | {fmt(r['return_gain_bc'], r['return_gain_bc_ci90'])}"
              f" | {r.get('decoder_transitions', '-')} | {fmt(r.get('decoder_nmse_val'), interval=False)} | "
              f"{fmt(r['bc_heldout_nmse'], interval=False)} |")
    for key in ("random", "stand_still"):
        b = floor[key]
        ci = bootstrap_ci90(b["returns"])
        print(f"| {key} | {b['mean']:.1f} [{ci[0]:.1f}, {ci[1]:.1f}] | | | | | |")
    for spec, r in ratios.items():
        print(f"return ratio {spec}: raw {fmt(r['raw'], r['raw_ci90'])}, over random "
              f"{fmt(r['over_random'], r['over_random_ci90'])}")
    return out


if __name__ == "__main__":
    main()
