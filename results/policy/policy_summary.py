"""Issue 18: returns of policy runs beside random and stand-still, normalised by BC, and return ratios with intervals.

Reads the `results.json` of `masklam policy train` runs evaluated on the same episode seeds, and the trivial
baselines (`masklam.policy_chain.trivial_baselines` written as JSON) on those seeds. A policy is one run or several
runs that differ only in their training seed (`name=dir,dir,...`); its return is the mean over training seeds, and
every interval is a 90% bootstrap over training seeds and, within each, evaluation episodes
(`actors.evaluation.bootstrap_means`); a ratio's interval resamples both sides independently. A ratio to a return
that is not positive is undefined and left out (HalfCheetah's can be negative).

    python results/policy/policy_summary.py --floor runs/g18/floor_hc_low_expert50k.json --bc bc=runs/g18/pol50k_bc \
        --runs masklam_k1=runs/g18/pol50k_masklam_k1,runs/g18/pol50k_masklam_k1_s1 --runs lapo=runs/g18/pol50k_lapo \
        --ratio masklam_k1/lapo --out results/policy/latent_policies_halfcheetah_low_50k_cpu.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from actors.evaluation import bootstrap_ci90, hierarchical_ci90, ratio_of_means  # noqa: E402
from learner.device import hardware  # noqa: E402

TRAIN_STATS = ("target", "bc_rows", "bc_train_episodes", "bc_minibatches", "bc_heldout_nmse", "bc_seconds",
               "decoder_transitions", "decoder_episodes", "decoder_nmse_val", "bc_from")


def load_policy(spec: str) -> tuple[str, dict]:
    """`name=run_dir[,run_dir...]` -> (name, the policy's returns per training seed and its training stats).

    Runs of one policy must share method and decoder label budget and differ in their training seed. A run may
    also be `earlier_summary.json#name`: the training seeds of policy `name` as that summary recorded them (their
    run directories need not exist any more), so seeds added later join the ones already summarised."""
    name, dirs = spec.split("=", 1)
    seeds = []
    for d in dirs.split(","):
        if "#" in d:  # summary.json#policy: that policy's per-seed runs as an earlier summary recorded them
            path, earlier = d.split("#", 1)
            runs = json.loads(Path(path).read_text())["runs"]
            if earlier not in runs:
                raise SystemExit(f"{path} has no policy {earlier!r}: {sorted(runs)}")
            seeds.extend(runs[earlier]["seeds"])
            continue
        res = json.loads((Path(d) / "results.json").read_text())
        seed = yaml.safe_load((Path(d) / "config.yaml").read_text())["policy"]["seed"]
        seeds.append({"run": d, "policy_seed": seed, "method": res["method"], "return": res["return"],
                      **{k: res["train"][k] for k in TRAIN_STATS if k in res["train"]}})
    for key in ("method", "decoder_transitions"):
        if len({str(s.get(key)) for s in seeds}) != 1:
            raise SystemExit(f"{name}: its runs differ in {key}: {[s.get(key) for s in seeds]}")
    if len({s["policy_seed"] for s in seeds}) != len(seeds):
        raise SystemExit(f"{name}: two of its runs share a training seed: {[s['policy_seed'] for s in seeds]}")
    if len({tuple(s["return"]["seeds"]) for s in seeds}) != 1:
        raise SystemExit(f"{name}: its runs were evaluated on different episode seeds")
    episodes = [s["return"]["returns"] for s in seeds]
    mean = float(np.mean([np.mean(e) for e in episodes]))
    first = seeds[0]
    return name, {"method": first["method"], "decoder_transitions": first.get("decoder_transitions"),
                  "policy_seeds": [s["policy_seed"] for s in seeds], "seeds": seeds,
                  "return": {"mean": mean, "ci90": hierarchical_ci90(episodes), "seeds": first["return"]["seeds"],
                             "per_training_seed": [float(np.mean(e)) for e in episodes]}}


def plot_label_budgets(out: dict, path: Path) -> None:
    """Return against the decoder's N per method (90% intervals over episodes), BC / stand-still / random as lines."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    methods = sorted({r["method"] for r in out["runs"].values() if r.get("decoder_transitions")})
    for i, m in enumerate(methods):
        pts = sorted((r["decoder_transitions"], r["return"], len(r["policy_seeds"])) for r in out["runs"].values()
                     if r["method"] == m)
        x = [n for n, _, _ in pts]
        y = [ret["mean"] for _, ret, _ in pts]
        err = [[ret["mean"] - ret["ci90"][0] for _, ret, _ in pts], [ret["ci90"][1] - ret["mean"] for _, ret, _ in pts]]
        ax.errorbar(x, y, yerr=err, marker="o", capsize=3, color=f"C{i}", label=f"{m} latent policy")
        for n, ret, k in pts:
            ax.annotate(f"{k} seed{'s' if k > 1 else ''}", (n, ret["mean"]), textcoords="offset points",
                        xytext=(4, 4), fontsize=6, color=f"C{i}")
    bc = out["runs"][out["bc"]]["return"]["mean"]
    for value, label, style in ((bc, "BC on all true labels", "--"), (out["stand_still"]["mean"], "stand-still", ":"),
                                (out["random"]["mean"], "random", "-.")):
        ax.axhline(value, color="gray", ls=style, lw=1, label=label)
    ax.set_xscale("log")
    ns = sorted({r["decoder_transitions"] for r in out["runs"].values() if r.get("decoder_transitions")})
    ax.set_xticks(ns, [f"{n / 1000:.0f}k" for n in ns])
    ax.minorticks_off()
    ax.set_xlabel("decoder label budget N (labelled transitions)")
    ax.set_ylabel(f"return, {len(out['seeds'])} episodes per training seed")
    ax.set_title(f"{out['task']} / {out['preset']}: bars: 90% CI over training seeds and episodes", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", action="append", default=[],
                    help="name=policy_run_dir[,run_dir...]: one policy, one run per training seed (repeatable)")
    ap.add_argument("--bc", required=True, help="name=run_dir[,...] of BC on all true labels (the normaliser)")
    ap.add_argument("--floor", required=True, help="trivial baselines JSON (random, stand_still) on the same seeds; "
                    "an earlier summary JSON holds them too")
    ap.add_argument("--ratio", action="append", default=[], help="a/b: return ratio of two policies (repeatable)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--plot", help="PNG of return against the decoder's label budget per method")
    args = ap.parse_args(argv)
    floor = json.loads(Path(args.floor).read_text())
    bc_name, bc = load_policy(args.bc)
    policies = dict([(bc_name, bc), *map(load_policy, args.runs)])
    seeds = {tuple(r["return"]["seeds"]) for r in policies.values()} | {tuple(floor["seeds"])}
    if len(seeds) != 1:
        raise SystemExit(f"the runs and the floor were evaluated on different seeds: {sorted(seeds)}")
    rnd = float(np.mean(floor["random"]["returns"]))
    groups = {name: [s["return"]["returns"] for s in r["seeds"]] for name, r in policies.items()}
    for name, r in policies.items():
        r["return_norm_bc"], r["return_norm_bc_ci90"] = ratio_of_means(groups[name], groups[bc_name])
        r["return_gain_bc"], r["return_gain_bc_ci90"] = ratio_of_means(groups[name], groups[bc_name], rnd)
    ratios = {}
    for spec in args.ratio:
        a, b = spec.split("/")
        ga, gb = groups[a], groups[b]
        (raw, raw_ci), (over, over_ci) = ratio_of_means(ga, gb), ratio_of_means(ga, gb, rnd)
        ratios[spec] = {"raw": raw, "raw_ci90": raw_ci, "over_random": over, "over_random_ci90": over_ci}
    out = {"hardware": hardware(), "seeds": floor["seeds"], "task": floor["task"], "preset": floor["preset"],
           "random": floor["random"], "stand_still": floor["stand_still"], "bc": bc_name, "runs": policies,
           "return_ratios": ratios}
    Path(args.out).write_text(json.dumps(out, indent=1))
    if args.plot:
        plot_label_budgets(out, Path(args.plot))
    print(markdown(out))
    return out


def markdown(out: dict) -> str:
    """The summary as a Markdown table plus one line per ratio."""
    def fmt(x, ci=None, interval=True):
        if x is None:
            return "-"
        if not interval:
            return f"{x:.2f}"
        return f"{x:.2f} " + ("[unbounded: the denominator's resampled mean reaches 0]" if ci is None
                              else f"[{ci[0]:.2f}, {ci[1]:.2f}]")

    def stat(r, key):
        vals = [s[key] for s in r["seeds"] if s.get(key) is not None]
        return fmt(float(np.mean(vals)), interval=False) if vals else "-"

    lines = ["| policy | training seeds | return [90% CI] | / BC [90% CI] | (R - random) / (BC - random) | decoder N |"
             " decoder NMSE | BC held-out NMSE |", "|---|---|---|---|---|---|---|---|"]
    for name, r in out["runs"].items():
        ret = r["return"]
        lines.append(f"| {name} | {','.join(map(str, r['policy_seeds']))} | {ret['mean']:.1f} [{ret['ci90'][0]:.1f}, "
                     f"{ret['ci90'][1]:.1f}] | {fmt(r['return_norm_bc'], r['return_norm_bc_ci90'])} | "
                     f"{fmt(r['return_gain_bc'], r['return_gain_bc_ci90'])} | {r.get('decoder_transitions') or '-'} | "
                     f"{stat(r, 'decoder_nmse_val')} | {stat(r, 'bc_heldout_nmse')} |")
    for key in ("random", "stand_still"):
        b = out[key]
        ci = bootstrap_ci90(b["returns"])
        lines.append(f"| {key} | | {b['mean']:.1f} [{ci[0]:.1f}, {ci[1]:.1f}] | | | | | |")
    for spec, r in out["return_ratios"].items():
        lines.append(f"return ratio {spec}: raw {fmt(r['raw'], r['raw_ci90'])}, over random "
                     f"{fmt(r['over_random'], r['over_random_ci90'])}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
