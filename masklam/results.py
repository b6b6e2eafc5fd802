"""Results files of a training run: results.json and a Markdown table."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from actors.shards import atomic_write_bytes


def markdown_table(results: dict) -> str:
    lines = [f"# LAM probe results: {results['task']} / preset {results['preset']}", "",
             "| method | probe_nmse (frozen, held-out) |", "|---|---|"]
    for m, v in results["probe_nmse"].items():
        lines.append(f"| {m} | {v:.4f} |")
    if "probe_ratio" in results:
        lines += ["", f"probe_ratio = probe_nmse(lapo) / probe_nmse(masklam) = **{results['probe_ratio']:.3f}**"]
    lines += ["", f"- mode: {results['mode']}; seed {results['seed']}; {results['updates']} updates of batch "
                  f"{results['batch_size']}; {results['train_seconds']:.0f} s of training "
                  f"({results['learner_ups']:.2f} updates/s at the end); {results['chunks_streamed']} chunks streamed",
              f"- model: {results['model']}",
              f"- held-out probe data: {results['heldout']}",
              f"- hardware: {results['hardware']}; wall time {results['wall_seconds']:.0f} s"]
    return "\n".join(lines) + "\n"


def write_results(results: dict, out: Path, console: Console) -> None:
    atomic_write_bytes(out / "results.json", json.dumps(results, indent=1).encode())
    atomic_write_bytes(out / "results.md", markdown_table(results).encode())
    table = Table(title=f"probe_nmse on held-out episodes ({results['task']}/{results['preset']})")
    table.add_column("method")
    table.add_column("probe_nmse", justify="right")
    for m, v in results["probe_nmse"].items():
        table.add_row(m, f"{v:.4f}")
    console.print(table)
    if "probe_ratio" in results:
        console.print(f"probe_ratio (lapo / masklam) = [bold]{results['probe_ratio']:.3f}[/]")
    console.print(f"results: {out / 'results.md'}")
