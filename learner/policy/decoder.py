"""Latent-to-real action decoder: an MLP on the frozen policy encoder's features, fitted on N labelled transitions."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import torch

from learner.policy.rl_module import PixelPolicyRLModule


@torch.no_grad()
def encoder_features(module: PixelPolicyRLModule, obs: Iterable[np.ndarray], batch: int = 256) -> torch.Tensor:
    module.eval()
    out = [module.encode(torch.from_numpy(o[i:i + batch])) for o in obs for i in range(0, len(o), batch)]
    return torch.cat(out)


def fit_decoder(module: PixelPolicyRLModule, obs: np.ndarray, actions: np.ndarray, steps: int, lr: float,
                batch_size: int, seed: int) -> dict[str, float]:
    """Train `module.decoder` (encoder frozen) to map features of `obs` uint8 [N, H, W, C] to `actions` [N, A].

    The features are computed once (the encoder is frozen), so each step costs only the MLP. Returns the MSE on
    the first and last step and on a 10% held-out split of the labelled transitions.
    """
    if module.decoder is None:
        raise ValueError("the module was built without a decoder (model_config.real_action_dim is 0)")
    if len(obs) < 2:
        raise ValueError(f"the decoder needs at least 2 labelled transitions, got {len(obs)}")
    gen = torch.Generator().manual_seed(seed)
    feats = encoder_features(module, [obs])
    target = torch.from_numpy(np.asarray(actions, np.float32))
    perm = torch.randperm(len(feats), generator=gen)
    n_val = max(1, len(feats) // 10)
    val, train = perm[:n_val], perm[n_val:]
    opt = torch.optim.Adam(module.decoder.parameters(), lr=lr)
    module.decoder.train()
    first = last = float("nan")
    for step in range(steps):
        idx = train[torch.randint(len(train), (min(batch_size, len(train)),), generator=gen)]
        loss = torch.nn.functional.mse_loss(module.decoder(feats[idx]), target[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        last = loss.item()
        first = last if step == 0 else first
    module.decoder.eval()
    with torch.no_grad():
        val_mse = float(torch.nn.functional.mse_loss(module.decoder(feats[val]), target[val]))
    return {"decoder_mse_first": first, "decoder_mse_last": last, "decoder_mse_val": val_mse,
            "decoder_transitions": int(len(obs))}
