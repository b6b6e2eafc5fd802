"""Device choice shared by every torch learner (`auto` means the GPU when this process sees one), and the one
hardware line every result file records."""

from __future__ import annotations

import os
import platform

import torch


def pick_device(name: str) -> torch.device:
    """auto -> cuda if torch sees a GPU, else cpu; any other name is a torch device string (cpu, cuda, cuda:1)."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def hardware() -> str:
    """e.g. 'x86_64, 2 CPUs (2 torch threads), no GPU': written beside every measured number."""
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return f"{platform.machine()}, {os.cpu_count()} CPUs ({torch.get_num_threads()} torch threads), {gpu}"
