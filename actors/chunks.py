"""Chunk: the unit of experience on every wire and disk (DESIGN.md section 3). msgpack, versioned, no pickle.

A chunk is a contiguous fragment of one episode with T frames and the T-1 transitions between them:
`actions[i]` is the action taken at `frames[i]`, `rewards[i]` what it earned, leading to `frames[i+1]`.
Consecutive chunks of an episode overlap by `overlap` frames so every window of up to overlap+1 frames lies
wholly inside one chunk; `first_new` is the index of the first frame the previous chunk did not hold, so a
reader that counts windows ending at index >= first_new counts every window exactly once.

Wire layout: MAGIC (4 bytes) | version (u16 LE) | crc32 of payload (u32 LE) | msgpack payload.
The checksum makes random corruption detectable even inside raw frame bytes, which have no invalid values.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

import msgpack
import numpy as np

MAGIC = b"MLCK"
VERSION = 1
_HEADER = struct.Struct("<4sHI")
MAX_CHUNK_BYTES = 256 * 1024 * 1024  # refuse to even parse anything larger


class ChunkDecodeError(ValueError):
    """A chunk could not be decoded: corrupted, truncated, wrong version or inconsistent. The message says which."""


@dataclass
class Chunk:
    """A fragment of one episode. Array shapes: T frames, T-1 transitions."""

    task: str
    """Task name (halfcheetah, hopper, walker2d, humanoid)."""
    env_seed: int
    """Seed of the env instance that produced the episode."""
    episode_id: str
    """Globally unique episode id (worker, generation and counter)."""
    t0: int
    """Time index within the episode of frames[0]."""
    frames: np.ndarray
    """uint8 [T, H, W, 3] distracted RGB frames."""
    gt_masks: np.ndarray
    """uint8 [T, H, W] simulator agent masks in {0, 1}."""
    actions: np.ndarray
    """float32 [T-1, A] actions taken at frames[:-1]."""
    rewards: np.ndarray
    """float32 [T-1] rewards of those actions."""
    states: np.ndarray
    """float32 [T, S] proprioceptive states of the frames."""
    terminated: bool = False
    """The episode terminated at the last frame (no further chunk follows)."""
    truncated: bool = False
    """The episode was truncated at the last frame (no further chunk follows)."""
    labelled: bool = False
    """The episode's actions may be used as labels (label-budget experiments); unlabelled chunks still carry
    actions for probes, which never train on them."""
    first_new: int = 0
    """Index of the first frame not contained in the episode's previous chunk (0 for an episode's first chunk)."""
    pred_masks: np.ndarray | None = None
    """uint8 [T, H, W] masks predicted by the segmentation service, or None when not (yet) served."""
    preset: str = ""
    """Distractor preset of the env."""
    meta: dict = field(default_factory=dict)
    """Free-form string/number metadata (worker id, policy name, ...)."""

    @property
    def num_frames(self) -> int:
        return int(self.frames.shape[0])

    @property
    def new_transitions(self) -> int:
        """Transitions not already held by the episode's previous chunk (counts each transition once)."""
        return self.num_frames - 1 - max(0, self.first_new - 1)

    @property
    def done(self) -> bool:
        return self.terminated or self.truncated

    def validate(self) -> None:
        """Raise ChunkDecodeError if shapes, dtypes or values are inconsistent."""
        _validate(self)


def _arr(a: np.ndarray) -> dict:
    a = np.ascontiguousarray(a)
    return {"dtype": a.dtype.str, "shape": list(a.shape), "data": a.tobytes()}


_ALLOWED_DTYPES = {"|u1", "<f4"}


def _unarr(obj, name: str) -> np.ndarray:
    if not isinstance(obj, dict) or set(obj) != {"dtype", "shape", "data"}:
        raise ChunkDecodeError(f"field {name!r}: not an encoded array")
    dtype, shape, data = obj["dtype"], obj["shape"], obj["data"]
    if dtype not in _ALLOWED_DTYPES:
        raise ChunkDecodeError(f"field {name!r}: dtype {dtype!r} not allowed")
    if not isinstance(shape, list) or not all(isinstance(d, int) and 0 <= d < 2**31 for d in shape):
        raise ChunkDecodeError(f"field {name!r}: bad shape {shape!r}")
    if not isinstance(data, bytes):
        raise ChunkDecodeError(f"field {name!r}: data is not bytes")
    dt = np.dtype(dtype)
    expected = int(np.prod(shape, dtype=np.int64)) * dt.itemsize
    if expected != len(data):
        raise ChunkDecodeError(f"field {name!r}: shape {shape} needs {expected} bytes, got {len(data)}")
    return np.frombuffer(data, dtype=dt).reshape(shape)


_SCALARS = {"task": str, "env_seed": int, "episode_id": str, "t0": int, "terminated": bool, "truncated": bool,
            "labelled": bool, "first_new": int, "preset": str, "meta": dict}
_ARRAYS = ("frames", "gt_masks", "actions", "rewards", "states")


