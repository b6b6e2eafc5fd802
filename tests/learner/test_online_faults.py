"""Online training survives a killed actor and a killed learner (real Ray, real rendering)."""

import functools
import threading

import pytest
import ray
from ray.util.queue import Queue

from actors.config import ActorConfig, EnvConfig, PolicyConfig
from actors.fleet import ActorFleet, stop_streaming
from actors.sinks import QueueSink
from learner.lam.config import LAMModelConfig
from learner.lam.learner_config import LAMLearnerConfig
from learner.online import OnlineLAMLearner

pytestmark = pytest.mark.slow


def test_killed_actor_and_learner_recover(ray_local, tmp_path):
    queue = Queue(maxsize=8, actor_options={"num_cpus": 0})
    env = EnvConfig(task="halfcheetah", preset="causal", size=32)
    actor_cfg = ActorConfig(chunk_len=24, chunk_overlap=12, steps_per_call=50, max_restarts=2)
    fleet = ActorFleet(env, PolicyConfig(), actor_cfg, 1, functools.partial(QueueSink, queue))
    stop = threading.Event()
    thread = threading.Thread(target=fleet.run, args=(10**9, None, stop), daemon=True)
    thread.start()
    cfg = LAMLearnerConfig(methods=["lapo", "masklam_gt"], batch_size=4, device="cpu",
                           model=LAMModelConfig(channels=[4, 8], blocks=1, latent_dim=8, size=32))
    learner = ray.remote(OnlineLAMLearner).options(num_cpus=0, max_restarts=2, max_task_retries=2).remote(
        cfg=cfg, action_dim=6, queue=queue, checkpoint_dir=str(tmp_path), checkpoint_every=5, min_blocks=8)
    try:
        first = ray.get(learner.train.remote(10), timeout=120)
        assert first.updates == 10 and first.chunks_in > 0
        ray.kill(fleet.workers[0], no_restart=False)  # an actor dies: Ray restarts it, the stream resumes
        ray.kill(learner, no_restart=False)           # the learner dies: restarted from its last checkpoint
        second = ray.get(learner.train.remote(5), timeout=120)
        assert second.updates == 15, "the update counter continues from the checkpoint"
        assert ray.get(learner.info.remote()).resumed_from == 10
        third = ray.get(learner.train.remote(5), timeout=120)  # and fresh chunks keep arriving
        assert third.chunks_in > second.chunks_in
    finally:
        stop_streaming(fleet, stop, thread, queue)
