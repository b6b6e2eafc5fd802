"""The role every LAM method plays for the learner: `LAMMethod` (RLlib-style role class instead of duck typing)."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field

import torch
from torch import nn

from learner.lam.batch import T_INDEX, TorchBlocks


@dataclass
class MethodStep:
    """What one training step of a method hands back to the learner."""

    loss: torch.Tensor
    """The scalar to minimise."""
    z: torch.Tensor
    """Latents of the rows in `probe_rows` (k = 1), for the online probe."""
    probe_rows: torch.Tensor
    """bool [B]: the rows whose latent was inferred at k = 1."""
    k: torch.Tensor | None = None
    """long [B]: the IDM offset each row was trained with."""
    info: dict[str, float] = field(default_factory=dict)
    """Scalars to log (`loss` is added by the method)."""


class LAMMethod(nn.Module, abc.ABC):
    """A latent action model trained by the side-by-side learner."""

    max_k: int = 1
    """Largest IDM offset k the method trains with (k ~ U{1..max_k} per sample)."""
    mask_source: str | None = None
    """Mask channel/loss source the method reads: "served", "gt" or None."""
    generator: torch.Generator
    """The method's own sampling generator (offsets k, augmentations); checkpointed with it."""

    @property
    def needs_masks(self) -> bool:
        return self.mask_source is not None

    @property
    def frames_needed(self) -> int:
        """Leading frames of a block the method reads: X_t (t = T_INDEX) and X_{t+max_k}."""
        return T_INDEX + self.max_k + 1

    @property
    @abc.abstractmethod
    def latent_dim(self) -> int:
        """Size of z."""

    @abc.abstractmethod
    def latent(self, b: TorchBlocks) -> torch.Tensor:
        """z_t at k = 1 (labelling and probing)."""

    @abc.abstractmethod
    def step(self, b: TorchBlocks) -> MethodStep:
        """One training step's loss, the k = 1 latents for the online probe, and scalars to log."""

    def after_step(self) -> None:
        """Called after each optimiser step (e.g. EMA target updates)."""


def sample_offsets(batch: int, max_k: int, generator: torch.Generator, device: torch.device) -> torch.Tensor:
    """k ~ U{1..max_k}, one per sample (the authors' `future_obs_sampling`)."""
    return torch.randint(1, max_k + 1, (batch,), generator=generator).to(device)


def orthogonal_init(module: nn.Module, outputs: dict[nn.Module, float] | None = None) -> None:
    """Orthogonal weights and zero biases on every conv and linear layer, as the authors' code initialises its
    networks: gain sqrt 2 for layers that feed a ReLU, and the given gain for output layers (`outputs`).

    The output gains matter: with sqrt 2 everywhere, 35-95% of the FDM's tanh outputs started saturated (measured),
    and a method whose outputs all saturate never learns (its masked loss stayed flat at 0.93).
    """
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.orthogonal_(m.weight, gain=2 ** 0.5)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    for m, gain in (outputs or {}).items():
        nn.init.orthogonal_(m.weight, gain=gain)
