"""The LAM methods by name. Several train side by side on the same batches in one learner."""

from __future__ import annotations

from learner.lam.config import LAMModelConfig
from learner.lam.reconstruction import ReconstructionLAM, ReconstructionSpec

METHODS: dict[str, ReconstructionSpec] = {
    "lapo": ReconstructionSpec(),
    "masklam": ReconstructionSpec(masked_loss=True, mask_input=True, mask_source="served"),
    "masklam_gt": ReconstructionSpec(masked_loss=True, mask_input=True, mask_source="gt"),
    "masklam_loss_only": ReconstructionSpec(masked_loss=True, mask_input=False, mask_source="served"),
}


def build_method(name: str, model: LAMModelConfig, w_bg: float = 0.0) -> ReconstructionLAM:
    try:
        spec = METHODS[name]
    except KeyError:
        raise ValueError(f"unknown LAM method {name!r}; choose from {sorted(METHODS)}") from None
    if w_bg:
        spec = ReconstructionSpec(spec.masked_loss, spec.mask_input, spec.mask_source, w_bg)
    return ReconstructionLAM(model, spec)
