"""`DistractingMujocoEnv`: a gymnasium MuJoCo task observed through distracted 64x64 RGB frames."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from actors.envs.backgrounds import VideoPlayer, VideoSource
from actors.envs import mujoco_warnings
from actors.envs.distractors import AGENT, CameraShake, ColourWalk, MovingObjects
from actors.envs.presets import DistractorPreset
from actors.envs.render import SceneRenderer, agent_geom_ids
from actors.envs.skybox import SkyMap, composite
from actors.envs.tasks import TaskSpec


class DistractingMujocoEnv(gym.Env):
    """Observation: the distracted RGB frame, uint8 (size, size, 3).

    `info["agent_mask"]`: the ground-truth agent mask of that frame, uint8 {0,1} (size, size), from MuJoCo's
    segmentation rendering. A video background is the sky (it pans with the camera as a skybox does) and shows
    through the floor only where the task's `ground_plane_alpha` < 1 (DCS semantics, DESIGN.md section 3). `info["state"]`: the underlying proprioceptive observation. Rewards, termination and
    truncation are the gymnasium task's own.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 20}

    def __init__(self, task: TaskSpec, preset: DistractorPreset, videos: VideoSource | None, size: int = 64,
                 seed: int = 0, max_episode_steps: int | None = None, render_mode: str | None = None):
        if size < 16 or size > 512:
            raise ValueError(f"frame size must be in [16, 512], got {size}")
        if preset.background_video and videos is None:
            raise ValueError(f"preset {preset.name!r} needs a background video source")
        self.task, self.preset, self.videos, self.size = task, preset, videos, size
        self.render_mode = render_mode
        mujoco_warnings.install()
        kwargs = {} if max_episode_steps is None else {"max_episode_steps": max_episode_steps}
        self._inner = gym.make(task.env_id, disable_env_checker=True, **kwargs)
        self._mj = self._inner.unwrapped
        self.model, self.data = self._mj.model, self._mj.data
        self.action_space = self._inner.action_space
        self.state_space = self._inner.observation_space
        self._act_low, self._act_high = self.action_space.low, self.action_space.high
        self.observation_space = gym.spaces.Box(0, 255, shape=(size, size, 3), dtype=np.uint8)
        self._renderer = SceneRenderer(self.model, size, task.camera_distance, task.camera_elevation)
        self._sky_map: SkyMap | None = None
        self._sky: np.ndarray | None = None
        self._classes: np.ndarray | None = None
        self._agent_geoms = agent_geom_ids(self.model)
        self._base_geom_rgba = self.model.geom_rgba.copy()
        self._default_seed = seed
        # the action-correlated objects' map is fixed for the env's lifetime, drawn from its construction seed
        a_dim = int(np.prod(self.action_space.shape))
        self._object_w = np.random.default_rng([seed, 7]).normal(0.0, 1.0 / np.sqrt(a_dim),
                                                                  size=(2 * max(1, preset.moving_objects), a_dim))
        self._video: VideoPlayer | None = None
        self._shake: CameraShake | None = None
        self._colours: ColourWalk | None = None
        self._objects: MovingObjects | None = None
        self._frame: np.ndarray | None = None

    # -- gymnasium API -------------------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        if seed is None and self._np_random is None:
            seed = self._default_seed
        super().reset(seed=seed)
        rng = self.np_random
        self.action_space.seed(int(rng.integers(2**31)))
        state, info = self._inner.reset(seed=int(rng.integers(2**31)))
        p = self.preset
        self.model.geom_rgba[:] = self._base_geom_rgba
        self._video = VideoPlayer(self.videos.sample(rng), rng) if p.background_video else None
        self._shake = CameraShake(p.scale, self.task.camera_distance, rng) if p.scale > 0 else None
        self._colours = ColourWalk(self.model, self._agent_geoms, p.scale, rng) if p.scale > 0 else None
        self._objects = None
        if p.moving_objects:
            self._objects = MovingObjects(p.moving_objects, self.size, self.action_space.shape[0],
                                          p.action_correlated, self._object_w, rng)
        if self._video is not None and (self._sky_map is None or self._sky_map.video_size != self._video.size):
            self._sky_map = self._anchored_sky_map(self._video.size)
        frame, mask = self._observe()
        return frame, {**info, "agent_mask": mask, "state": np.asarray(state, dtype=np.float32)}

    def step(self, action):
        if self._frame is None:
            raise RuntimeError("call reset() before step()")
        action = np.asarray(action, dtype=np.float32)
        state, reward, terminated, truncated, info = self._inner.step(action)
        if self._video is not None:
            self._video.advance()
        if self._shake is not None:
            self._shake.advance()
        if self._colours is not None:
            self._colours.advance()
        if self._objects is not None:
            self._objects.advance(np.maximum(np.minimum(action, self._act_high), self._act_low))
        frame, mask = self._observe()
        info = {**info, "agent_mask": mask, "state": np.asarray(state, dtype=np.float32)}
        return frame, float(reward), bool(terminated), bool(truncated), info

    @property
    def current_background(self) -> np.ndarray | None:
        """The sky behind the current observation as the camera sees it, uint8 (size, size, 3); None without a video."""
        return self._sky

    @property
    def pixel_classes(self) -> np.ndarray | None:
        """Per-pixel class of the current observation (render.BACKGROUND = sky, FLOOR, AGENT), uint8 (size, size)."""
        return self._classes

    @property
    def agent_geoms(self) -> np.ndarray:
        """Ids of the robot's geoms (everything not attached to the world body)."""
        return self._agent_geoms

    def render(self):
        return None if self._frame is None else self._frame.copy()

    def close(self):
        self._renderer.close()
        self._inner.close()

    # -- internals -----------------------------------------------------------------------------------------
    def _anchored_sky_map(self, video_size: int) -> SkyMap:
        """A sky map whose video centre lies on the unshaken camera's line of sight."""
        sky = SkyMap(self.size, video_size, float(self.model.vis.global_.fovy))
        self._renderer.set_camera()
        self._renderer.render(self.data)
        sky.anchor(self._renderer.view[0])
        return sky

    def _observe(self) -> tuple[np.ndarray, np.ndarray]:
        if self._shake is not None:
            self._renderer.set_camera(*self._shake.offsets)
        rgb, classes = self._renderer.render(self.data)
        self._classes = classes
        self._sky = None
        if self._video is not None:
            self._sky = self._sky_map.sky(self._video.frame(), self._sky_map.index(*self._renderer.view))
        frame = composite(rgb, classes, self._sky, self.task.ground_plane_alpha)
        agent = classes == AGENT
        if self._objects is not None:
            if frame is rgb:
                frame = rgb.copy()
            self._objects.paint(frame, ~agent)
        self._frame = frame
        return frame, agent.astype(np.uint8)
