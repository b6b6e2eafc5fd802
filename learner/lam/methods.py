"""The LAM methods by name. Several train side by side on the same batches in one learner."""

from __future__ import annotations

import dataclasses

from learner.lam.config import LAMModelConfig, LAOMConfig
from learner.lam.latent_prediction import LatentPredictionLAM
from learner.lam.method import LAMMethod
from learner.lam.reconstruction import ReconstructionLAM, ReconstructionSpec

RECONSTRUCTION: dict[str, ReconstructionSpec] = {
    "lapo": ReconstructionSpec(),  # k = 1, as LAPO's authors run it
    "masklam": ReconstructionSpec(masked_loss=True, mask_input=True, mask_source="served", max_k=9),
    "masklam_gt": ReconstructionSpec(masked_loss=True, mask_input=True, mask_source="gt", max_k=9),
    "masklam_k1": ReconstructionSpec(masked_loss=True, mask_input=True, mask_source="served", max_k=1),
    "masklam_gt_k1": ReconstructionSpec(masked_loss=True, mask_input=True, mask_source="gt", max_k=1),
    "masklam_loss_only": ReconstructionSpec(masked_loss=True, mask_input=False, mask_source="served", max_k=9),
}
LATENT_PREDICTION = ("laom", "laom_labels")
METHODS = (*RECONSTRUCTION, *LATENT_PREDICTION)


def uses_served_masks(name: str) -> bool:
    """Whether a method reads the segmentation service's masks (so its data and probe sets need them)."""
    spec = RECONSTRUCTION.get(name)
    return spec is not None and spec.mask_read == "served"


def build_method(name: str, model: LAMModelConfig, action_dim: int, w_bg: float = 0.0,
                 laom: LAOMConfig | None = None, seed: int = 0) -> LAMMethod:
    if name in RECONSTRUCTION:
        spec = dataclasses.replace(RECONSTRUCTION[name], w_bg=w_bg)
        return ReconstructionLAM(model, spec, seed)
    if name in LATENT_PREDICTION:
        return LatentPredictionLAM(model, laom or LAOMConfig(), action_dim, name == "laom_labels", seed)
    raise ValueError(f"unknown LAM method {name!r}; choose from {list(METHODS)}")
