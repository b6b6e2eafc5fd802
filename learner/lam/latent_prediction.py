"""LAOM (and LAOM-Labels): latent-space prediction instead of pixel reconstruction (DESIGN.md section 5).

A shared encoder e embeds 3-frame stacks (flattened IMPALA features, as LAOM); the IDM is an MLP on
[e(X_t), e(X_{t+k})] with k ~ U{1..10} per sample (multi-step IDM); the FDM maps [stopgrad e(X_t), z] to the
embedding of X_{t+1} under an EMA target encoder e' (tau 0.001). Every image gets its own random choice of
augmentations (none, shift, rotation, perspective and their compositions); `LAOMConfig.augment` can instead
share one warp across a sample's stacks, or switch augmentation off. LAOM-Labels adds
lambda * MSE(W z, a_t) on up to `label_fraction` of the batch's labelled rows (LAOM: lambda 0.001, 128 of 512).
"""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import nn

from learner.lam.augment import random_augment
from learner.lam.batch import T_INDEX, TorchBlocks
from learner.lam.config import LAMModelConfig, LAOMConfig
from learner.lam.impala import ImpalaEncoder
from learner.lam.method import LAMMethod, MethodStep, orthogonal_init, sample_offsets


def _mlp(din: int, dout: int, hidden: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(din, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                         nn.Linear(hidden, dout))


class StackEncoder(nn.Module):
    """IMPALA CNN on a frame stack -> its flattened feature map (LAOM's embedding)."""

    def __init__(self, cfg: LAMModelConfig):
        super().__init__()
        self.cnn = ImpalaEncoder(3 * cfg.frame_stack, cfg.widths, cfg.blocks)
        side = cfg.size // 2 ** len(cfg.widths)
        self.out_dim = self.cnn.out_channels * side * side

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.cnn(x).flatten(1)


class LatentPredictionLAM(LAMMethod):
    def __init__(self, model: LAMModelConfig, laom: LAOMConfig, action_dim: int, with_labels: bool, seed: int = 0):
        super().__init__()
        self.model_cfg, self.cfg = model, laom
        self.max_k = laom.max_k
        self.encoder = StackEncoder(model)
        e = self.encoder.out_dim
        self.idm = _mlp(2 * e, laom.latent_dim, laom.hidden)
        self.fdm = _mlp(e + laom.latent_dim, e, laom.hidden)
        self.action_head = nn.Linear(laom.latent_dim, action_dim) if with_labels else None
        outputs = {self.idm[-1]: 1.0, self.fdm[-1]: 1.0}
        if self.action_head is not None:
            outputs[self.action_head] = 0.01
        orthogonal_init(self, outputs)
        self.target_encoder = copy.deepcopy(self.encoder).requires_grad_(False)
        self.generator = torch.Generator().manual_seed(seed)

    @property
    def latent_dim(self) -> int:
        return self.cfg.latent_dim

    def _stack(self, b: TorchBlocks, end: int) -> torch.Tensor:
        f = self.model_cfg.frame_stack
        return b.stack(end - f + 1, f, None)

    def latent(self, b: TorchBlocks) -> torch.Tensor:
        t = T_INDEX
        return self.idm(torch.cat([self.encoder(self._stack(b, t)), self.encoder(self._stack(b, t + 1))], dim=1))

    def step(self, b: TorchBlocks) -> MethodStep:
        t, n = T_INDEX, b.batch_size
        k = sample_offsets(n, min(self.max_k, b.length - 1 - t), self.generator, b.frames.device)
        x_t, x_tk, x_next = self._augmented(self._stack(b, t), b.stack_ending_at(t + k, self.model_cfg.frame_stack,
                                                                                None), self._stack(b, t + 1))
        # one encoder pass over both stacks
        e_t, e_tk = self.encoder(torch.cat([x_t, x_tk])).split(n)
        z = self.idm(torch.cat([e_t, e_tk], dim=1))
        with torch.no_grad():
            target = self.target_encoder(x_next)
        pred = self.fdm(torch.cat([e_t.detach(), z], dim=1))
        loss = F.mse_loss(pred.float(), target.float())
        info = {"latent_mse": loss.item()}
        if self.action_head is not None:
            idx = torch.nonzero(b.labelled).flatten()[: max(1, int(self.cfg.label_fraction * n))]
            if len(idx):
                label_loss = F.mse_loss(self.action_head(z[idx]).float(), b.actions[idx, t])
                loss = loss + self.cfg.label_weight * label_loss
                info["label_mse"] = label_loss.item()
        info["loss"] = loss.item()
        rows = k == 1  # the online probe reads the k = 1 rows: no second IDM pass
        return MethodStep(loss, z[rows], rows, k, info)

    def _augmented(self, *stacks: torch.Tensor) -> list[torch.Tensor]:
        mode = self.cfg.augment
        if mode == "none":
            return list(stacks)
        if mode == "independent":
            return [random_augment(x, generator=self.generator) for x in stacks]
        # shared: one warp per sample over all its stacks (channels side by side), so frame-to-frame motion stays
        c = stacks[0].shape[1]
        return list(random_augment(torch.cat(stacks, dim=1), generator=self.generator).split(c, dim=1))

    @torch.no_grad()
    def after_step(self) -> None:
        tau = self.cfg.ema_tau
        # e' <- e' + tau (e - e'), all tensors in one foreach call
        torch._foreach_lerp_(list(self.target_encoder.parameters()), [p.detach() for p in self.encoder.parameters()],
                             tau)
