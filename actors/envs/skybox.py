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

    def anchor(self, forward: np.ndarray) -> None:
        """Fix which sky direction shows the video frame's centre: the camera's unshaken line of sight."""
        f = np.asarray(forward, dtype=np.float64)
        self._anchor = (math.atan2(f[1], f[0]), math.atan2(f[2], math.hypot(f[0], f[1])))
        self._key = None

    def index(self, forward: np.ndarray, up: np.ndarray, half_w: float, half_h: float) -> np.ndarray:
        """Flat texel index [S*S] into a video frame for the camera basis and the near-plane half extents."""
        key = (tuple(np.round(forward, 9)), tuple(np.round(up, 9)), round(half_w, 9), round(half_h, 9))
        if key == self._key:
            return self._index
        if self._anchor is None:
            self.anchor(forward)
        f, u = np.asarray(forward, np.float64), np.asarray(up, np.float64)
        r = np.cross(f, u)
        s = self.size
        x = (np.arange(s) + 0.5) / s * 2.0 - 1.0  # left -> right
        y = 1.0 - (np.arange(s) + 0.5) / s * 2.0  # top -> bottom
        # ray through pixel (row, col), in world coordinates (frustum at unit near distance)
        d = (f[None, None, :] + (x[None, :, None] * half_w) * r[None, None, :]
             + (y[:, None, None] * half_h) * u[None, None, :])
        az = np.arctan2(d[..., 1], d[..., 0])
        el = np.arctan2(d[..., 2], np.hypot(d[..., 0], d[..., 1]))
        az0, el0 = self._anchor
        daz = (az0 - az + math.pi) % (2 * math.pi) - math.pi  # turning left (az up) moves the sky right
        n = self.video_size
        col = _mirror(np.floor(daz / self.fov * n + n / 2).astype(np.int64), n)
        row = _mirror(np.floor((el0 - el) / self.fov * n + n / 2).astype(np.int64), n)
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
