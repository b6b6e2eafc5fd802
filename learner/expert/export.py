"""Export an RLlib expert's deterministic policy to the actors' npz MLP format (see actors/policies.py).

SAC: the module's pi_encoder (Linear+ReLU) and pi head (Linear -> [mean, log_std]) become dense layers w0, b0, ...;
only the mean half of the head is kept. RLlib's squashed Gaussian maps the mean through tanh to the action bounds,
which is the npz format's `squash`.

PPO: the actor encoder (Linear+tanh) and pi head, mean half. RLlib clips the Gaussian mean to [-1, 1] and maps it
linearly to the bounds (normalize_actions); that affine map is folded into the last layer (clipping commutes with
it), so the npz has squash=False. The MeanStdFilter's running mean/std and clip travel as obs_mean/obs_std/obs_clip.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import torch

from common.files import atomic_write_bytes

def _linears(module: torch.nn.Module, allowed_activation: type) -> list[torch.nn.Linear]:
    for m in module.modules():
        if isinstance(m, (torch.nn.Tanh, torch.nn.ReLU, torch.nn.LayerNorm, torch.nn.Dropout)) \
                and not isinstance(m, allowed_activation):
            raise ValueError(f"unsupported layer {type(m).__name__} (export expects Linear+{allowed_activation.__name__})")
    return [m for m in module.modules() if isinstance(m, torch.nn.Linear)]


def _mean_half(layers: list[tuple[np.ndarray, np.ndarray]], action_dim: int) -> list[tuple[np.ndarray, np.ndarray]]:
    w, b = layers[-1]
    if w.shape[1] != 2 * action_dim:
        raise ValueError(f"pi head outputs {w.shape[1]} values, expected 2 x {action_dim} (mean, log_std)")
    return layers[:-1] + [(w[:, :action_dim].copy(), b[:action_dim].copy())]


def _as_numpy(linears: list[torch.nn.Linear]) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(lin.weight.detach().cpu().numpy().T.copy(), lin.bias.detach().cpu().numpy().copy()) for lin in linears]


def module_dense_layers(module: torch.nn.Module, action_dim: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """[(w [in,out], b [out]), ...] of a SAC module's policy path: pi_encoder's Linears then pi's (mean half)."""
    if not hasattr(module, "pi_encoder"):
        raise ValueError("module has no pi_encoder: not a default SAC RLModule?")
    linears = _linears(module.pi_encoder, torch.nn.ReLU) + _linears(module.pi, torch.nn.ReLU)
    return _mean_half(_as_numpy(linears), action_dim)


def _write_npz(path: str | Path, layers: list[tuple[np.ndarray, np.ndarray]], **extra: np.ndarray) -> Path:
    arrays: dict[str, np.ndarray] = {}
    for i, (w, b) in enumerate(layers):
        arrays[f"w{i}"], arrays[f"b{i}"] = w.astype(np.float32), b.astype(np.float32)
    arrays.update(extra)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, buf.getvalue())
    return path


def export_npz(module: torch.nn.Module, action_dim: int, path: str | Path) -> Path:
    """Write a SAC module's deterministic policy to `path` atomically."""
    return _write_npz(path, module_dense_layers(module, action_dim), activation=np.array("relu"),
                      squash=np.array(True))


def module_deterministic_actions(module: torch.nn.Module, obs: np.ndarray, low: np.ndarray,
                                 high: np.ndarray) -> np.ndarray:
    """Deterministic actions straight from a SAC RLModule (the reference for the export round-trip)."""
    from ray.rllib.core.columns import Columns

    with torch.no_grad():
        out = module.forward_inference({Columns.OBS: torch.as_tensor(obs, dtype=torch.float32)})
    mean = out[Columns.ACTION_DIST_INPUTS][:, : low.shape[0]].numpy()
    return (low + (np.tanh(mean) + 1.0) * 0.5 * (high - low)).astype(np.float32)


def ppo_dense_layers(module: torch.nn.Module, low: np.ndarray, high: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """A PPO module's actor path with RLlib's [-1, 1] -> [low, high] action map folded into the last layer."""
    encoder = getattr(getattr(module, "encoder", None), "actor_encoder", None)
    if encoder is None:
        raise ValueError("module has no encoder.actor_encoder: not a default PPO RLModule?")
    layers = _mean_half(_as_numpy(_linears(encoder, torch.nn.Tanh) + _linears(module.pi, torch.nn.Tanh)),
                        low.shape[0])
    scale, shift = (high - low) / 2.0, (high + low) / 2.0
    w, b = layers[-1]
    layers[-1] = (w * scale[None, :], b * scale + shift)
    return layers


def export_ppo_npz(module: torch.nn.Module, obs_filter: Any, low: np.ndarray, high: np.ndarray,
                   path: str | Path) -> Path:
    """Write a PPO module + its observation filter (RLlib's MeanStdFilter) as one npz, atomically."""
    from ray.rllib.utils.numpy import SMALL_NUMBER  # the filter divides by (std + SMALL_NUMBER)

    stats = obs_filter.running_stats
    return _write_npz(path, ppo_dense_layers(module, low, high), activation=np.array("tanh"), squash=np.array(False),
                      obs_mean=np.asarray(stats.mean, np.float32),
                      obs_std=np.asarray(stats.std + SMALL_NUMBER, np.float32),
                      obs_clip=np.array(float(obs_filter.clip)))


def ppo_deterministic_actions(module: torch.nn.Module, obs_filter: Any, obs: np.ndarray,
                              action_space: Any) -> np.ndarray:
    """Deterministic actions through RLlib's own pieces: the filter (no update), the module, the inference
    distribution's deterministic sample, and unsquash_action (the reference for the export round-trip)."""
    from ray.rllib.core.columns import Columns
    from ray.rllib.utils.spaces.space_utils import unsquash_action

    x = obs_filter(np.asarray(obs, np.float32), update=False)
    with torch.no_grad():
        out = module.forward_inference({Columns.OBS: torch.as_tensor(x, dtype=torch.float32)})
        dist = module.get_inference_action_dist_cls().from_logits(out[Columns.ACTION_DIST_INPUTS])
        actions = dist.to_deterministic().sample().numpy()
    return np.stack([unsquash_action(a, action_space) for a in actions]).astype(np.float32)
