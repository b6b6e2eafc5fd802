"""DCS-style compositing: the background video is the sky, the floor keeps its own texture at `ground_plane_alpha`.

The Distracting Control Suite uploads each video frame as the skybox texture. Doing that here (measured on the
2-core box: `mjr_uploadTexture` of the 6x100x100 cube costs 3.4 ms per step on software EGL, more than the 2.6 ms
RGB + segmentation render) would halve the actors' throughput, so the skybox is evaluated on the CPU instead: every
pixel's view ray (from MuJoCo's own GL camera of the frame, roll included) is turned into sky angles (azimuth,
elevation) and looked up in the video frame, tiled (mirrored) around the sphere with one frame per `fovy` degrees.
Like a skybox it sits at infinity: camera translation and zoom do not move it, camera rotation pans it, roll turns
it. The rays only change when the camera rotates, so an unshaken camera pays one gather per frame.
"""

from __future__ import annotations

import math

import numpy as np

from actors.envs.render import AGENT, BACKGROUND, FLOOR


class SkyMap:
    """Maps pixels to video texels as a skybox at infinity would, for a camera basis (forward, up) and frustum."""

    def __init__(self, size: int, video_size: int, fovy_deg: float):
        self.size, self.video_size = size, video_size
        self.fov = math.radians(fovy_deg)
        self._key: tuple | None = None
        self._index: np.ndarray | None = None
        self._anchor: tuple[float, float] | None = None
        self._grid: tuple[np.ndarray, np.ndarray] | None = None

    def anchor(self, forward: np.ndarray) -> None:
        """Fix which sky direction shows the video frame's centre: the camera's unshaken line of sight."""
        f = np.asarray(forward, dtype=np.float64)
        self._anchor = (math.atan2(f[1], f[0]), math.atan2(f[2], math.hypot(f[0], f[1])))
        self._key = None

    def index(self, forward: np.ndarray, up: np.ndarray, half_w: float, half_h: float) -> np.ndarray:
        """Flat texel index [S*S] into a video frame for the camera basis and the near-plane half extents."""
        key = (*forward.tolist(), *up.tolist(), half_w, half_h)
        if key == self._key:
            return self._index
        if self._anchor is None:
            self.anchor(forward)
        f, u = np.asarray(forward, np.float32), np.asarray(up, np.float32)
        r = np.cross(f, u)
        if self._grid is None:
            c = (np.arange(self.size, dtype=np.float32) + 0.5) / self.size * 2.0 - 1.0
            self._grid = (np.tile(c, self.size), np.repeat(-c, self.size))  # x left -> right, y top -> bottom
        gx, gy = self._grid
        # ray through every pixel, in world coordinates (frustum at unit near distance); float32 halves the cost
        dx = f[0] + (half_w * r[0]) * gx + (half_h * u[0]) * gy
        dy = f[1] + (half_w * r[1]) * gx + (half_h * u[1]) * gy
        dz = f[2] + (half_w * r[2]) * gx + (half_h * u[2]) * gy
        az = np.arctan2(dy, dx)
        el = np.arctan2(dz, np.sqrt(dx * dx + dy * dy))
        az0, el0 = self._anchor
        pi = np.float32(math.pi)
        daz = np.remainder(np.float32(az0) - az + pi, 2 * pi) - pi  # turning left (az up) moves the sky right
        n, k = self.video_size, np.float32(self.video_size / self.fov)
        col = _mirror(np.floor(daz * k + n / 2).astype(np.int64), n)
        row = _mirror(np.floor((np.float32(el0) - el) * k + n / 2).astype(np.int64), n)
        self._key, self._index = key, (row * n + col).reshape(-1)
        return self._index

    def sky(self, video_frame: np.ndarray, index: np.ndarray) -> np.ndarray:
        """The sky as the camera sees it: uint8 [S, S, 3]."""
        return video_frame.reshape(-1, 3)[index].reshape(self.size, self.size, 3)


def _mirror(i: np.ndarray, n: int) -> np.ndarray:
    """Mirrored tiling: seamless in both directions."""
    i = np.mod(i, 2 * n)
    return np.where(i >= n, 2 * n - 1 - i, i)


def composite(rgb: np.ndarray, classes: np.ndarray, sky: np.ndarray | None, ground_plane_alpha: float) -> np.ndarray:
    """DCS compositing: sky pixels show the video; floor pixels = alpha * floor + (1 - alpha) * video; agent intact.

    `ground_plane_alpha` is the floor's opacity (DCS: 1.0 for cheetah/hopper/walker, the floor stays opaque; 0.3
    for humanoid).
    """
    if sky is None:
        return rgb
    if ground_plane_alpha >= 1.0:  # opaque floor: one select, no float maths
        return np.where((classes == BACKGROUND)[..., None], sky, rgb)
    video_weight = np.array([1.0, 1.0 - ground_plane_alpha, 0.0], dtype=np.float32)  # by class BG, FLOOR, AGENT
    w = video_weight[classes][..., None]
    out = rgb + w * (sky.astype(np.float32) - rgb)
    return (out + 0.5).astype(np.uint8)


__all__ = ["AGENT", "BACKGROUND", "FLOOR", "SkyMap", "composite"]
