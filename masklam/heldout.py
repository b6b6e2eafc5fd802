"""Recording the frozen probe's held-out set; the protocol itself is `learner.heldout`."""

from __future__ import annotations

import dataclasses

from actors.config import ActorConfig, EnvConfig
from actors.sinks import ListSink
from actors.worker import ActorWorker
from masklam.config import HeldOutConfig


def heldout_chunks(env: EnvConfig, actor: ActorConfig, heldout: HeldOutConfig, base_seed: int) -> list:
    """At least `heldout.steps` steps over at least `heldout.min_episodes` episodes, test-split backgrounds, env
    seed `base_seed + heldout.seed_offset`, actions from `heldout.policy` (served masks if `actor` has a service)."""
    env = dataclasses.replace(env, seed=base_seed + heldout.seed_offset, split="test")
    policy = dataclasses.replace(heldout.policy, labelled_fraction=1.0)
    sink = ListSink()
    worker = ActorWorker(env, policy, actor, 0, lambda _wid: sink)
    try:
        steps = episodes = 0
        while steps < heldout.steps or episodes < heldout.min_episodes:
            stats = worker.collect(actor.steps_per_call)
            steps, episodes = steps + stats["steps"], episodes + stats["episodes"]
    finally:
        worker.close()  # ships the unfinished episode too
    return sink.chunks
