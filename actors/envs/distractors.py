"""Per-step distractors: camera shake, agent colour random walk and (ours) moving objects.

Each distractor draws its randomness from the env's generator only, so a seeded env is exactly reproducible.
Amplitudes follow the Distracting Control Suite's scale s (DESIGN.md section 3); the video background is in
`actors/envs/skybox.py`.
"""

from __future__ import annotations

import numpy as np

from actors.envs.render import AGENT, BACKGROUND, FLOOR


class BoundedWalk:
    """DCS-style bounded random walk: Gaussian kicks on a velocity (|v| <= max_vel), positions reflected at bounds.

    Starts uniformly inside [low, high], at rest.
    """

    def __init__(self, low, high, kick_std, max_vel, rng: np.random.Generator):
        self.low, self.high = np.asarray(low, np.float64), np.asarray(high, np.float64)
        self.kick_std = np.broadcast_to(np.asarray(kick_std, np.float64), self.low.shape)
        self.max_vel = np.broadcast_to(np.asarray(max_vel, np.float64), self.low.shape)
        self.rng = rng
        self.value = rng.uniform(self.low, self.high)
        self.velocity = np.zeros_like(self.low)

    def advance(self) -> np.ndarray:
        # np.minimum/maximum instead of np.clip: same result, a fraction of the per-call cost on tiny arrays
        v = self.velocity + self.rng.standard_normal(self.low.shape) * self.kick_std
        self.velocity = np.maximum(np.minimum(v, self.max_vel), -self.max_vel)
        x = self.value + self.velocity
        lo, hi = x < self.low, x > self.high
        if lo.any() or hi.any():
            x = np.where(lo, 2 * self.low - x, np.where(hi, 2 * self.high - x, x))
            self.velocity = np.where(lo | hi, -self.velocity, self.velocity)
        self.value = np.maximum(np.minimum(x, self.high), self.low)
        return self.value


class CameraShake:
    """DCS camera distraction at scale s: dynamic random walk of azimuth, elevation, roll and distance.

    DCS constants: azimuth/elevation within +-pi/2 s, roll within +-pi/2 s; camera velocity kicks of std 0.1 s and
    |v| <= 0.4 s (metres of camera motion: as angles, divided by the camera distance), roll velocity kicks of std
    pi/300 s with |v| <= pi/50 s; zoom in by at most 50% s and out by at most 150% s of the distance. The camera
    stays above the floor (DCS `limit_to_upper_quadrant`; enforced by `SceneRenderer.set_camera`).
    """

    def __init__(self, scale: float, base_distance: float, rng: np.random.Generator):
        s, d = scale, base_distance
        ang = np.pi / 2 * s
        lin_std, lin_max = 0.1 * s, 0.4 * s
        self.angles = BoundedWalk([-ang, -ang], [ang, ang], lin_std / d, lin_max / d, rng)
        self.roll = BoundedWalk([-ang], [ang], np.pi / 300 * s, np.pi / 50 * s, rng)
        self.zoom = BoundedWalk([-0.5 * s * d], [1.5 * s * d], lin_std, lin_max, rng)

    @property
    def offsets(self) -> tuple[float, float, float, float]:
        """(azimuth deg, elevation deg, distance m, roll deg) offsets, in the order `SceneRenderer.set_camera` takes."""
        az, el = np.degrees(self.angles.value)
        return float(az), float(el), float(self.zoom.value[0]), float(np.degrees(self.roll.value[0]))

    def advance(self) -> None:
        self.angles.advance()
        self.roll.advance()
        self.zoom.advance()


