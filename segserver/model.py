"""One onnxruntime session for the served model, with explicit provider choice and warm-up."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import numpy as np
import onnxruntime as ort

log = logging.getLogger("segserver.model")
CPU, CUDA = "CPUExecutionProvider", "CUDAExecutionProvider"


def gpu_present() -> bool:
    """An NVIDIA driver is loaded. Asking onnxruntime-gpu for CUDA without one prints a libcublas/cuDNN error and
    falls back; checking first keeps a CPU box quiet and the provider choice explicit."""
    return Path("/proc/driver/nvidia/version").exists() or Path("/dev/nvidiactl").exists()


def choose_providers(preference: str) -> list[str]:
    available = ort.get_available_providers()
    if preference == "cpu":
        return [CPU]
    if preference == "cuda":
        if CUDA not in available:
            raise RuntimeError(f"providers=cuda but this onnxruntime offers only {available}")
        return [CUDA, CPU]
    return [CUDA, CPU] if CUDA in available and gpu_present() else [CPU]


class OnnxSegmenter:
    """Runs the mask model on uint8 NHWC frames and returns {0,1} uint8 masks (N, H, W)."""

    def __init__(self, path: str | Path, providers: str = "auto", threads: int = 0, threshold: float = 0.5,
                 cpu_arena: bool = True):
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"segmentation model {self.path} does not exist")
        data = self.path.read_bytes()
        self.version = f"{self.path.stem}-{hashlib.sha256(data).hexdigest()[:12]}"
        opts = ort.SessionOptions()
        opts.log_severity_level = 3  # errors only; provider fallbacks are reported by us, below
        # onnxruntime's CPU arena keeps the largest batch's activations for good (2.1 GB after one 4M-pixel batch,
        # measured). It stays on because it is worth 1.3-1.5x frames/s, and the batcher bounds it: no model batch
        # exceeds max_batch_pixels, so the arena never holds more than one such batch (segserver/README.md)
        opts.enable_cpu_mem_arena = cpu_arena
        if threads:
            opts.intra_op_num_threads = threads
            opts.inter_op_num_threads = 1
        requested = choose_providers(providers)
        self.session = ort.InferenceSession(data, sess_options=opts, providers=requested)
        self.provider = self.session.get_providers()[0]
        if requested[0] != self.provider:
            log.warning("asked for %s, running on %s", requested[0], self.provider)
        self.available_providers = ort.get_available_providers()
        inp = self.session.get_inputs()[0]
        if len(inp.shape) != 4 or inp.shape[1] not in (3, "3"):
            raise ValueError(f"{self.path}: input must be [B,3,H,W], got {inp.shape}")
        self.input_name = inp.name
        self.threshold = threshold
        card = self.path.with_suffix(".json")
        self.card_json = card.read_text() if card.is_file() else ""

    def warm_up(self, size: int = 64, batch: int = 8) -> None:
        self.predict(np.zeros((batch, size, size, 3), np.uint8))

    def probabilities(self, frames: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(frames.transpose(0, 3, 1, 2), dtype=np.float32)
        x *= 1.0 / 255.0
        return self.session.run(None, {self.input_name: x})[0][:, 0]

    def predict(self, frames: np.ndarray) -> np.ndarray:
        return (self.probabilities(frames) > self.threshold).astype(np.uint8)
