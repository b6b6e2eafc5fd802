"""LAOM (and LAOM-Labels): latent-space prediction instead of pixel reconstruction.

A shared encoder e embeds 3-frame stacks; the IDM is an MLP on [e(X_t), e(X_{t+k})] with k ~ U{1..max_k}
(multi-step IDM); the FDM maps [stopgrad e(X_t), z] to the embedding of X_{t+1} under an EMA target encoder e'.
Every stack is randomly warped (shift, rotation, perspective). LAOM-Labels adds lambda * MSE(W z, a_t) on the
labelled blocks of each batch (at most `label_batch` of them).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from learner.lam.augment import random_homography_warp
from learner.lam.batch import T_INDEX, TorchBlocks
from learner.lam.config import LAMModelConfig
from learner.lam.impala import ImpalaEncoder


@dataclass
class LatentPredictionSpec:
    embed_dim: int = 256
    """Size of the encoder's embedding."""
    max_k: int = 9
    """IDM offset k ~ U{1..max_k} (the block must hold t + max_k)."""
    ema: float = 0.99
    """Target encoder update: e' <- ema * e' + (1 - ema) * e."""
    label_weight: float = 0.0
    """lambda of the supervised action head (0: plain LAOM)."""
    label_batch: int = 8
    """Most labelled blocks per step used by the action head."""
    action_dim: int = 0
    """Action size (needed when label_weight > 0)."""


def _mlp(din: int, dout: int, hidden: int = 256) -> nn.Sequential:
    return nn.Sequential(nn.Linear(din, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                         nn.Linear(hidden, dout))


class StackEncoder(nn.Module):
    def __init__(self, cfg: LAMModelConfig, embed_dim: int):
        super().__init__()
        self.cnn = ImpalaEncoder(3 * cfg.frame_stack, cfg.widths, cfg.blocks)
        side = cfg.size // 2 ** len(cfg.widths)
        self.proj = nn.Linear(self.cnn.out_channels * side * side, embed_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(self.cnn(x).flatten(1))


class LatentPredictionLAM(nn.Module):
    needs_masks = False

    def __init__(self, model: LAMModelConfig, spec: LatentPredictionSpec):
        super().__init__()
        self.model_cfg, self.spec = model, spec
        self.encoder = StackEncoder(model, spec.embed_dim)
        self.target_encoder = copy.deepcopy(self.encoder).requires_grad_(False)
        self.idm = _mlp(2 * spec.embed_dim, model.latent_dim)
        self.fdm = _mlp(spec.embed_dim + model.latent_dim, spec.embed_dim)
        self.action_head = nn.Linear(model.latent_dim, spec.action_dim) if spec.label_weight > 0 else None
        self.generator = torch.Generator().manual_seed(0)

    def _stack(self, b: TorchBlocks, end: int) -> torch.Tensor:
        f = self.model_cfg.frame_stack
        return b.stack(end - f + 1, f, None)

    def latent(self, b: TorchBlocks, t: int = T_INDEX, k: int = 1) -> torch.Tensor:
        return self.idm(torch.cat([self.encoder(self._stack(b, t)), self.encoder(self._stack(b, t + k))], dim=1))

    def loss(self, b: TorchBlocks) -> tuple[torch.Tensor, torch.Tensor, dict[str, float]]:
        t, s = T_INDEX, self.spec
        max_k = min(s.max_k, b.frames.shape[1] - 1 - t)
        k = int(torch.randint(1, max_k + 1, (1,), generator=self.generator))
        aug = lambda x: random_homography_warp(x, generator=self.generator)  # noqa: E731
        e_t, e_tk = self.encoder(aug(self._stack(b, t))), self.encoder(aug(self._stack(b, t + k)))
        z = self.idm(torch.cat([e_t, e_tk], dim=1))
        with torch.no_grad():
            target = self.target_encoder(aug(self._stack(b, t + 1)))
        pred = self.fdm(torch.cat([e_t.detach(), z], dim=1))
        loss = F.mse_loss(pred, target)
        info = {"latent_mse": loss.item()}
        if self.action_head is not None:
            idx = torch.nonzero(b.labelled).flatten()[: s.label_batch]
            if len(idx):
                label_loss = F.mse_loss(self.action_head(z[idx]), b.actions[idx, t])
                loss = loss + s.label_weight * label_loss
                info["label_mse"] = label_loss.item()
        info["loss"] = loss.item()
        # probes and labelling use z at k = 1, like every other method
        z1 = z if k == 1 else self.latent(b, t, 1)
        return loss, z1, info

    @torch.no_grad()
    def after_step(self) -> None:
        for p, tp in zip(self.encoder.parameters(), self.target_encoder.parameters()):
            tp.mul_(self.spec.ema).add_(p.detach(), alpha=1 - self.spec.ema)
