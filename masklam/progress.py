"""Live progress lines for long pipeline stages (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn


def stage_progress(console: Console | None = None) -> Progress:
    """A one-line-per-stage progress display: description, bar, done/total, elapsed, ETA and a stats field."""
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), TimeRemainingColumn(), TextColumn("{task.fields[stats]}"),
                    console=console or Console(stderr=True), transient=False)
