"""Device choice shared by every torch learner: `auto` means the GPU when this process sees one."""

from __future__ import annotations

import torch


def pick_device(name: str) -> torch.device:
    """auto -> cuda if torch sees a GPU, else cpu; any other name is a torch device string (cpu, cuda, cuda:1)."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)
