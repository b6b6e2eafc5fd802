"""Atomic checkpoints: written to a temporary file, fsynced, renamed; `latest` points at the newest.

Loading unpickles tensors and plain containers only (`torch.load(weights_only=True)`): a checkpoint file can
never run code. A truncated or corrupt newest checkpoint falls back to the newest intact one, with a warning.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

import torch

from common.files import atomic_write_bytes

log = logging.getLogger("masklam.checkpoint")


def save_checkpoint(state: dict, directory: str | Path, step: int, keep: int = 3, keep_every: int = 0) -> Path:
    """Write ckpt-<step>.pt atomically and point `latest` at it; older ones are deleted except the newest `keep`
    and, when `keep_every` > 0, those whose step is a multiple of it (the points of a learning curve)."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    torch.save(state, buf)
    path = d / f"ckpt-{step:09d}.pt"
    atomic_write_bytes(path, buf.getvalue())
    atomic_write_bytes(d / "latest", path.name.encode())
    for old in sorted(d.glob("ckpt-*.pt"))[:-keep]:
        if keep_every > 0 and checkpoint_step(old) % keep_every == 0:
            continue
        old.unlink(missing_ok=True)
    return path


def checkpoint_step(path: Path) -> int:
    """The update count in a checkpoint's name (ckpt-000002000.pt -> 2000)."""
    return int(path.stem.split("-", 1)[1])


def kept_checkpoints(directory: str | Path) -> list[Path]:
    """Every checkpoint file in `directory`, oldest first."""
    return sorted(Path(directory).glob("ckpt-*.pt"), key=checkpoint_step)


def load_checkpoint(path: str | Path) -> dict:
    """One checkpoint (tensors and plain data only)."""
    return torch.load(path, map_location="cpu", weights_only=True)


def load_latest(directory: str | Path) -> dict | None:
    """The newest checkpoint that loads (tensors and plain data only); None when the directory holds none."""
    d = Path(directory)
    candidates = sorted(d.glob("ckpt-*.pt"), reverse=True)
    pointer = d / "latest"
    if pointer.exists():  # the pointer's file first, then the rest newest first
        named = d / pointer.read_text().strip()
        candidates = [named] + [c for c in candidates if c != named]
    for path in candidates:
        try:
            return load_checkpoint(path)
        except Exception as exc:  # truncated, corrupt, or not tensors-only: try the next one
            log.warning("skipping unreadable checkpoint %s: %s", path, str(exc).splitlines()[0][:200])
    if candidates:
        raise ValueError(f"no readable checkpoint in {d} (tried {', '.join(c.name for c in candidates)})")
    return None