class ColourWalk:
    """DCS colour distraction at scale s: the agent geoms' RGB walk with per-step N(0, 0.03 s) steps within +-s."""

    def __init__(self, model, geom_ids: np.ndarray, scale: float, rng: np.random.Generator):
        self.model, self.geom_ids, self.rng = model, geom_ids, rng
        self.base = effective_geom_rgba(model)[geom_ids, :3].copy()
        self.low = np.maximum(self.base - scale, 0.0)
        self.high = np.minimum(self.base + scale, 1.0)
        self.step_std = 0.03 * scale
        self.value = rng.uniform(self.low, self.high)
        self.apply()

    def advance(self) -> None:
        v = self.value + self.rng.standard_normal(self.value.shape) * self.step_std
        self.value = np.maximum(np.minimum(v, self.high), self.low)
        self.apply()

    def apply(self) -> None:
        rgba = self.model.geom_rgba
        rgba[self.geom_ids, :3] = self.value
        # a non-default geom rgba overrides the material colour (texture kept); make sure it never equals the default
        rgba[self.geom_ids, 3] = 1.0 - 1e-4


def effective_geom_rgba(model) -> np.ndarray:
    """The colour MuJoCo draws each geom in: its material's unless the geom rgba differs from the default."""
    rgba = model.geom_rgba.copy()
    default = np.all(np.isclose(rgba, [0.5, 0.5, 0.5, 1.0]), axis=1)
    use_mat = default & (model.geom_matid >= 0)
    rgba[use_mat] = model.mat_rgba[model.geom_matid[use_mat]]
    return rgba


class MovingObjects:
    """K coloured discs moving over the background (never over the agent).

    Action-correlated mode: velocity = speed * W a_{t-1} + noise with a fixed random W (per env), so the
    distractor is caused by the agent's action -- the case a pure reconstruction loss cannot ignore.
    """

    def __init__(self, count: int, size: int, action_dim: int, correlated: bool, w: np.ndarray,
                 rng: np.random.Generator):
        self.size, self.correlated, self.w, self.rng = size, correlated, w, rng
        self.pos = rng.uniform(0.1, 0.9, size=(count, 2))
        self.radius = rng.uniform(0.06, 0.11, size=count)
        self.colour = rng.integers(0, 256, size=(count, 3)).astype(np.uint8)
        self.velocity = rng.uniform(-0.02, 0.02, size=(count, 2))
        # each disc is a precomputed boolean stamp pasted at its integer pixel position
        self._stamps = []
        for r in self.radius:
            rp = max(1, int(round(r * size)))
            yy, xx = np.mgrid[-rp:rp + 1, -rp:rp + 1]
            self._stamps.append((rp, xx * xx + yy * yy <= rp * rp + rp))  # "+ rp": no one-pixel nubs

    def advance(self, prev_action: np.ndarray) -> None:
        if self.correlated:
            drive = (self.w @ prev_action).reshape(-1, 2)  # [count, 2]
            self.velocity = 0.03 * drive + self.rng.normal(0.0, 0.003, size=self.pos.shape)
        p = self.pos + self.velocity
        out = (p < 0.0) | (p > 1.0)
        p[out] = np.where(p[out] < 0.0, -p[out], 2.0 - p[out])  # bounce off the frame edges
        self.velocity[out] *= -1
        self.pos = np.maximum(np.minimum(p, 1.0), 0.0)

    def paint(self, frame: np.ndarray, paintable: np.ndarray) -> None:
        s = self.size
        for (x, y), (rp, stamp), c in zip(self.pos.tolist(), self._stamps, self.colour):
            cx, cy = int(x * (s - 1) + 0.5), int(y * (s - 1) + 0.5)
            x0, x1, y0, y1 = max(0, cx - rp), min(s, cx + rp + 1), max(0, cy - rp), min(s, cy + rp + 1)
            disc = stamp[y0 - cy + rp:y1 - cy + rp, x0 - cx + rp:x1 - cx + rp] & paintable[y0:y1, x0:x1]
            frame[y0:y1, x0:x1][disc] = c


__all__ = ["AGENT", "BACKGROUND", "FLOOR", "BoundedWalk", "CameraShake", "ColourWalk", "MovingObjects",
           "effective_geom_rgba"]
