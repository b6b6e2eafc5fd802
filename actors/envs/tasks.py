"""The four gymnasium MuJoCo tasks and their per-task rendering constants."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TaskSpec:
    """A gymnasium MuJoCo task as masklam renders it."""

    env_id: str
    """gymnasium id (v5)."""
    camera_distance: float
    """Tracking camera distance from the tracked body (the XML 'track' camera's offset)."""
    camera_elevation: float
    """Tracking camera elevation in degrees (negative looks down)."""
    ground_plane_alpha: float
    """Opacity of the floor under a video background (DCS `ground_plane_alpha`): 1.0 keeps the floor opaque, the
    video shows only in the sky; humanoid 0.3 draws floor pixels as 0.3 * floor + 0.7 * video."""
    state_positions: int
    """Leading entries of the gymnasium observation that are joint positions (qpos without the excluded root
    coordinates); the entries after them start with the velocities."""


TASKS: dict[str, TaskSpec] = {
    "halfcheetah": TaskSpec("HalfCheetah-v5", camera_distance=3.0, camera_elevation=-10.0, ground_plane_alpha=1.0,
                            state_positions=8),
    "hopper": TaskSpec("Hopper-v5", camera_distance=3.0, camera_elevation=-10.0, ground_plane_alpha=1.0,
                       state_positions=5),
    "walker2d": TaskSpec("Walker2d-v5", camera_distance=3.5, camera_elevation=-10.0, ground_plane_alpha=1.0,
                         state_positions=8),
    "humanoid": TaskSpec("Humanoid-v5", camera_distance=4.0, camera_elevation=-10.0, ground_plane_alpha=0.3,
                         state_positions=22),
}


def get_task(name: str) -> TaskSpec:
    try:
        return TASKS[name]
    except KeyError:
        raise ValueError(f"unknown task {name!r}; choose one of {sorted(TASKS)}") from None
