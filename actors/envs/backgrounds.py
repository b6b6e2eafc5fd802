"""Background video sources: a seeded procedural generator and a DAVIS-layout folder of frames.

A source hands out whole clips (uint8 [T, S, S, 3]); `VideoPlayer` walks a clip one frame per env step from a
random start and bounces at the ends, as the Distracting Control Suite does.
"""

from __future__ import annotations

import zlib
from collections import OrderedDict
from pathlib import Path
from typing import Protocol

import numpy as np

SPLITS = ("train", "test")
# Procedural clips: train videos come from seeds [0, 2**30), test videos from [2**30, 2**31): disjoint by construction.
_SPLIT_SEED_OFFSET = {"train": 0, "test": 2**30}


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"unknown background split {split!r}; choose one of {SPLITS}")


class VideoSource(Protocol):
    """Anything that can draw a background clip for an episode."""

    split: str

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        """Return a uint8 clip [T, size, size, 3] chosen with `rng`."""
        ...


class ProceduralVideoSource:
    """Smooth travelling colour fields plus moving shapes, generated from a seed (no files needed)."""

    def __init__(self, size: int, split: str = "train", length: int = 120):
        _check_split(split)
        self.size, self.split, self.length = size, split, length

    def video_seed(self, rng: np.random.Generator) -> int:
        return int(rng.integers(0, 2**30)) + _SPLIT_SEED_OFFSET[self.split]

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        return self.generate(self.video_seed(rng))

    def generate(self, seed: int) -> np.ndarray:
        """The clip for one video seed: deterministic."""
        g = np.random.default_rng(seed)
        s, n = self.size, self.length
        t = np.arange(n, dtype=np.float32)[:, None, None]
        yy, xx = np.mgrid[0:s, 0:s].astype(np.float32) / s
        # three travelling plane waves per clip, mixed into RGB by a random palette
        waves = []
        for _ in range(3):
            kx, ky = g.uniform(-12, 12, size=2)
            omega = g.uniform(0.05, 0.35) * g.choice([-1, 1])
            waves.append(np.sin(kx * xx + ky * yy + omega * t + g.uniform(0, 2 * np.pi)))
        field = np.stack(waves, axis=-1)  # [T, S, S, 3]
        palette = g.uniform(-0.5, 0.5, size=(3, 3)).astype(np.float32)
        base = g.uniform(0.2, 0.8, size=3).astype(np.float32)
        clip = base + 0.6 * (field @ palette)
        # moving discs bouncing inside the frame
        for _ in range(int(g.integers(2, 5))):
            r = g.uniform(0.06, 0.18)
            p0, v = g.uniform(0.1, 0.9, size=2), g.uniform(-0.02, 0.02, size=2)
            path = np.abs(((p0 + v * t[:, 0]) + 1.0) % 2.0 - 1.0)  # triangle wave keeps centres in [0, 1]
            inside = (xx - path[:, 0, None, None]) ** 2 + (yy - path[:, 1, None, None]) ** 2 < r * r
            clip[inside] = g.uniform(0, 1, size=3).astype(np.float32)
        return (np.clip(clip, 0.0, 1.0) * 255).astype(np.uint8)


class DavisVideoSource:
    """Frame sequences in DAVIS layout: `<root>/JPEGImages/480p/<video>/*.jpg`.

    The split follows `<root>/ImageSets/2017/{train,val}.txt` when present (test = val); otherwise each video goes to
    train or test by a stable hash of its name (about one in five to test).
    """

    def __init__(self, root: str | Path, size: int, split: str = "train", max_frames: int = 200, cache: int = 8):
        _check_split(split)
        self.root, self.size, self.split, self.max_frames = Path(root), size, split, max_frames
        frames_dir = self.root / "JPEGImages" / "480p"
        if not frames_dir.is_dir():
            raise FileNotFoundError(f"{self.root} is not a DAVIS-layout folder: missing {frames_dir}")
        videos = sorted(p.name for p in frames_dir.iterdir() if p.is_dir() and any(p.glob("*.jpg")))
        listed = self.root / "ImageSets" / "2017" / ("train.txt" if split == "train" else "val.txt")
        if listed.is_file():
            wanted = set(listed.read_text().split())
            videos = [v for v in videos if v in wanted]
        else:
            test = [v for v in videos if zlib.crc32(v.encode()) % 5 == 0]
            videos = test if split == "test" else [v for v in videos if v not in test]
        if not videos:
            raise FileNotFoundError(f"no videos with .jpg frames for split {split!r} under {frames_dir}")
        self.videos, self._frames_dir = videos, frames_dir
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        return self.load(self.videos[int(rng.integers(len(self.videos)))])

    def load(self, video: str) -> np.ndarray:
        if video in self._cache:
            self._cache.move_to_end(video)
            return self._cache[video]
        from PIL import Image

        files = sorted((self._frames_dir / video).glob("*.jpg"))[: self.max_frames]
        frames = []
        for f in files:
            with Image.open(f) as im:
                im = im.convert("RGB")
                w, h = im.size
                side = min(w, h)  # centre square crop, then resize
                im = im.crop(((w - side) // 2, (h - side) // 2, (w + side) // 2, (h + side) // 2))
                frames.append(np.asarray(im.resize((self.size, self.size), Image.BILINEAR), dtype=np.uint8))
        clip = np.stack(frames)
        self._cache[video] = clip
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return clip


class VideoPlayer:
    """Plays a clip one frame per step from a random start, bouncing at both ends."""

    def __init__(self, clip: np.ndarray, rng: np.random.Generator):
        self.clip = clip
        self.size = int(clip.shape[1])
        self.pos = int(rng.integers(len(clip)))
        self.direction = 1 if len(clip) == 1 or rng.random() < 0.5 else -1

    def frame(self) -> np.ndarray:
        return self.clip[self.pos]

    def advance(self) -> None:
        n = len(self.clip)
        if n == 1:
            return
        nxt = self.pos + self.direction
        if not 0 <= nxt < n:
            self.direction = -self.direction
            nxt = self.pos + self.direction
        self.pos = nxt


def make_video_source(spec: "str | Path | VideoSource | None", size: int, split: str = "train") -> VideoSource:
    """`None` or 'procedural' -> procedural generator; a path -> DAVIS folder; a source object passes through."""
    if spec is None or spec == "procedural":
        return ProceduralVideoSource(size, split)
    if isinstance(spec, (str, Path)):
        return DavisVideoSource(spec, size, split)
    return spec
