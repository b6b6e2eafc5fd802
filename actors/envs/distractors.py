"""Per-step distractors: camera shake, agent colour random walk, moving objects, and image compositing.

Each distractor draws its randomness from the env's generator only, so a seeded env is exactly reproducible.
Amplitudes follow the Distracting Control Suite's scale s (DESIGN.md section 3).
"""

from __future__ import annotations

from functools import lru_cache

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

    def advance(self) -> np.ndarray:
        self.velocity = np.clip(self.velocity + self.rng.normal(0.0, self.step, self.limit.shape) * self.limit,
                                -0.1 * self.limit, 0.1 * self.limit)
        v = self.value + self.velocity
        over = np.abs(v) > self.limit
        v[over] = np.sign(v[over]) * 2 * self.limit[over] - v[over]
        self.velocity[over] *= -1
        self.value = np.clip(v, -self.limit, self.limit)
        return self.value


class CameraShake:
    """Random walk of camera azimuth, elevation, roll (degrees) and distance (metres), amplitude ~ s."""

    def __init__(self, scale: float, base_distance: float, rng: np.random.Generator):
        deg = 90.0 * scale
        self.walk = BoundedWalk(np.array([deg, deg, deg, 0.5 * scale * base_distance]), rng)

    @property
    def offsets(self) -> tuple[float, float, float, float]:
        az, el, roll, dist = self.walk.value
        return float(az), float(el), float(roll), float(dist)

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
        rgba[self.geom_ids, :3] = np.clip(self.base + self.walk.value, 0.0, 1.0)
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
        yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
        self._xx, self._yy = xx, yy

    def advance(self, prev_action: np.ndarray) -> None:
        if self.correlated:
            drive = (self.w @ prev_action).reshape(-1, 2)  # [count, 2]
            self.velocity = 0.03 * drive + self.rng.normal(0.0, 0.003, size=self.pos.shape)
        p = self.pos + self.velocity
        out = (p < 0.0) | (p > 1.0)
        p[out] = np.where(p[out] < 0.0, -p[out], 2.0 - p[out])  # bounce off the frame edges
        self.velocity[out] *= -1
        self.pos = np.clip(p, 0.0, 1.0)

    def paint(self, frame: np.ndarray, paintable: np.ndarray) -> None:
        s = self.size
        for (x, y), r, c in zip(self.pos, self.radius, self.colour):
            # only the disc's bounding box is touched
            x0, x1 = max(0, int((x - r) * s)), min(s, int((x + r) * s) + 2)
            y0, y1 = max(0, int((y - r) * s)), min(s, int((y + r) * s) + 2)
            xx, yy = self._xx[y0:y1, x0:x1], self._yy[y0:y1, x0:x1]
            disc = ((xx - x) ** 2 + (yy - y) ** 2 < r * r) & paintable[y0:y1, x0:x1]
            frame[y0:y1, x0:x1][disc] = c


@lru_cache(maxsize=8)
def _centred_grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) - (size - 1) / 2.0
    return xx, yy


def roll_image(rgb: np.ndarray, classes: np.ndarray, degrees: float) -> tuple[np.ndarray, np.ndarray]:
    """Rotate the rendered image about its centre (nearest neighbour); uncovered corners become background."""
    if abs(degrees) < 1e-6:
        return rgb, classes
    s = rgb.shape[0]
    c = (s - 1) / 2.0
    xx, yy = _centred_grid(s)
    cos, sin = np.float32(np.cos(np.deg2rad(degrees))), np.float32(np.sin(np.deg2rad(degrees)))
    src_x = np.rint(cos * xx + sin * yy + c).astype(np.int32)
    src_y = np.rint(cos * yy - sin * xx + c).astype(np.int32)
    valid = (src_x >= 0) & (src_x < s) & (src_y >= 0) & (src_y < s)
    flat = np.clip(src_y, 0, s - 1) * s + np.clip(src_x, 0, s - 1)
    out_rgb = rgb.reshape(-1, 3)[flat]
    out_cls = np.where(valid, classes.reshape(-1)[flat], np.uint8(BACKGROUND))
    return out_rgb, out_cls


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
           "composite", "effective_geom_rgba", "roll_image"]
