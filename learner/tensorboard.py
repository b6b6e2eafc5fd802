"""TensorBoard scalars of a run directory, the one writer every learning stage uses (`<run>/tensorboard/`)."""

from __future__ import annotations

from pathlib import Path

from torch.utils.tensorboard import SummaryWriter


def run_writer(run_dir: str | Path) -> SummaryWriter:
    """A writer for `<run_dir>/tensorboard`; close it (or use it as a context manager) when the stage ends."""
    return SummaryWriter(str(Path(run_dir) / "tensorboard"))
