"""LAPO and MaskLAM: an IDM infers z_t from (X_t, X_{t+1}); an FDM reconstructs x_{t+1} from (X_t, z_t).

MaskLAM differs in two switches: the loss is the batch-area-normalised masked MSE with the target frame's agent
mask, and (by default, as in the authors' code) both networks see the masks as extra input channels.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from learner.lam.batch import T_INDEX, TorchBlocks
from learner.lam.config import LAMModelConfig
from learner.lam.losses import lapo_loss, masklam_loss
from learner.lam.networks import ForwardDynamicsModel, InverseDynamicsModel


@dataclass
class ReconstructionSpec:
    """What distinguishes LAPO from MaskLAM variants."""

    masked_loss: bool = False
    """Weight the reconstruction by the target frame's agent mask (MaskLAM)."""
    mask_input: bool = False
    """Feed masks to the IDM and FDM as extra channels."""
    mask_source: str = "served"
    """served (segmentation service) | gt (simulator oracle)."""
    w_bg: float = 0.0
    """Background weight of the masked loss."""


class ReconstructionLAM(nn.Module):
    def __init__(self, model: LAMModelConfig, spec: ReconstructionSpec):
        super().__init__()
        self.model_cfg, self.spec = model, spec
        self.idm = InverseDynamicsModel(model, spec.mask_input)
        self.fdm = ForwardDynamicsModel(model, spec.mask_input)

    @property
    def needs_masks(self) -> bool:
        return self.spec.masked_loss or self.spec.mask_input

    def _obs(self, b: TorchBlocks, end: int) -> torch.Tensor:
        f = self.model_cfg.frame_stack
        return b.stack(end - f + 1, f, self.spec.mask_source if self.spec.mask_input else None)

    def latent(self, b: TorchBlocks, t: int = T_INDEX, k: int = 1) -> torch.Tensor:
        """z_t from (X_t, X_{t+k})."""
        return self.idm(self._obs(b, t), self._obs(b, t + k))

    def loss(self, b: TorchBlocks) -> tuple[torch.Tensor, torch.Tensor, dict[str, float]]:
        t = T_INDEX
        z = self.latent(b, t, 1)
        x_hat = self.fdm(self._obs(b, t), z)
        target = b.frames[:, t + 1]
        if self.spec.masked_loss:
            loss = masklam_loss(x_hat, target, b.masks[self.spec.mask_source][:, t + 1], self.spec.w_bg)
        else:
            loss = lapo_loss(x_hat, target)
        info = {}
        if self.idm.vq is not None:
            loss = loss + self.idm.aux_loss
            info["vq_loss"] = self.idm.aux_loss.item()
        with torch.no_grad():
            info["recon_mse"] = lapo_loss(x_hat, target).item()
        info["loss"] = loss.item()
        return loss, z, info
