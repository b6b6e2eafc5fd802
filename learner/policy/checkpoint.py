"""The policy checkpoint: one atomically written file with the module's weights and how to rebuild it."""

from __future__ import annotations

import io
from pathlib import Path

import torch

from common.files import atomic_write_bytes
from learner.policy.bc import observation_space, target_space
from learner.policy.rl_module import PixelPolicyRLModule

FORMAT = "masklam-pixel-policy/2"  # /2: MSE-trained, decoder MLP [256, 256]


def save_policy(module: PixelPolicyRLModule, path: str | Path, meta: dict) -> Path:
    """`meta` must say how the observation was built: task, preset, size, frame_stack (and may add anything)."""
    for key in ("task", "preset", "size", "frame_stack"):
        if key not in meta:
            raise ValueError(f"policy metadata needs {key!r}")
    blob = {"format": FORMAT, "state_dict": module.state_dict(), "model_config": dict(module.model_config),
            "target_dim": int(module.action_space.shape[0]), "meta": meta}
    buf = io.BytesIO()
    torch.save(blob, buf)
    atomic_write_bytes(Path(path), buf.getvalue())
    return Path(path)


def load_policy(path: str | Path) -> tuple[PixelPolicyRLModule, dict]:
    """Rebuild the module without RLlib's algorithm; returns it (eval mode) and the metadata."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no policy checkpoint at {path}")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)  # tensors and plain data: no code
    except Exception as e:  # truncated or foreign file: say which file, keep the cause
        raise ValueError(f"{path} is not a readable policy checkpoint: {e}") from e
    if not isinstance(blob, dict) or blob.get("format") != FORMAT:
        raise ValueError(f"{path} is not a masklam policy checkpoint (expected format {FORMAT})")
    meta = blob["meta"]
    module = PixelPolicyRLModule(observation_space=observation_space(meta["size"], meta["frame_stack"]),
                                 action_space=target_space(blob["target_dim"]), model_config=blob["model_config"])
    module.load_state_dict(blob["state_dict"])
    module.eval()
    return module, meta
