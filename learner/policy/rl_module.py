"""`PixelPolicyRLModule`: the latent-action policy of DESIGN.md section 6 as an RLlib TorchRLModule.

Input: the 3-frame stack of raw distracted frames, uint8 [B, H, W, 3F] (oldest frame first), no masks. An IMPALA
CNN encodes it; `pi` outputs the mean of a diagonal Gaussian over the module's action space (latent actions z for latent BC, real
actions for BC on true labels); the BC learner regresses that mean with MSE (`mse_learner.py`). After latent BC, `decoder` (features -> real action) is trained on labelled
transitions with the encoder frozen; `act()` then returns real actions.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from ray.rllib.core.columns import Columns
from ray.rllib.core.rl_module.torch.torch_rl_module import TorchRLModule
from torch import nn

from learner.lam.augment import random_homography_warp
from learner.lam.config import FRAME_STACK
from learner.lam.impala import ImpalaEncoder
from learner.policy.config import PolicyModelConfig

LOG_STD_RANGE = (-5.0, 2.0)  # keeps the BC negative log-likelihood finite on near-constant targets


def default_model_config() -> dict:
    """The `model_config` keys the module reads (a plain dict: RLlib passes it through RLModuleSpec); the sizes
    default to `PolicyModelConfig`'s."""
    m = PolicyModelConfig()
    return {"channels": list(m.channels), "blocks": m.blocks, "frame_stack": FRAME_STACK, "size": 64,
            "feature_dim": m.feature_dim, "decoder_hidden": list(m.decoder_hidden), "real_action_dim": 0,
            "shift_px": m.shift_px}


def preprocess(obs: torch.Tensor) -> torch.Tensor:
    """uint8 [B, H, W, C] -> float [B, C, H, W] in [-0.5, 0.5] (RLlib hands uint8 images through unchanged)."""
    return obs.permute(0, 3, 1, 2).float().div(255.0).sub(0.5)


class PixelPolicyRLModule(TorchRLModule):
    def setup(self) -> None:
        cfg = {**default_model_config(), **(self.model_config or {})}
        h, w, c = self.observation_space.shape
        if c != 3 * cfg["frame_stack"]:
            raise ValueError(f"observation has {c} channels, expected 3 * frame_stack = {3 * cfg['frame_stack']}")
        self.encoder = ImpalaEncoder(c, tuple(cfg["channels"]), cfg["blocks"])
        side_h, side_w = h // 2 ** len(cfg["channels"]), w // 2 ** len(cfg["channels"])
        self.features = nn.Sequential(nn.Flatten(), nn.Linear(self.encoder.out_channels * side_h * side_w,
                                                              cfg["feature_dim"]), nn.ReLU())
        out_dim = int(np.prod(self.action_space.shape))
        self.pi = nn.Linear(cfg["feature_dim"], out_dim)
        self.log_std = nn.Parameter(torch.zeros(out_dim))
        real = int(cfg["real_action_dim"])
        # The decoder exists from the start so checkpoints always hold the same parameter set.
        hidden = cfg["decoder_hidden"] if isinstance(cfg["decoder_hidden"], (list, tuple)) else [cfg["decoder_hidden"]]
        layers, din = [], cfg["feature_dim"]
        for h in hidden:
            layers += [nn.Linear(din, h), nn.ReLU()]
            din = h
        self.decoder = nn.Sequential(*layers, nn.Linear(din, real)) if real else None

    def encode(self, obs: torch.Tensor) -> torch.Tensor:
        return self.features(self.encoder(preprocess(obs)))

    def _forward(self, batch: dict[str, Any], **kwargs) -> dict[str, Any]:
        return self._outputs(self.encode(batch[Columns.OBS]))

    def _forward_train(self, batch: dict[str, Any], **kwargs) -> dict[str, Any]:
        x = preprocess(batch[Columns.OBS])
        shift = float(self.model_config.get("shift_px", 0.0)) if self.model_config else 0.0
        if shift > 0:  # one random translation per stack: BC on ~20k frames overfits without it
            x = random_homography_warp(x, shift=2.0 * shift / x.shape[-1], rotate_deg=0.0, perspective=0.0)
        return self._outputs(self.features(self.encoder(x)))

    def _outputs(self, feats: torch.Tensor) -> dict[str, Any]:
        mean = self.pi(feats)
        log_std = self.log_std.clamp(*LOG_STD_RANGE).expand_as(mean)
        return {Columns.ACTION_DIST_INPUTS: torch.cat([mean, log_std], dim=-1)}

    @torch.no_grad()
    def act(self, obs: np.ndarray) -> np.ndarray:
        """Deterministic real action for one uint8 observation [H, W, C] (the decoder's output when it has one)."""
        x = torch.from_numpy(np.ascontiguousarray(obs))[None]
        feats = self.encode(x)
        out = self.decoder(feats) if self.decoder is not None else self.pi(feats)
        return out[0].numpy()
