"""The actor fleet on a real local Ray with real rendering."""

import functools
import json

import pytest

from actors.config import ActorConfig, EnvConfig, PolicyConfig
from actors.fleet import ActorFleet
from actors.shards import ShardReader
from actors.sinks import ShardSink

pytestmark = pytest.mark.slow


def small_fleet(tmp_path, actors=2, max_restarts=2):
    env = EnvConfig(task="halfcheetah", preset="causal", size=32, max_episode_steps=120)
    actor = ActorConfig(envs_per_actor=2, chunk_len=16, chunk_overlap=4, chunks_per_shard=2, steps_per_call=100,
                        max_restarts=max_restarts)
    sink = functools.partial(ShardSink, str(tmp_path), chunks_per_shard=actor.chunks_per_shard)
    return ActorFleet(env, PolicyConfig(labelled_fraction=0.5), actor, actors, sink)


def check_dataset(path):
    reader = ShardReader(path, verify=True)
    keys = [(c.episode_id, c.t0) for c in reader]
    assert len(keys) == len(set(keys)), "no chunk is duplicated"
    return reader


def test_fleet_collects_valid_shards(ray_local, tmp_path):
    fleet = small_fleet(tmp_path)
    seen = []
    progress = fleet.run(1000, seen.append)
    progress = fleet.close(progress)
    assert progress.steps == 1000 and len(seen) == 10
    assert progress.episodes >= 6  # 120-step episodes over 4 envs
    reader = check_dataset(tmp_path)
    # every env step is one new transition, and close() shipped the unfinished episodes
    assert reader.num_transitions == 1000
    chunks = list(reader)
    assert {c.meta["worker"] for c in chunks} == {"w000", "w001"}
    assert any(c.labelled for c in chunks) and not all(c.labelled for c in chunks)
    assert all(c.frames.shape[1:] == (32, 32, 3) and c.gt_masks.any() for c in chunks)


def test_killed_actor_restarts_without_losing_or_duplicating_committed_shards(ray_local, tmp_path):
    fleet = small_fleet(tmp_path, actors=1)
    fleet.run(300)
    committed = json.loads((tmp_path / "manifests" / "w000.json").read_text())["shards"]
    assert committed, "some shards were committed before the crash"
    worker = fleet.workers[0]
    ref = worker.collect.remote(400)
    import ray

    ray.kill(worker, no_restart=False)  # crash mid-call: Ray restarts the actor and retries the call
    stats = ray.get(ref)
    assert stats["steps"] == 400
    fleet.close()
    manifest = json.loads((tmp_path / "manifests" / "w000.json").read_text())
    assert manifest["generation"] == 1
    assert manifest["shards"][: len(committed)] == committed, "committed shards survive the crash untouched"
    reader = check_dataset(tmp_path)
    ids = {c.episode_id for c in reader}
    assert any("-g0-" in i for i in ids) and any("-g1-" in i for i in ids)


def test_actor_construction_errors_surface(ray_local, tmp_path):
    env = EnvConfig(task="halfcheetah", preset="low", video_source=str(tmp_path / "no_davis_here"))
    sink = functools.partial(ShardSink, str(tmp_path))
    with pytest.raises(Exception, match="DAVIS-layout"):
        ActorFleet(env, PolicyConfig(), ActorConfig(max_restarts=0), 1, sink)
