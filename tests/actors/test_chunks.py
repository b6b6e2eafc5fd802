import struct
import zlib

import msgpack
import numpy as np
import pytest

from actors.chunks import MAGIC, VERSION, ChunkDecodeError, decode_chunk, encode_chunk
from tests.actors.helpers import make_chunk


def reencode(body: dict) -> bytes:
    """Build a chunk with a valid header and checksum around an arbitrary body (to reach the validator)."""
    payload = msgpack.packb(body, use_bin_type=True)
    return struct.pack("<4sHI", MAGIC, VERSION, zlib.crc32(payload)) + payload


def body_of(buf: bytes) -> dict:
    return msgpack.unpackb(buf[10:], raw=False)


@pytest.mark.parametrize("pred", [True, False])
def test_round_trip(pred):
    c = make_chunk(pred=pred, terminated=True, labelled=True)
    d = decode_chunk(encode_chunk(c))
    for k in ("frames", "gt_masks", "actions", "rewards", "states"):
        np.testing.assert_array_equal(getattr(d, k), getattr(c, k))
    assert (d.pred_masks is None) == (not pred)
    assert (d.task, d.episode_id, d.terminated, d.labelled, d.meta) == (c.task, c.episode_id, True, True, c.meta)


def test_clear_errors():
    buf = encode_chunk(make_chunk())
    with pytest.raises(ChunkDecodeError, match="truncated"):
        decode_chunk(buf[:5])
    with pytest.raises(ChunkDecodeError, match="magic"):
        decode_chunk(b"XXXX" + buf[4:])
    with pytest.raises(ChunkDecodeError, match="version 9"):
        decode_chunk(buf[:4] + struct.pack("<H", 9) + buf[6:])
    with pytest.raises(ChunkDecodeError, match="checksum"):
        decode_chunk(buf[:-3])
    body = body_of(buf)
    body["frames"]["shape"][0] = 9
    with pytest.raises(ChunkDecodeError, match="'frames'.*needs"):
        decode_chunk(reencode(body))
    body = body_of(buf)
    del body["actions"]
    with pytest.raises(ChunkDecodeError, match="missing fields \\['actions'\\]"):
        decode_chunk(reencode(body))
    body = body_of(buf)
    body["t0"] = "zero"
    with pytest.raises(ChunkDecodeError, match="'t0': expected int"):
        decode_chunk(reencode(body))
    body = body_of(buf)
    body["actions"]["dtype"] = "|O"
    with pytest.raises(ChunkDecodeError, match="dtype"):
        decode_chunk(reencode(body))


def test_encode_refuses_inconsistent_chunks():
    c = make_chunk()
    c.gt_masks = c.gt_masks * 2
    with pytest.raises(ChunkDecodeError, match="only 0 and 1"):
        encode_chunk(c)
    c = make_chunk()
    c.actions = c.actions[:-1]
    with pytest.raises(ChunkDecodeError, match="actions must be"):
        encode_chunk(c)
    c = make_chunk()
    c.rewards[0] = np.nan
    with pytest.raises(ChunkDecodeError, match="finite"):
        encode_chunk(c)
    c = make_chunk()
    c.frames = c.frames.astype(np.float32)
    with pytest.raises(ChunkDecodeError, match="frames must be uint8"):
        encode_chunk(c)


def test_fuzz_random_corruption_never_yields_data():
    """Bit flips, truncations, garbage: every one must raise ChunkDecodeError (and nothing else)."""
    rng = np.random.default_rng(0)
    good = encode_chunk(make_chunk(t=4, h=8, w=8))
    for i in range(3000):
        buf = bytearray(good)
        kind = i % 4
        if kind == 0:
            for _ in range(int(rng.integers(1, 4))):
                pos = int(rng.integers(len(buf)))
                buf[pos] ^= 1 << int(rng.integers(8))
        elif kind == 1:
            buf = buf[: int(rng.integers(len(buf)))]
        elif kind == 2:
            buf = bytearray(rng.integers(0, 256, int(rng.integers(0, 600)), dtype=np.uint8).tobytes())
        else:
            pos = int(rng.integers(len(buf)))
            buf[pos:pos + 8] = rng.integers(0, 256, 8, dtype=np.uint8).tobytes()
            if bytes(buf) == good:
                continue
        with pytest.raises(ChunkDecodeError):
            decode_chunk(bytes(buf))


def test_fuzz_structured_payloads_with_valid_checksums():
    """Past the checksum, a malicious or buggy writer's payloads still only produce ChunkDecodeError."""
    rng = np.random.default_rng(1)
    body = body_of(encode_chunk(make_chunk(t=4, h=8, w=8)))
    junk = [None, 1, -1, 2**40, 1.5, "x", b"x", [], {}, [1, 2], {"dtype": "|u1", "shape": [2**31], "data": b""}]
    for _ in range(1500):
        b = {k: v for k, v in body.items()}
        key = list(b)[int(rng.integers(len(b)))]
        b[key] = junk[int(rng.integers(len(junk)))]
        try:
            decode_chunk(reencode(b))
        except ChunkDecodeError:
            continue
        # the only accepted mutations are type-correct ones (an int where an int goes, pred_masks=None, ...)
        assert type_correct(key, b[key]), (key, b[key])


def type_correct(key, value) -> bool:
    if key in ("env_seed", "t0", "first_new"):
        return type(value) is int and value >= 0
    if key in ("task", "episode_id", "preset"):
        return type(value) is str
    return (key == "pred_masks" and value is None) or (key == "meta" and type(value) is dict)
