"""Cuts one episode's stream of frames into overlapping chunks."""

from __future__ import annotations

import numpy as np

from actors.chunks import Chunk


class EpisodeRecorder:
    """Buffers an episode and emits a `Chunk` every `chunk_len` frames, keeping `overlap` frames for the next."""

    def __init__(self, chunk_len: int, overlap: int, task: str, preset: str, env_seed: int, episode_id: str,
                 labelled: bool, meta: dict | None = None):
        self.chunk_len, self.overlap = chunk_len, overlap
        self.header = dict(task=task, preset=preset, env_seed=env_seed, episode_id=episode_id, labelled=labelled,
                           meta=dict(meta or {}))
        self.t0 = 0
        self.first_new = 0
        self.frames: list[np.ndarray] = []
        self.masks: list[np.ndarray] = []
        self.states: list[np.ndarray] = []
        self.actions: list[np.ndarray] = []
        self.rewards: list[float] = []
        self.episode_return = 0.0
        self.length = 0

    def start(self, frame: np.ndarray, mask: np.ndarray, state: np.ndarray) -> None:
        self.frames, self.masks, self.states = [frame], [mask], [state]

    def add(self, action: np.ndarray, reward: float, frame: np.ndarray, mask: np.ndarray, state: np.ndarray,
            terminated: bool, truncated: bool) -> Chunk | None:
        """Record one transition; returns a chunk when one is complete (always at the end of the episode)."""
        self.actions.append(action)
        self.rewards.append(reward)
        self.frames.append(frame)
        self.masks.append(mask)
        self.states.append(state)
        self.episode_return += reward
        self.length += 1
        if terminated or truncated:
            return self._emit(terminated, truncated)
        if len(self.frames) == self.chunk_len:
            chunk = self._emit(False, False)
            self._keep_overlap()
            return chunk
        return None

    def finish(self) -> Chunk | None:
        """Emit what is buffered of an unfinished episode (collection stopped), if it holds anything new."""
        has_new = len(self.frames) >= 2 and (self.first_new == 0 or len(self.frames) > self.first_new)
        return self._emit(False, False) if has_new else None

    def _emit(self, terminated: bool, truncated: bool) -> Chunk:
        return Chunk(t0=self.t0, frames=np.stack(self.frames), gt_masks=np.stack(self.masks),
                     actions=np.stack(self.actions).astype(np.float32),
                     rewards=np.asarray(self.rewards, np.float32), states=np.stack(self.states).astype(np.float32),
                     terminated=terminated, truncated=truncated, first_new=self.first_new, **self.header)

    def _keep_overlap(self) -> None:
        k = self.overlap
        self.t0 += len(self.frames) - k
        self.frames, self.masks, self.states = self.frames[-k:], self.masks[-k:], self.states[-k:]
        self.actions, self.rewards = self.actions[len(self.actions) - (k - 1):], self.rewards[len(self.rewards) - (k - 1):]
        self.first_new = k
