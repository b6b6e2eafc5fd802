"""Diagnostic (issue 17): how much of a_t do the IDM's inputs carry, before any model is trained?

On a random-action dataset (a_t independent of the state), a ridge probe a_t <- features with the project's frozen
probe protocol (`learner.probe.episode_cv_probe`: nested cross-validation over whole episodes, 90% bootstrap
interval over episodes). The features are what an IDM could read, from perfect perception down to raw pixels:

- `state_t`: the full proprioceptive state s_t (positions and velocities), the leak level (about 1.0 here);
- `state_t_t1`: s_t and s_{t+1}: with velocities the action's effect on them is nearly linear (an upper bound);
- `qpos_x4`: the joint positions of the 4 frames an IDM sees at k = 1 (t-2 .. t+1), i.e. perfect perception of
  the frames, linear; `qpos_x4_quad` adds their pairwise products (the dynamics are not linear in the pose);
- `pix_d1`, `pix_d2`: first (x_{t+1} - x_t) and second (x_{t+1} - 2 x_t + x_{t-1}) pixel differences, frames
  averaged to 32x32 grey (1,024 values); the action is a torque, so it shows in the second difference.

    python results/learner/action_visibility.py --data data/hc_none_random \
        --out results/learner/action_visibility_none_cpu.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from actors.envs.tasks import get_task  # noqa: E402
from actors.shards import ShardReader  # noqa: E402
from learner.device import hardware  # noqa: E402
from learner.probe import episode_cv_probe  # noqa: E402

def grey32(frames: np.ndarray) -> np.ndarray:
    """uint8 [T, 64, 64, 3] -> float32 [T, 32 * 32] in [0, 1]: 2x2 average pooling of the channel mean."""
    t, h, w, _ = frames.shape
    g = frames.astype(np.float32).mean(-1) / 255.0
    return g.reshape(t, h // 2, 2, w // 2, 2).mean((2, 4)).reshape(t, -1)


def load(data: Path) -> tuple[dict[str, np.ndarray], str]:
    """Per transition t (with frames t-2 .. t+1 in the episode): features' raw parts, a_t and the episode index."""
    eps: dict[str, tuple[dict, dict, dict]] = {}
    task = ""
    for c in ShardReader(data):
        task = c.task
        g, s, a = eps.setdefault(c.episode_id, ({}, {}, {}))
        grey = grey32(c.frames)
        g.update({c.t0 + i: x for i, x in enumerate(grey)})
        s.update({c.t0 + i: x for i, x in enumerate(c.states)})
        a.update({c.t0 + i: x for i, x in enumerate(c.actions)})
    cols: dict[str, list] = {k: [] for k in ("g", "s", "a", "ep")}
    for e, (g, s, a) in enumerate(eps.values()):
        for t in sorted(a):
            if all(u in g and u in s for u in range(t - 2, t + 2)):
                cols["g"].append(np.stack([g[u] for u in range(t - 2, t + 2)]))
                cols["s"].append(np.stack([s[u] for u in range(t - 2, t + 2)]))
                cols["a"].append(a[t])
                cols["ep"].append(e)
    return {k: np.asarray(v) for k, v in cols.items()}, task


def pairwise(x: np.ndarray) -> np.ndarray:
    i, j = np.triu_indices(x.shape[1])
    return np.concatenate([x, x[:, i] * x[:, j]], axis=1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    t0 = time.perf_counter()
    d, task = load(args.data)
    npos = get_task(task).state_positions
    s, g = d["s"], d["g"]  # [N, 4, S] and [N, 4, 1024] for frames t-2, t-1, t, t+1
    qpos = s[:, :, :npos].reshape(len(s), -1)
    features = {
        "state_t": s[:, 2],
        "state_t_t1": np.concatenate([s[:, 2], s[:, 3]], axis=1),
        "qpos_x4": qpos,
        "qpos_x4_quad": pairwise(qpos),
        "pix_d1": g[:, 3] - g[:, 2],
        "pix_d2": g[:, 3] - 2 * g[:, 2] + g[:, 1],
    }
    out = {"what": __doc__.split("\n\n")[0], "data": str(args.data), "task": task, "rows": len(s),
           "episodes": int(len(np.unique(d["ep"]))), "hardware": hardware(), "probe": {}}
    # How far the action moves the joints in one step: the part of q_{t+1} - q_t that a_t explains linearly.
    step = s[:, 3, :npos] - s[:, 2, :npos]
    design = np.c_[d["a"], np.ones(len(s))]
    fit = design @ np.linalg.lstsq(design, step, rcond=None)[0]
    out["position_step"] = {"std_rad": step.std(0).round(4).tolist(),
                            "std_explained_by_action_rad": fit.std(0).round(4).tolist()}
    for name, x in features.items():
        score = episode_cv_probe(x, d["a"], d["ep"])
        out["probe"][name] = {"nmse": score.nmse, "ci90": list(score.ci90), "dims": int(x.shape[1])}
        print(f"{name:14s} {x.shape[1]:5d} dims  NMSE {score.nmse:.3f} [{score.ci90[0]:.3f}, {score.ci90[1]:.3f}]",
              flush=True)
    out["seconds"] = time.perf_counter() - t0
    args.out.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
