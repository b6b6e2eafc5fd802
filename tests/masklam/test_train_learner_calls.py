"""The driver's call into the learner actor: a learner that is unreachable for a while is asked again."""

import pytest
import ray
from rich.console import Console

from masklam import train


class _Learner:
    class train:  # noqa: N801 (mirrors an actor handle's method: learner.train.remote(n))
        @staticmethod
        def remote(n):
            return n


def test_an_unavailable_learner_is_asked_again(monkeypatch):
    calls = []

    def flaky_get(ref):
        calls.append(ref)
        if len(calls) < 3:
            raise ray.exceptions.ActorUnavailableError("unreachable", b"\x00" * 16)
        return f"report of {ref} updates"

    monkeypatch.setattr(train.ray, "get", flaky_get)
    monkeypatch.setattr(train.time, "sleep", lambda _s: None)
    console = Console(record=True)
    assert train._call_learner(_Learner(), 20, console) == "report of 20 updates"
    assert len(calls) == 3 and "learner unavailable" in console.export_text()


def test_a_learner_that_stays_unavailable_ends_the_run(monkeypatch):
    def dead_get(_ref):
        raise ray.exceptions.ActorUnavailableError("unreachable", b"\x00" * 16)

    monkeypatch.setattr(train.ray, "get", dead_get)
    monkeypatch.setattr(train.time, "sleep", lambda _s: None)
    with pytest.raises(ray.exceptions.ActorUnavailableError):
        train._call_learner(_Learner(), 20, Console(record=True), attempts=3)
