"""Results files of a training run: results.json and a Markdown table."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from common.files import atomic_write_bytes


def ratio_name(metric: str, variant: str) -> str:
    """DESIGN.md section 7's name for masklam itself; metric[variant] for the other MaskLAM variants."""
    return metric if variant == "masklam" else f"{metric}[{variant}]"


def fmt_ratio(value: float | None, ci: list[float] | None, bold: bool = False) -> str:
    """A ratio with its 90% interval; '(interval unbounded)' where a resampled denominator reached 0 (no honest
    interval); '-' where the ratio itself is undefined."""
    if value is None or not np.isfinite(value):
        return "-"
    v = f"**{value:.3f}**" if bold else f"{value:.3f}"
    if ci:
        return f"{v} [{ci[0]:.3f}, {ci[1]:.3f}]"
    return f"{v} (interval unbounded: the denominator's resampled mean reaches 0)"


def _ci(results: dict, key: str, m: str) -> str:
    lo, hi = results.get(key, {}).get(m, (float("nan"), float("nan")))
    return f"[{lo:.3f}, {hi:.3f}]"


def markdown_table(results: dict) -> str:
    lines = [f"# LAM probe results: {results['task']} / preset {results['preset']}", "",
             "| method | probe_nmse (frozen, held-out) | 90% interval | random-init IDM (floor) |", "|---|---|---|---|"]
    floor = results.get("probe_nmse_random_init", {})
    for m, v in results["probe_nmse"].items():
        lines.append(f"| {m} | {v:.4f} | {_ci(results, 'probe_ci90', m)} | {floor.get(m, float('nan')):.4f} |")
    if "state_probe_nmse" in results:
        lo, hi = results["state_probe_ci90"]
        lines += ["", f"State-leak level: the same probe on the proprioceptive state (linear + squares) reaches "
                      f"{results['state_probe_nmse']:.4f} [{lo:.3f}, {hi:.3f}]; near 1.0 means the probe set's actions "
                      f"do not depend on the state, so a latent cannot score by encoding the pose."]
    for m, r in results.get("probe_ratios", {}).items():
        lines += ["", f"{ratio_name('probe_ratio', m)} = probe_nmse(lapo) / probe_nmse({m}) = **{r:.3f}**"]
    lines += ["", f"- mode: {results['mode']}; seed {results['seed']}; {results['updates']} updates of batch "
                  f"{results['batch_size']}; {results['train_seconds']:.0f} s of training "
                  f"({results['learner_ups']:.2f} updates/s at the end); {results['chunks_streamed']} chunks streamed",
              f"- model: {results['model']}",
              f"- held-out probe data: {results.get('probe_set', results['heldout'])}; "
              f"{results.get('probe_rows', '?')} probe rows over {results.get('probe_episodes', '?')} episodes, "
              f"ridge strength by cross-validation over whole episodes, interval by bootstrap over episodes",
              f"- hardware: {results['hardware']}; wall time {results['wall_seconds']:.0f} s"]
    return "\n".join(lines) + "\n"


def write_results(results: dict, out: Path, console: Console) -> None:
    atomic_write_bytes(out / "results.json", json.dumps(results, indent=1).encode())
    atomic_write_bytes(out / "results.md", markdown_table(results).encode())
    table = Table(title=f"probe_nmse on held-out episodes ({results['task']}/{results['preset']})")
    for col in ("method", "probe_nmse", "90% interval", "random-init"):
        table.add_column(col, justify="left" if col == "method" else "right")
    floor = results.get("probe_nmse_random_init", {})
    for m, v in results["probe_nmse"].items():
        table.add_row(m, f"{v:.4f}", _ci(results, "probe_ci90", m), f"{floor.get(m, float('nan')):.4f}")
    console.print(table)
    if "state_probe_nmse" in results:
        console.print(f"state-leak level (probe on the proprioceptive state): {results['state_probe_nmse']:.4f}")
    for m, r in results.get("probe_ratios", {}).items():
        console.print(f"{escape(ratio_name('probe_ratio', m))} (lapo / {m}) = [bold]{r:.3f}[/]")
    console.print(f"results: {out / 'results.md'}")


def write_probe_curve(curve: dict, out: Path, console: Console) -> None:
    """probe_curve.json and a plot: probe_nmse with its 90% interval per kept checkpoint, the random-init floor
    dashed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    atomic_write_bytes(out / "probe_curve.json", json.dumps(curve, indent=1).encode())
    fig, ax = plt.subplots(figsize=(7, 4))
    xs = [p["updates"] for p in curve["points"]]
    for m in curve["methods"]:
        ys = [p["probe_nmse"][m] for p in curve["points"]]
        lo = [p["probe_ci90"][m][0] for p in curve["points"]]
        hi = [p["probe_ci90"][m][1] for p in curve["points"]]
        (line,) = ax.plot(xs, ys, marker="o", label=m)
        ax.fill_between(xs, lo, hi, color=line.get_color(), alpha=0.2)
        ax.axhline(curve["points"][-1]["probe_nmse_random_init"][m], color=line.get_color(), ls="--", lw=0.8)
    ax.set(xlabel="updates", ylabel="probe_nmse (frozen, held-out)",
           title=f"{curve['task']} / {curve['preset']}: frozen probe per checkpoint (dashed: random-init floor)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "probe_curve.png", dpi=110)
    plt.close(fig)
    console.print(f"probe curve: {out / 'probe_curve.json'} and {out / 'probe_curve.png'}")
