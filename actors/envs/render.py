"""Fast offscreen RGB + segmentation rendering of a MuJoCo scene with a tracking camera.

Uses its own `mujoco.Renderer` (toggling flags on gymnasium's internal viewer broke later envs in a process) and
turns off multisampling, shadows and reflections: on software EGL that is the difference between ~15 and ~270
frames/s at 64 px (../shared/PITFALLS.md).
"""

from __future__ import annotations

import math

import mujoco
import numpy as np

# Pixel classes returned by `SceneRenderer.render`.
BACKGROUND, FLOOR, AGENT = 0, 1, 2
_GEOM = int(mujoco.mjtObj.mjOBJ_GEOM)  # compare ints: comparing to the enum object is ~1000x slower


def make_fast(model: mujoco.MjModel) -> None:
    """Switch a model to the cheap rendering settings (in place)."""
    model.vis.quality.offsamples = 0
    model.light_castshadow[:] = 0
    model.mat_reflectance[:] = 0


def agent_geom_ids(model: mujoco.MjModel) -> np.ndarray:
    """Geoms that belong to the robot: every geom not attached to the world body (the floor is)."""
    return np.flatnonzero(model.geom_bodyid != 0)


class SceneRenderer:
    """Renders RGB and a per-pixel class map (background / floor / agent) from a tracking camera."""

    def __init__(self, model: mujoco.MjModel, size: int, distance: float, elevation: float, track_body: int = 1):
        make_fast(model)
        self.model = model
        self.size = size
        self._renderer = mujoco.Renderer(model, height=size, width=size)
        self.camera = mujoco.MjvCamera()
        self.camera.type = mujoco.mjtCamera.mjCAMERA_TRACKING
        self.camera.trackbodyid = track_body
        self.base_distance = distance
        self.base_elevation = elevation
        self.base_azimuth = 90.0  # look along +y at the x-z plane, like the XML 'track' cameras
        self.roll = 0.0
        self.view: tuple | None = None
        self.set_camera()
        # geom id -> pixel class lookup; index 0 of the padded table serves "no object" (id -1)
        cls = np.full(model.ngeom + 1, FLOOR, dtype=np.uint8)
        cls[0] = BACKGROUND
        cls[1 + agent_geom_ids(model)] = AGENT
        self._geom_class = cls

    def set_camera(self, d_azimuth: float = 0.0, d_elevation: float = 0.0, d_distance: float = 0.0,
                   roll: float = 0.0) -> None:
        """Place the camera at its base pose plus offsets (degrees, degrees, metres) and a roll (degrees)."""
        self.roll = roll
        self.camera.azimuth = self.base_azimuth + d_azimuth
        # never at or below the floor plane: from underneath, the floor hides the agent
        self.camera.elevation = min(-3.0, max(-60.0, self.base_elevation + d_elevation))
        self.camera.distance = max(0.5, self.base_distance + d_distance)

    def render(self, data: mujoco.MjData) -> tuple[np.ndarray, np.ndarray]:
        """Return (rgb uint8 [S,S,3], classes uint8 [S,S]) for the current state of `data`."""
        r = self._renderer
        r.update_scene(data, camera=self.camera)
        if self.roll:
            _roll_scene_cameras(r.scene, self.roll)
        cam = r.scene.camera[0]
        near, half_h = float(cam.frustum_near), float(cam.frustum_top)
        half_w = float(cam.frustum_width) or half_h  # MuJoCo: width 0 means "from the aspect ratio" (square frames)
        # the frame's view basis, for the skybox: forward, up, near-plane half extents at unit distance
        self.view = (np.array(cam.forward), np.array(cam.up), half_w / near, half_h / near)
        rgb = r.render()
        r.enable_segmentation_rendering()
        try:
            seg = r.render()
        finally:
            r.disable_segmentation_rendering()
        ids, types = seg[..., 0], seg[..., 1]
        is_geom = types == _GEOM
        classes = self._geom_class[np.where(is_geom, ids + 1, 0)]
        classes[~is_geom] = BACKGROUND
        return rgb, classes

    def close(self) -> None:
        self._renderer.close()


def _roll_scene_cameras(scene: mujoco.MjvScene, degrees: float) -> None:
    """Roll the view about the line of sight by rotating each GL camera's up vector (mjvCamera has no roll).

    Done in the scene rather than on the image: no per-pixel remap, and no uncovered corners.
    """
    th = math.radians(degrees)
    c, s = math.cos(th), math.sin(th)
    for cam in scene.camera:  # plain floats: numpy on 3-vectors costs more than the maths
        fx, fy, fz = cam.forward.tolist()
        ux, uy, uz = cam.up.tolist()
        # Rodrigues' formula for a rotation about fwd, with fwd . up = 0
        cam.up[:] = (ux * c + (fy * uz - fz * uy) * s, uy * c + (fz * ux - fx * uz) * s,
                     uz * c + (fx * uy - fy * ux) * s)
