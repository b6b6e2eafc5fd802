"""Distractor presets (DESIGN.md section 3), modelled on the Distracting Control Suite with scale s."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DistractorPreset:
    """How strongly an environment is distracted."""

    name: str
    """Preset name: none, low, medium, hard or causal."""
    background_video: bool
    """A moving video as the sky (the floor keeps its texture at the task's `ground_plane_alpha`)."""
    scale: float
    """DCS difficulty s: amplitude of camera shake and agent colour random walks (0 disables both)."""
    moving_objects: int
    """Number of coloured shapes moving over the background."""
    action_correlated: bool
    """Moving objects' velocity is a fixed random linear map of the previous action plus noise."""


# DESIGN.md section 3. low = MaskLAM's distractor-low (the paper's main setting), medium = MaskLAM's distractor-hard
# = LAOM's setting, hard = DCS hard; causal is ours: the distractor is caused by the action.
PRESETS: dict[str, DistractorPreset] = {
    "none": DistractorPreset("none", background_video=False, scale=0.0, moving_objects=0, action_correlated=False),
    "low": DistractorPreset("low", background_video=True, scale=0.0, moving_objects=0, action_correlated=False),
    "medium": DistractorPreset("medium", background_video=True, scale=0.1, moving_objects=0, action_correlated=False),
    "hard": DistractorPreset("hard", background_video=True, scale=0.3, moving_objects=0, action_correlated=False),
    "causal": DistractorPreset("causal", background_video=True, scale=0.1, moving_objects=3, action_correlated=True),
}


def get_preset(name: str) -> DistractorPreset:
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown distractor preset {name!r}; choose one of {sorted(PRESETS)}") from None