def encode_chunk(chunk: Chunk) -> bytes:
    """Serialise a validated chunk to bytes."""
    chunk.validate()
    body = {k: getattr(chunk, k) for k in _SCALARS}
    body.update({k: _arr(getattr(chunk, k)) for k in _ARRAYS})
    body["pred_masks"] = None if chunk.pred_masks is None else _arr(chunk.pred_masks)
    payload = msgpack.packb(body, use_bin_type=True)
    return _HEADER.pack(MAGIC, VERSION, zlib.crc32(payload)) + payload


def decode_chunk(buf: bytes | memoryview) -> Chunk:
    """Parse and validate bytes from `encode_chunk`; raises ChunkDecodeError naming what is wrong."""
    buf = bytes(buf)
    if len(buf) < _HEADER.size:
        raise ChunkDecodeError(f"truncated chunk: {len(buf)} bytes is shorter than the {_HEADER.size}-byte header")
    if len(buf) > MAX_CHUNK_BYTES:
        raise ChunkDecodeError(f"chunk of {len(buf)} bytes exceeds the {MAX_CHUNK_BYTES}-byte limit")
    magic, version, crc = _HEADER.unpack_from(buf)
    if magic != MAGIC:
        raise ChunkDecodeError(f"not a chunk: magic {magic!r}, expected {MAGIC!r}")
    if version != VERSION:
        raise ChunkDecodeError(f"unsupported chunk version {version} (this build reads version {VERSION})")
    payload = buf[_HEADER.size:]
    if zlib.crc32(payload) != crc:
        raise ChunkDecodeError("chunk checksum mismatch: corrupted or truncated payload")
    try:
        body = msgpack.unpackb(payload, raw=False, strict_map_key=True)
    except Exception as exc:  # msgpack raises several types; one error type for callers
        raise ChunkDecodeError(f"chunk payload is not valid msgpack: {exc}") from None
    if not isinstance(body, dict):
        raise ChunkDecodeError("chunk payload is not a map")
    missing = (set(_SCALARS) | set(_ARRAYS) | {"pred_masks"}) - set(body)
    if missing:
        raise ChunkDecodeError(f"chunk is missing fields {sorted(missing)}")
    kwargs = {}
    for k, typ in _SCALARS.items():
        v = body[k]
        if not isinstance(v, typ) or (typ is int and isinstance(v, bool)):
            raise ChunkDecodeError(f"field {k!r}: expected {typ.__name__}, got {type(v).__name__}")
        kwargs[k] = v
    for k in _ARRAYS:
        kwargs[k] = _unarr(body[k], k)
    kwargs["pred_masks"] = None if body["pred_masks"] is None else _unarr(body["pred_masks"], "pred_masks")
    chunk = Chunk(**kwargs)
    chunk.validate()
    return chunk


def _validate(c: Chunk) -> None:
    def need(cond: bool, msg: str) -> None:
        if not cond:
            raise ChunkDecodeError(msg)

    f = c.frames
    need(isinstance(f, np.ndarray) and f.dtype == np.uint8 and f.ndim == 4 and f.shape[-1] == 3,
         f"frames must be uint8 [T,H,W,3], got {getattr(f, 'dtype', type(f))} {getattr(f, 'shape', '')}")
    t, h, w = f.shape[:3]
    need(t >= 2, f"a chunk needs at least 2 frames, got {t}")
    need(h > 0 and w > 0, f"frames have empty size {h}x{w}")
    for name in ("gt_masks", "pred_masks"):
        m = getattr(c, name)
        if m is None and name == "pred_masks":
            continue
        need(isinstance(m, np.ndarray) and m.dtype == np.uint8 and m.shape == (t, h, w),
             f"{name} must be uint8 {(t, h, w)}, got {getattr(m, 'dtype', type(m))} {getattr(m, 'shape', '')}")
        need(bool(m.max(initial=0) <= 1), f"{name} must hold only 0 and 1")
    a = c.actions
    need(isinstance(a, np.ndarray) and a.dtype == np.float32 and a.ndim == 2 and a.shape[0] == t - 1,
         f"actions must be float32 [{t - 1}, A], got {getattr(a, 'dtype', type(a))} {getattr(a, 'shape', '')}")
    r = c.rewards
    need(isinstance(r, np.ndarray) and r.dtype == np.float32 and r.shape == (t - 1,),
         f"rewards must be float32 [{t - 1}], got {getattr(r, 'dtype', type(r))} {getattr(r, 'shape', '')}")
    s = c.states
    need(isinstance(s, np.ndarray) and s.dtype == np.float32 and s.ndim == 2 and s.shape[0] == t,
         f"states must be float32 [{t}, S], got {getattr(s, 'dtype', type(s))} {getattr(s, 'shape', '')}")
    need(bool(np.isfinite(a).all() and np.isfinite(r).all() and np.isfinite(s).all()),
         "actions, rewards and states must be finite")
    need(0 <= c.first_new < t, f"first_new must be in [0, {t}), got {c.first_new}")
    need(c.t0 >= 0, f"t0 must be >= 0, got {c.t0}")
    need(c.env_seed >= 0, f"env_seed must be >= 0, got {c.env_seed}")
    need(not (c.terminated and c.truncated), "a chunk cannot be both terminated and truncated")
