"""The LAM methods by name. Several train side by side on the same batches in one learner."""

from __future__ import annotations

from torch import nn

from learner.lam.config import LAMModelConfig
from learner.lam.latent_prediction import LatentPredictionLAM, LatentPredictionSpec
from learner.lam.reconstruction import ReconstructionLAM, ReconstructionSpec

RECONSTRUCTION: dict[str, ReconstructionSpec] = {
    "lapo": ReconstructionSpec(),
    "masklam": ReconstructionSpec(masked_loss=True, mask_input=True, mask_source="served"),
    "masklam_gt": ReconstructionSpec(masked_loss=True, mask_input=True, mask_source="gt"),
    "masklam_loss_only": ReconstructionSpec(masked_loss=True, mask_input=False, mask_source="served"),
}
LATENT_PREDICTION = ("laom", "laom_labels")
METHODS = (*RECONSTRUCTION, *LATENT_PREDICTION)


def uses_served_masks(name: str) -> bool:
    """Whether a method reads the segmentation service's masks (so its data and probe sets need them)."""
    spec = RECONSTRUCTION.get(name)
    return spec is not None and (spec.masked_loss or spec.mask_input) and spec.mask_source == "served"


def build_method(name: str, model: LAMModelConfig, action_dim: int, w_bg: float = 0.0,
                 label_weight: float = 1.0) -> nn.Module:
    if name in RECONSTRUCTION:
        spec = RECONSTRUCTION[name]
        if w_bg:
            spec = ReconstructionSpec(spec.masked_loss, spec.mask_input, spec.mask_source, w_bg)
        return ReconstructionLAM(model, spec)
    if name in LATENT_PREDICTION:
        weight = label_weight if name == "laom_labels" else 0.0
        return LatentPredictionLAM(model, LatentPredictionSpec(label_weight=weight, action_dim=action_dim))
    raise ValueError(f"unknown LAM method {name!r}; choose from {list(METHODS)}")
