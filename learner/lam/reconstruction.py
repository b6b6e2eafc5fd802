"""LAPO and MaskLAM: an IDM infers z_t from (X_t, X_{t+k}); an FDM reconstructs x_{t+1} from (X_t, z_t).

MaskLAM differs in three switches: k ~ U{1..9} per sample (the authors' `future_obs_sampling`; the target stays
x_{t+1}), the loss is the batch-area-normalised masked MSE with the target frame's agent mask, and (by default, as
in the authors' code) both networks see the masks as extra input channels. LAPO, as its authors run it, uses k = 1;
`masklam_k1` is MaskLAM's k = 1 ablation. Labelling and probing always use k = 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from learner.lam.batch import T_INDEX, TorchBlocks
from learner.lam.config import LAMModelConfig
from learner.lam.losses import lapo_loss, masklam_loss
from learner.lam.method import LAMMethod, MethodStep, orthogonal_init, sample_offsets
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
    max_k: int = 1
    """IDM offset k ~ U{1..max_k} per training sample (1: LAPO and the k=1 ablations; 9: MaskLAM)."""

    @property
    def mask_read(self) -> str | None:
        """The mask source the method reads at all (loss or input), None for LAPO."""
        return self.mask_source if (self.masked_loss or self.mask_input) else None


class ReconstructionLAM(LAMMethod):
    def __init__(self, model: LAMModelConfig, spec: ReconstructionSpec, seed: int = 0):
        super().__init__()
        self.model_cfg, self.spec = model, spec
        self.max_k = spec.max_k
        self.mask_source = spec.mask_read
        self.idm = InverseDynamicsModel(model, spec.mask_input)
        self.fdm = ForwardDynamicsModel(model, spec.mask_input)
        # outputs: z (linear), the latent's injection (added to the bottleneck), the frame (small: starts near 0)
        orthogonal_init(self, {self.idm.head: 1.0, self.fdm.inject: 1.0, self.fdm.out: 0.01})
        self.generator = torch.Generator().manual_seed(seed)

    @property
    def latent_dim(self) -> int:
        return self.model_cfg.latent_dim

    def _input_masks(self) -> str | None:
        return self.spec.mask_source if self.spec.mask_input else None

    def _obs(self, b: TorchBlocks, end: int) -> torch.Tensor:
        f = self.model_cfg.frame_stack
        return b.stack(end - f + 1, f, self._input_masks())

    def latent(self, b: TorchBlocks) -> torch.Tensor:
        """z_t from (X_t, X_{t+1})."""
        return self.idm(self._obs(b, T_INDEX), self._obs(b, T_INDEX + 1))

    def step(self, b: TorchBlocks) -> MethodStep:
        t = T_INDEX
        obs_t = self._obs(b, t)
        if self.max_k == 1:
            k = torch.ones(b.batch_size, dtype=torch.long, device=b.frames.device)
            obs_tk = self._obs(b, t + 1)
        else:
            k = sample_offsets(b.batch_size, self.max_k, self.generator, b.frames.device)
            obs_tk = b.stack_ending_at(t + k, self.model_cfg.frame_stack, self._input_masks())
        z = self.idm(obs_t, obs_tk)
        x_hat = self.fdm(obs_t, z).float()  # losses in fp32 under autocast
        target = b.frame(t + 1)  # x_{t+1}, whatever k is
        if self.spec.masked_loss:
            loss = masklam_loss(x_hat, target, b.mask(self.spec.mask_source, t + 1), self.spec.w_bg)
        else:
            loss = lapo_loss(x_hat, target)
        info = {}
        if self.idm.vq is not None:
            loss = loss + self.idm.aux_loss
            info["vq_loss"] = self.idm.aux_loss.item()
        with torch.no_grad():
            info["recon_mse"] = lapo_loss(x_hat, target).item()
        info["loss"] = loss.item()
        rows = k == 1
        return MethodStep(loss, z[rows], rows, k, info)
