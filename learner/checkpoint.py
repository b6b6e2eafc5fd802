"""Atomic checkpoints: written to a temporary file, fsynced, renamed; `latest` points at the newest."""

from __future__ import annotations

import io
from pathlib import Path

import torch

from actors.shards import atomic_write_bytes


def save_checkpoint(state: dict, directory: str | Path, step: int, keep: int = 3) -> Path:
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    torch.save(state, buf)
    path = d / f"ckpt-{step:09d}.pt"
    atomic_write_bytes(path, buf.getvalue())
    atomic_write_bytes(d / "latest", path.name.encode())
    for old in sorted(d.glob("ckpt-*.pt"))[:-keep]:
        old.unlink(missing_ok=True)
    return path


def load_latest(directory: str | Path) -> dict | None:
    d = Path(directory)
    pointer = d / "latest"
    if not pointer.exists():
        return None
    return torch.load(d / pointer.read_text().strip(), map_location="cpu", weights_only=False)
