"""Latent-to-real action decoder: an MLP on the frozen policy encoder's features, fitted on N labelled transitions
(DESIGN.md section 6: MLP [256, 256], AdamW, cosine schedule, grad-clip 1; validated on held-out episodes)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import torch

from learner.policy.rl_module import PixelPolicyRLModule


@torch.no_grad()
def encoder_features(module: PixelPolicyRLModule, obs: Iterable[np.ndarray], batch: int = 256) -> torch.Tensor:
    module.eval()
    out = [module.encode(torch.from_numpy(o[i:i + batch])) for o in obs for i in range(0, len(o), batch)]
    return torch.cat(out) if out else torch.zeros((0, module.pi.in_features))


def _nmse(pred: torch.Tensor, target: torch.Tensor) -> float:
    return float(((pred - target) ** 2).mean() / target.var(0, unbiased=False).mean().clamp(min=1e-12))


def fit_decoder(module: PixelPolicyRLModule, feats: torch.Tensor, actions: np.ndarray, val_feats: torch.Tensor,
                val_actions: np.ndarray, steps: int, lr: float, batch_size: int, seed: int,
                weight_decay: float = 0.01) -> dict[str, float]:
    """Train `module.decoder` (encoder frozen), from a fresh init seeded by `seed`, on encoder features -> actions;
    validate on other episodes' features.

    Returns the training MSE of the first and last step, and the held-out MSE and action NMSE.
    """
    if module.decoder is None:
        raise ValueError("the module was built without a decoder (model_config.real_action_dim is 0)")
    if len(feats) < 2:
        raise ValueError(f"the decoder needs at least 2 labelled transitions, got {len(feats)}")
    gen = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):  # a fresh seeded decoder: a refit from a saved BC stage is the same fit
        torch.manual_seed(seed)
        for layer in module.decoder:
            if hasattr(layer, "reset_parameters"):
                layer.reset_parameters()
    target = torch.from_numpy(np.asarray(actions, np.float32))
    opt = torch.optim.AdamW(module.decoder.parameters(), lr=lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * min(1.0, s / steps))))
    module.decoder.train()
    first = last = float("nan")
    for step in range(steps):
        idx = torch.randint(len(feats), (min(batch_size, len(feats)),), generator=gen)
        loss = torch.nn.functional.mse_loss(module.decoder(feats[idx]), target[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(module.decoder.parameters(), 1.0)
        opt.step()
        sched.step()
        last = loss.item()
        first = last if step == 0 else first
    module.decoder.eval()
    out = {"decoder_mse_first": first, "decoder_mse_last": last, "decoder_transitions": int(len(feats))}
    with torch.no_grad():
        if len(val_feats):
            vt = torch.from_numpy(np.asarray(val_actions, np.float32))
            pred = module.decoder(val_feats)
            out.update(decoder_mse_val=float(torch.nn.functional.mse_loss(pred, vt)), decoder_nmse_val=_nmse(pred, vt))
        else:
            out.update(decoder_mse_val=float("nan"), decoder_nmse_val=float("nan"))
    return out
