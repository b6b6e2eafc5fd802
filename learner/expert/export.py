"""Export a SAC RLModule's deterministic policy to the actors' npz MLP format (see actors/policies.py).

The module's pi_encoder (Linear+ReLU stack) and pi head (Linear -> [mean, log_std]) become dense layers
w0, b0, ...; only the mean half of the head is kept. RLlib's squashed Gaussian maps the mean through tanh to the
action bounds, which is the npz format's `squash`.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import torch

from actors.shards import atomic_write_bytes


def module_dense_layers(module: torch.nn.Module, action_dim: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """[(w [in,out], b [out]), ...] of the policy path: pi_encoder's Linears then pi's Linears (mean half)."""
    linears = [m for m in module.pi_encoder.modules() if isinstance(m, torch.nn.Linear)]
    head = [m for m in module.pi.modules() if isinstance(m, torch.nn.Linear)]
    if not linears or not head:
        raise ValueError("module has no pi_encoder/pi Linear layers: not a default SAC RLModule?")
    for m in module.pi_encoder.modules():
        if isinstance(m, (torch.nn.Tanh, torch.nn.LayerNorm, torch.nn.Dropout)):
            raise ValueError(f"unsupported layer {type(m).__name__} in pi_encoder (export expects Linear+ReLU)")
    layers = [(lin.weight.detach().cpu().numpy().T.copy(), lin.bias.detach().cpu().numpy().copy())
              for lin in linears + head]
    w, b = layers[-1]
    if w.shape[1] != 2 * action_dim:
        raise ValueError(f"pi head outputs {w.shape[1]} values, expected 2 x {action_dim} (mean, log_std)")
    layers[-1] = (w[:, :action_dim].copy(), b[:action_dim].copy())
    return layers


def export_npz(module: torch.nn.Module, action_dim: int, path: str | Path) -> Path:
    """Write the deterministic policy to `path` atomically."""
    layers = module_dense_layers(module, action_dim)
    arrays: dict[str, np.ndarray] = {}
    for i, (w, b) in enumerate(layers):
        arrays[f"w{i}"], arrays[f"b{i}"] = w.astype(np.float32), b.astype(np.float32)
    arrays["activation"] = np.array("relu")
    arrays["squash"] = np.array(True)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, buf.getvalue())
    return path


def module_deterministic_actions(module: torch.nn.Module, obs: np.ndarray, low: np.ndarray,
                                 high: np.ndarray) -> np.ndarray:
    """Deterministic actions straight from the RLModule (the reference for the export round-trip)."""
    from ray.rllib.core.columns import Columns

    with torch.no_grad():
        out = module.forward_inference({Columns.OBS: torch.as_tensor(obs, dtype=torch.float32)})
    mean = out[Columns.ACTION_DIST_INPUTS][:, : low.shape[0]].numpy()
    return (low + (np.tanh(mean) + 1.0) * 0.5 * (high - low)).astype(np.float32)
