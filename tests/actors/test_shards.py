import json
import shutil

import pytest

from actors.chunks import ChunkDecodeError
from actors.shards import ShardReader, ShardWriter, read_shard
from tests.actors.helpers import make_chunk


def test_write_read_with_manifest(tmp_path):
    w = ShardWriter(tmp_path, "w000", chunks_per_shard=3)
    committed = [w.add(make_chunk(seed=i)) for i in range(7)]
    assert sum(r is not None for r in committed) == 2
    assert w.pending_chunks == 1
    w.flush()
    r = ShardReader(tmp_path, verify=True)
    assert [rec.chunks for rec in r.records] == [3, 3, 1]
    assert r.num_chunks == 7 and r.num_transitions == 7 * 7
    assert [c.episode_id for c in r] == [f"w000-g0-e{i}" for i in range(7)]
    assert not list(tmp_path.glob(".tmp-*")), "no temporary file is left visible"
    manifest = json.loads((tmp_path / "manifests" / "w000.json").read_text())
    assert manifest["generation"] == 0 and len(manifest["shards"]) == 3


def test_several_writers_share_a_directory(tmp_path):
    a, b = ShardWriter(tmp_path, "w000", 2), ShardWriter(tmp_path, "w001", 2)
    for i in range(4):
        a.add(make_chunk(seed=i))
        b.add(make_chunk(seed=10 + i))
    assert ShardReader(tmp_path).num_chunks == 8


def test_restart_adopts_renamed_shard_and_drops_temp(tmp_path):
    w = ShardWriter(tmp_path, "w000", chunks_per_shard=2)
    for i in range(4):
        w.add(make_chunk(seed=i))
    # crash between the rename and the manifest update: a complete shard the manifest does not list,
    # plus a half-written temp file from the crashed write
    shutil.copy(tmp_path / "w000-000001.shard", tmp_path / "w000-000002.shard")
    (tmp_path / ".tmp-w000-abc").write_bytes(b"half")
    assert ShardReader(tmp_path).num_chunks == 4  # uncommitted shards are invisible to readers
    w2 = ShardWriter(tmp_path, "w000", chunks_per_shard=2)
    assert w2.generation == 1
    assert not (tmp_path / ".tmp-w000-abc").exists()
    assert [r.file for r in w2.records] == ["w000-000000.shard", "w000-000001.shard", "w000-000002.shard"]
    w2.add(make_chunk(seed=9)), w2.flush()
    assert w2.records[-1].file == "w000-000003.shard"
    assert ShardReader(tmp_path, verify=True).num_chunks == 7


def test_corruption_is_detected(tmp_path):
    w = ShardWriter(tmp_path, "w000", chunks_per_shard=2)
    w.add(make_chunk(seed=0)), w.add(make_chunk(seed=1))
    path = tmp_path / "w000-000000.shard"
    data = bytearray(path.read_bytes())
    data[100] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ChunkDecodeError, match="sha256"):
        ShardReader(tmp_path, verify=True)
    with pytest.raises(ChunkDecodeError, match="checksum"):
        list(read_shard(path))
    path.write_bytes(bytes(data[:50]))
    with pytest.raises(ChunkDecodeError, match="needs"):
        list(read_shard(path))


def test_reader_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a masklam dataset"):
        ShardReader(tmp_path)
    w = ShardWriter(tmp_path, "w000", 1)
    w.add(make_chunk())
    (tmp_path / "w000-000000.shard").unlink()
    with pytest.raises(FileNotFoundError, match="missing"):
        ShardReader(tmp_path)
    with pytest.raises(ValueError, match="writer_id"):
        ShardWriter(tmp_path, "../evil")
