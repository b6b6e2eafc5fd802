"""Per-step distractors: camera shake, agent colour random walk, moving objects, and image compositing.

Each distractor draws its randomness from the env's generator only, so a seeded env is exactly reproducible.
Amplitudes follow the Distracting Control Suite's scale s (DESIGN.md section 3).
"""

from __future__ import annotations

import numpy as np

from actors.envs.render import AGENT, BACKGROUND, FLOOR


class BoundedWalk:
    """Smooth bounded random walk: a velocity with Gaussian kicks, positions reflected at +-limit."""

    def __init__(self, limit: np.ndarray, rng: np.random.Generator, step: float = 0.04):
        self.limit = np.asarray(limit, dtype=np.float64)
        self.rng = rng
        self.step = step
        self.value = rng.uniform(-1.0, 1.0, size=self.limit.shape) * self.limit
        self.velocity = np.zeros_like(self.limit)
        self._vmax = 0.1 * self.limit
        self._kick = step * self.limit

    def advance(self) -> np.ndarray:
        # np.minimum/maximum instead of np.clip: same result, a fraction of the per-call cost on tiny arrays
        v = self.velocity + self.rng.standard_normal(self.limit.shape) * self._kick
        self.velocity = np.maximum(np.minimum(v, self._vmax), -self._vmax)
        x = self.value + self.velocity
        over = np.abs(x) > self.limit
        if over.any():
            x[over] = np.sign(x[over]) * 2 * self.limit[over] - x[over]
            self.velocity[over] *= -1
        self.value = np.maximum(np.minimum(x, self.limit), -self.limit)
        return self.value


class CameraShake:
    """Random walk of camera azimuth, elevation, roll (degrees) and distance (metres), amplitude ~ s."""

    def __init__(self, scale: float, base_distance: float, rng: np.random.Generator):
        deg = 90.0 * scale
        self.walk = BoundedWalk(np.array([deg, deg, deg, 0.5 * scale * base_distance]), rng)

    @property
    def offsets(self) -> tuple[float, float, float, float]:
        """(azimuth, elevation, distance, roll) offsets, in the order `SceneRenderer.set_camera` takes them."""
        az, el, roll, dist = self.walk.value
        return float(az), float(el), float(dist), float(roll)

    def advance(self) -> None:
        self.walk.advance()


class ColourWalk:
    """Random walk of the agent geoms' RGB within +-s of their original colour."""

    def __init__(self, model, geom_ids: np.ndarray, scale: float, rng: np.random.Generator):
        self.model, self.geom_ids = model, geom_ids
        self.base = effective_geom_rgba(model)[geom_ids, :3].copy()
        self.walk = BoundedWalk(np.full(self.base.shape, scale), rng, step=0.1)
        self.apply()

    def advance(self) -> None:
        self.walk.advance()
        self.apply()

    def apply(self) -> None:
        rgba = self.model.geom_rgba
        rgba[self.geom_ids, :3] = np.maximum(np.minimum(self.base + self.walk.value, 1.0), 0.0)
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


def composite(rgb: np.ndarray, classes: np.ndarray, background: np.ndarray | None, floor_alpha: float) -> np.ndarray:
    """Replace background pixels with the video frame and blend floor pixels with weight `floor_alpha`."""
    if background is None:
        return rgb
    if floor_alpha >= 1.0:  # the common case: one select, no float maths
        return np.where((classes != AGENT)[..., None], background, rgb)
    weight = np.array([1.0, floor_alpha, 0.0], dtype=np.float32)[classes][..., None]  # indexed by pixel class
    out = rgb + weight * (background.astype(np.float32) - rgb)
    return (out + 0.5).astype(np.uint8)


__all__ = ["AGENT", "BACKGROUND", "FLOOR", "BoundedWalk", "CameraShake", "ColourWalk", "MovingObjects",
           "composite", "effective_geom_rgba"]
