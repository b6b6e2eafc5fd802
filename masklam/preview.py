"""`masklam preview`: what the learner will see -- distracted frames with the agent mask outlined."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from actors.envs import make_env
from masklam.config import PreviewConfig, save_config

OUTLINE = np.array([255, 0, 255], dtype=np.uint8)


def outline(frame: np.ndarray, mask: np.ndarray, scale: int) -> np.ndarray:
    """Upscale a frame and draw the boundary of `mask` on it."""
    big = frame.repeat(scale, 0).repeat(scale, 1)
    m = mask.astype(bool).repeat(scale, 0).repeat(scale, 1)
    inner = m.copy()  # 4-neighbour erosion
    inner[1:] &= m[:-1]
    inner[:-1] &= m[1:]
    inner[:, 1:] &= m[:, :-1]
    inner[:, :-1] &= m[:, 1:]
    big[m & ~inner] = OUTLINE
    return big


def run_preview_command(cfg: PreviewConfig) -> None:
    """`masklam preview`: the presets table with `presets_table`, else a preview grid and GIF."""
    if cfg.presets_table:
        print(f"wrote {run_presets_table(cfg)}")
    else:
        png, gif = run_preview(cfg)
        print(f"wrote {png} and {gif}")


def run_preview(cfg: PreviewConfig) -> tuple[Path, Path]:
    """Roll out a random policy and write preview.png (grid) and preview.gif; returns their paths."""
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    save_config(cfg, out, "preview_config.yaml")
    env = make_env(cfg.env.task, cfg.env.preset, seed=cfg.env.seed, size=cfg.env.size,
                   video_source=cfg.env.video_source, split=cfg.env.split)
    frame, info = env.reset()
    frames = [outline(frame, info["agent_mask"], cfg.scale)]
    for _ in range(cfg.frames - 1):
        frame, _, terminated, truncated, info = env.step(env.action_space.sample())
        frames.append(outline(frame, info["agent_mask"], cfg.scale))
        if terminated or truncated:
            frame, info = env.reset()
    env.close()
    n = cfg.grid * cfg.grid
    picks = np.linspace(0, len(frames) - 1, n).astype(int)
    rows = [np.concatenate([frames[i] for i in picks[r * cfg.grid:(r + 1) * cfg.grid]], axis=1)
            for r in range(cfg.grid)]
    png, gif = out / "preview.png", out / "preview.gif"
    Image.fromarray(np.concatenate(rows, axis=0)).save(png)
    write_gif(frames, gif, duration_ms=50)
    return png, gif


def run_presets_table(cfg: PreviewConfig) -> Path:
    """presets.png: rows = tasks, columns = presets, each the frame after `cfg.frames` random steps (same seeds)."""
    from actors.envs import PRESETS, TASKS

    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for task in TASKS:
        row = []
        for preset in PRESETS:
            env = make_env(task, preset, seed=cfg.env.seed, size=cfg.env.size, video_source=cfg.env.video_source,
                           split=cfg.env.split)
            frame, _ = env.reset(seed=cfg.env.seed)
            rng = np.random.default_rng(cfg.env.seed)
            for _ in range(cfg.frames):
                frame, _, terminated, truncated, _ = env.step(rng.uniform(-1, 1, env.action_space.shape))
                if terminated or truncated:
                    frame, _ = env.reset()
            env.close()
            row.append(frame.repeat(cfg.scale, 0).repeat(cfg.scale, 1))
        rows.append(np.concatenate(row, axis=1))
    path = out / "presets.png"
    Image.fromarray(np.concatenate(rows, axis=0)).save(path)
    return path


def write_gif(frames: list[np.ndarray], path: str | Path, scale: int = 1, duration_ms: int = 80) -> Path:
    """An endlessly looping GIF of RGB uint8 frames, each upscaled `scale` times (nearest neighbour)."""
    if not frames:
        raise ValueError("no frames to write")
    images = [Image.fromarray(np.kron(f, np.ones((scale, scale, 1), np.uint8)) if scale > 1 else f) for f in frames]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    images[0].save(path, save_all=True, append_images=images[1:], duration=duration_ms, loop=0)
    return path
