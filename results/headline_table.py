"""Issue 18: the README's headline numbers as CSV, read from the committed result JSONs (never typed by hand).

Two tables: `headline_probe_cpu.csv`, one row per (task, preset, budget, method) from the `seed_summary.py`
JSONs, with the frozen-probe NMSE over seeds, its interval, the random-init floor and lapo / method; and
`headline_returns_cpu.csv`, one row per policy and baseline from each `policy_summary.py` JSON, with the MuJoCo
return, its interval and the BC-normalised score.

    python results/headline_table.py            # rewrites both CSVs beside this file
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "learner"))

from seed_summary import recorded_runs  # noqa: E402  (run by path, as the results/ scripts are)

# (task, preset, LAM updates, JSON): the README table's sources, in its order. A (task, preset, updates, method) an
# earlier source gave is not repeated (the seeds summary holds the seed-0 runs of each_method's lapo and masklam_k1).
PROBE_SOURCES = (
    ("halfcheetah", "low", 10000, "learner/halfcheetah_low_seeds_cpu10k.json"),
    ("halfcheetah", "low", 10000, "learner/halfcheetah_low_served_vs_sim_masks_cpu10k.json"),  # masklam_gt_k1 seeds 0-2
    ("halfcheetah", "low", 10000, "learner/halfcheetah_low_masklam_seeds_cpu10k.json"),  # masklam (k ~ U) seeds 0-2
    ("halfcheetah", "low", 10000, "learner/halfcheetah_low_each_method_cpu10k.json"),  # its seed-0 masklam* runs
    ("halfcheetah", "low", 10000, "learner/halfcheetah_low_laom_pair_cpu10k.json"),
    ("halfcheetah", "low", 25000, "learner/halfcheetah_low_masklam_lapo_cpu25k.json"),
    ("halfcheetah", "causal", 10000, "learner/halfcheetah_causal_seeds_cpu10k.json"),
    ("halfcheetah", "causal", 10000, "learner/halfcheetah_causal_each_method_cpu10k.json"),  # masklam, masklam_gt_k1
    ("halfcheetah", "causal", 10000, "learner/halfcheetah_causal_laom_pair_cpu10k.json"),
    ("walker2d", "low", 10000, "learner/walker2d_low_pair_cpu10k.json"),
    ("hopper", "low", 10000, "learner/hopper_low_pair_cpu10k.json"),
)
# `policy_summary.py` JSONs, one per (task, preset), in the README's order.
RETURN_SOURCES = (
    "policy/latent_policies_halfcheetah_low_50k_masklam_cpu.json",  # bc3's rows + the authors' masklam
    "policy/latent_policies_halfcheetah_causal_50k_cpu.json",
)

PROBE_FIELDS = ("task", "preset", "updates", "method", "seeds", "probe_nmse", "ci90_lo", "ci90_hi", "interval_over",
                "random_init_floor", "lapo_over_method", "ratio_ci90_lo", "ratio_ci90_hi", "source")
RETURN_FIELDS = ("task", "preset", "policy", "decoder_labels", "training_seeds", "episodes", "return", "ci90_lo",
                 "ci90_hi", "bc_normalised", "source")


def seed_summary_rows(summary: dict) -> dict[str, dict]:
    """A `seed_summary.py` JSON: per method its seeds, mean over seeds, interval and floor; lapo / method."""
    out = {}
    for method, m in summary["methods"].items():
        ratio = summary["ratios"].get(f"lapo/{method}", {})
        out[method] = {"seeds": m["seeds"], "updates": {r["updates"] for r in m["runs"]},
                       "probe_nmse": m["probe_nmse_mean"], "ci90": m["probe_ci90_over_seeds"],
                       "floor": m["probe_nmse_random_init_mean"], "ratio": ratio.get("ratio"),
                       "ratio_ci90": ratio.get("ci90_over_seeds")}
    return out


def single_run_rows(path: Path, summary: dict) -> dict[str, dict]:
    """An each-method JSON (one `results.json` per method, one seed), read as seed_summary.py reads it; no ratios,
    they come from the seeds JSON."""
    out = {}
    for method in summary["methods"]:
        (run,) = recorded_runs(path, method)
        out[method] = {"seeds": [run["learner_seed"]], "updates": {run["updates"]}, "probe_nmse": run["probe_nmse"],
                       "ci90": run["probe_ci90"], "floor": run["probe_nmse_random_init"], "ratio": None,
                       "ratio_ci90": None}
    return out


def probe_rows(task: str, preset: str, updates: int, rel: str) -> list[dict]:
    summary = json.loads((HERE / rel).read_text())
    methods = single_run_rows(HERE / rel, summary) if "seed" in summary else seed_summary_rows(summary)
    rows = []
    for method, m in methods.items():
        if m["updates"] != {updates}:
            raise SystemExit(f"{rel}: {method}'s runs are at {sorted(m['updates'])} updates, not {updates}")
        ci = m["ratio_ci90"] or [None, None]
        rows.append({"task": task, "preset": preset, "updates": updates, "method": method,
                     "seeds": ";".join(str(s) for s in m["seeds"]), "probe_nmse": round(m["probe_nmse"], 5),
                     "ci90_lo": round(m["ci90"][0], 5), "ci90_hi": round(m["ci90"][1], 5),
                     "interval_over": "seeds" if len(m["seeds"]) > 1 else "probe episodes",
                     "random_init_floor": round(m["floor"], 5),
                     "lapo_over_method": None if m["ratio"] is None else round(m["ratio"], 4),
                     "ratio_ci90_lo": None if ci[0] is None else round(ci[0], 4),
                     "ratio_ci90_hi": None if ci[1] is None else round(ci[1], 4), "source": rel})
    return rows


def all_probe_rows() -> list[dict]:
    rows, seen = [], set()
    for source in PROBE_SOURCES:
        for r in probe_rows(*source):
            key = (r["task"], r["preset"], r["updates"], r["method"])
            if key not in seen:
                seen.add(key)
                rows.append(r)
    return rows


def return_rows(rel: str) -> list[dict]:
    summary = json.loads((HERE / rel).read_text())
    bc = summary["runs"][summary["bc"]]["return"]["mean"]
    base = {"task": summary["task"], "preset": summary["preset"], "episodes": len(summary["seeds"]), "source": rel}
    rows = [{**base, "policy": name, "decoder_labels": None, "training_seeds": None, "return": round(b["mean"], 1),
             "ci90_lo": round(b["ci90"][0], 1), "ci90_hi": round(b["ci90"][1], 1),
             "bc_normalised": round(b["mean"] / bc, 3)}
            for name, b in (("random", summary["random"]), ("stand_still", summary["stand_still"]))]
    for name, p in summary["runs"].items():
        r = p["return"]
        rows.append({**base, "policy": name, "decoder_labels": p["decoder_transitions"],
                     "training_seeds": ";".join(str(s) for s in p["policy_seeds"]), "return": round(r["mean"], 1),
                     "ci90_lo": round(r["ci90"][0], 1), "ci90_hi": round(r["ci90"][1], 1),
                     "bc_normalised": round(r["mean"] / bc, 3)})
    return rows


def write(path: Path, fields: tuple[str, ...], rows: list[dict]) -> None:
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    print(f"{len(rows)} rows -> {path}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out-dir", default=str(HERE))
    args = ap.parse_args()
    out = Path(args.out_dir)
    write(out / "headline_probe_cpu.csv", PROBE_FIELDS, all_probe_rows())
    write(out / "headline_returns_cpu.csv", RETURN_FIELDS, [r for rel in RETURN_SOURCES for r in return_rows(rel)])


if __name__ == "__main__":
    main()
