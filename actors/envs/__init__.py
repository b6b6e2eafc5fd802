"""Distracting MuJoCo environments: `make_env(task, preset, seed, size, video_source)`."""

from __future__ import annotations

from pathlib import Path

import actors  # noqa: F401  (selects the EGL backend before mujoco loads)
from actors.envs.backgrounds import DavisVideoSource, ProceduralVideoSource, VideoSource, make_video_source
from actors.envs.distracting_env import DistractingMujocoEnv
from actors.envs.presets import PRESETS, DistractorPreset, get_preset
from actors.envs.tasks import TASKS, TaskSpec, get_task


def make_env(task: str, preset: str = "low", seed: int = 0, size: int = 64,
             video_source: str | Path | VideoSource | None = None, split: str = "train",
             max_episode_steps: int | None = None, render_mode: str | None = None) -> DistractingMujocoEnv:
    """Build a distracting pixel env.

    task: halfcheetah | hopper | walker2d | humanoid (gymnasium v5). preset: none | low | medium | hard | causal.
    video_source: None or "procedural" for the seeded generator, a DAVIS-layout folder path, or a VideoSource.
    split: which background split to draw from ("train" for data collection, "test" for held-out evaluation).
    """
    spec, p = get_task(task), get_preset(preset)
    videos = make_video_source(video_source, size, split) if p.background_video else None
    return DistractingMujocoEnv(spec, p, videos, size=size, seed=seed, max_episode_steps=max_episode_steps,
                                render_mode=render_mode)


__all__ = ["PRESETS", "TASKS", "DavisVideoSource", "DistractingMujocoEnv", "DistractorPreset",
           "ProceduralVideoSource", "TaskSpec", "VideoSource", "make_env", "make_video_source"]
