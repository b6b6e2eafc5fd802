import numpy as np

from actors.chunks import Chunk


def make_chunk(t=8, h=16, w=16, a=6, s=17, seed=0, first_new=0, pred=True, **kw) -> Chunk:
    rng = np.random.default_rng(seed)
    return Chunk(task="halfcheetah", env_seed=3, episode_id=f"w000-g0-e{seed}", t0=0,
                 frames=rng.integers(0, 256, (t, h, w, 3), dtype=np.uint8),
                 gt_masks=rng.integers(0, 2, (t, h, w), dtype=np.uint8),
                 actions=rng.uniform(-1, 1, (t - 1, a)).astype(np.float32),
                 rewards=rng.normal(size=t - 1).astype(np.float32),
                 states=rng.normal(size=(t, s)).astype(np.float32),
                 pred_masks=rng.integers(0, 2, (t, h, w), dtype=np.uint8) if pred else None,
                 first_new=first_new, preset="hard", meta={"worker": "w000", "reset_seed": 7}, **kw)
