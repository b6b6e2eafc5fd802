"""Diagnostic (issue 16): can a policy that sees only what 3 frames show run Walker2d, given perfect perception?

BC on the proprioceptive states of a recorded dataset, with the observation cut down to what a 3-frame pixel stack
can show at best: the joint positions of the last 3 frames (`pos3`, optionally `stride` env steps apart, optionally
with Gaussian noise standing in for imperfect perception), against the full state with velocities (`full`).
Labels are the recorded (executed, noisy) actions or the expert's clean action at the same state (`clean`,
DART-style). Each cell is a training seed of a small MLP (256, 256; AdamW 1e-3, 6,000 steps of 256) evaluated in
the plain gymnasium env (no pixels) over `--episodes` fixed seeds. One core, seconds per cell.

    python results/policy/state_bc_diagnostic.py --task walker2d --data data/walker2d_low_expert50k \
        --out results/policy/state_bc_walker2d_cpu.json
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from actors.envs.tasks import get_task  # noqa: E402
from actors.evaluation import bootstrap_ci90  # noqa: E402
from actors.policies import MLPExpertPolicy, shipped_expert  # noqa: E402
from actors.shards import read_shard  # noqa: E402

def load_episodes(data: Path) -> list[tuple[np.ndarray, np.ndarray]]:
    """(states [T+1, S], actions [T, A]) of every complete episode, overlapping chunks merged by time index."""
    eps: dict[str, tuple[dict, dict]] = {}
    for shard in sorted(data.glob("*.shard")):
        for c in read_shard(shard):
            s, a = eps.setdefault(c.episode_id, ({}, {}))
            s.update({c.t0 + i: x for i, x in enumerate(c.states)})
            a.update({c.t0 + i: x for i, x in enumerate(c.actions)})
    out = []
    for s, a in eps.values():
        n = max(a) + 1
        if all(t in a and t in s for t in range(n)):
            out.append((np.stack([s[t] for t in range(n)]), np.stack([a[t] for t in range(n)])))
    return out


def features(states: np.ndarray, mode: str, npos: int, stride: int, noise: float, rng) -> np.ndarray:
    """Observation rows of one episode's states [T, S]; earlier frames repeat the first, as evaluation pads."""
    if mode == "full":
        return states
    pos = states[:, :npos] + (rng.normal(0, noise, (len(states), npos)) if noise else 0.0)
    t = np.arange(len(states))
    return np.concatenate([pos[np.maximum(t - j * stride, 0)] for j in (2, 1, 0)], axis=1)


def run_cell(episodes, clean_actions, env_id, npos, mode, stride, noise, clean, seed, eval_seeds) -> dict:
    rng = np.random.default_rng(seed)
    x = np.concatenate([features(s[:len(a)], mode, npos, stride, noise, rng) for s, a in episodes])
    y = np.concatenate(clean_actions if clean else [a for _, a in episodes])
    mu, sd = x.mean(0), x.std(0) + 1e-6
    xt, yt = torch.tensor((x - mu) / sd, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(x.shape[1], 256), torch.nn.ReLU(), torch.nn.Linear(256, 256),
                              torch.nn.ReLU(), torch.nn.Linear(256, y.shape[1]))
    opt = torch.optim.AdamW(net.parameters(), 1e-3)
    for _ in range(6000):
        i = torch.randint(0, len(xt), (256,))
        loss = ((net(xt[i]) - yt[i]) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        nmse = float(((net(xt) - yt) ** 2).mean() / yt.var(0).mean())
    env, returns = gym.make(env_id), []
    for s in eval_seeds:
        obs, _ = env.reset(seed=s)
        history, total, done = [obs], 0.0, False
        while not done:
            f = features(np.stack(history[-(2 * stride + 1):]), mode, npos, stride, noise, rng)[-1]
            with torch.no_grad():
                a = net(torch.tensor((f - mu) / sd, dtype=torch.float32)).numpy()
            obs, r, term, trunc, _ = env.step(np.clip(a, env.action_space.low, env.action_space.high))
            history.append(obs)
            total += float(r)
            done = term or trunc
        returns.append(total)
    env.close()
    lo, hi = bootstrap_ci90(returns)
    return {"mode": mode, "stride": stride, "noise": noise, "labels": "clean" if clean else "executed",
            "seed": seed, "train_nmse": round(nmse, 3), "return_mean": round(float(np.mean(returns)), 1),
            "return_ci90": [round(lo, 1), round(hi, 1)], "returns": [round(r, 1) for r in returns]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--task", default="walker2d")
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seeds", type=int, default=3, help="training seeds per cell")
    ap.add_argument("--episodes", type=int, default=10)
    args = ap.parse_args()
    torch.set_num_threads(1)
    spec = get_task(args.task)
    env_id, npos = spec.env_id, spec.state_positions
    episodes = load_episodes(Path(args.data))
    env = gym.make(env_id)
    expert = MLPExpertPolicy(shipped_expert(args.task), env.action_space.low, env.action_space.high)
    clean_actions = [np.stack([expert.act(s, None) for s in states[:len(a)]]) for states, a in episodes]
    eval_seeds = list(range(20000, 20000 + args.episodes))
    cells = [("full", 1, 0.0)] + [("pos3", s, n) for s, n in itertools.product((1, 4), (0.0, 0.01))]
    rows, t0 = [], time.perf_counter()
    for (mode, stride, noise), clean, seed in itertools.product(cells, (False, True), range(args.seeds)):
        row = run_cell(episodes, clean_actions, env_id, npos, mode, stride, noise, clean, seed, eval_seeds)
        rows.append(row)
        print(json.dumps(row), flush=True)
    result = {"task": args.task, "data": args.data, "episodes": len(episodes),
              "transitions": int(sum(len(a) for _, a in episodes)), "eval_seeds": eval_seeds,
              "hardware": "x86_64, 1 CPU thread", "wall_s": round(time.perf_counter() - t0, 1), "cells": rows}
    Path(args.out).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
