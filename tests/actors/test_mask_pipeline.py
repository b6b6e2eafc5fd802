"""Actors get predicted masks from a real segmentation service on 127.0.0.1."""

import functools

import numpy as np
import pytest

from actors.config import ActorConfig, EnvConfig, PolicyConfig
from actors.shards import ShardReader
from actors.sinks import ShardSink
from actors.worker import ActorWorker
from protos.seg_client import ClientConfig, SegmentationError
from tests.segserver.conftest import ServerProcess


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = ServerProcess(tmp_path_factory.mktemp("seg"))
    yield s
    s.kill()


def worker(tmp_path, address, preset="low", retries=4):
    actor = ActorConfig(chunk_len=16, chunk_overlap=4, chunks_per_shard=2,
                        segmentation=ClientConfig(address=address, retries=retries, backoff_s=0.01, timeout_s=5))
    env = EnvConfig(task="halfcheetah", preset=preset, max_episode_steps=100)
    return ActorWorker(env, PolicyConfig(), actor, 0, functools.partial(ShardSink, str(tmp_path)))


def test_chunks_carry_served_masks(server, tmp_path):
    w = worker(tmp_path, server.address)
    w.collect(150)
    w.close()
    chunks = list(ShardReader(tmp_path))
    assert chunks and all(c.pred_masks is not None and c.pred_masks.shape == c.gt_masks.shape for c in chunks)
    # overlap frames reuse the previous chunk's masks: consistent across chunk boundaries
    by_episode = {}
    for c in chunks:
        by_episode.setdefault(c.episode_id, []).append(c)
    for cs in by_episode.values():
        for prev, nxt in zip(cs, cs[1:]):
            np.testing.assert_array_equal(nxt.pred_masks[:nxt.first_new], prev.pred_masks[-nxt.first_new:])
    pred = np.concatenate([c.pred_masks for c in chunks]).astype(bool)
    gt = np.concatenate([c.gt_masks for c in chunks]).astype(bool)
    iou = (pred & gt).sum() / (pred | gt).sum()
    assert iou > 0.7, f"served masks should match the simulator's (IoU {iou:.3f})"
    assert w.masks.stats["seg_failures"] == 0


def test_dead_service_fails_loudly(tmp_path):
    from tests.segserver.conftest import free_port

    w = worker(tmp_path, f"127.0.0.1:{free_port()}", retries=1)
    with pytest.raises(SegmentationError, match="UNAVAILABLE"):
        w.collect(200)
        w.close()
