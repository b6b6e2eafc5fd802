"""Policy stage of one method: label -> RLlib BC -> decoder (latent methods) -> policy checkpoint.

Every step leaves its output in the run directory and is skipped when that output exists, so an interrupted run
(or a restored Tune trial) continues where it stopped.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from ray.rllib.core import DEFAULT_MODULE_ID

from actors.chunks import Chunk
from actors.shards import atomic_write_bytes
from learner.policy.bc import build_bc_config, observation_space, target_space
from learner.policy.checkpoint import load_policy, save_policy
from learner.policy.config import LatentPolicyConfig
from learner.policy.dataset import Labeller, policy_blocks, stack_frames, true_actions, write_bc_dataset
from learner.policy.decoder import fit_decoder
from learner.policy.rl_module import PixelPolicyRLModule

FRAME_STACK = 3


def train_policy(chunks: list[Chunk], out_dir: str | Path, cfg: LatentPolicyConfig, labeller: Labeller | None,
                 target_dim: int, action_dim: int, meta: dict, log: Callable[[str], None] = print) -> dict:
    """Train the policy of one method on recorded chunks; returns its training stats (also in policy.json).

    labeller None means BC on all true labels (the "bc" baseline: the module outputs real actions directly);
    otherwise BC regresses the labeller's latents and a decoder maps features to real actions.
    """
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    policy_path, stats_path = out / "policy.pt", out / "policy.json"
    if policy_path.exists() and stats_path.exists():
        log(f"policy already trained: {policy_path}")
        return json.loads(stats_path.read_text())
    size = int(chunks[0].frames.shape[1])
    latent = labeller is not None
    stats: dict = {"target": "latent" if latent else "true_actions", "target_dim": target_dim}

    labels_dir, done_marker = out / "labels", out / "labels" / "_COMPLETE"
    if not done_marker.exists():
        shutil.rmtree(labels_dir, ignore_errors=True)
        t = time.perf_counter()
        blocks = policy_blocks(chunks, FRAME_STACK, labelled_only=not latent)
        rows = write_bc_dataset(blocks, labeller or true_actions(FRAME_STACK), labels_dir, FRAME_STACK)
        done_marker.write_text(str(rows))
        log(f"labelled {rows} transitions ({stats['target']}) in {time.perf_counter() - t:.1f}s")
    stats["bc_rows"] = int(done_marker.read_text())

    model_config = {**dataclasses.asdict(cfg.model), "frame_stack": FRAME_STACK, "size": size,
                    "real_action_dim": action_dim if latent else 0}
    t = time.perf_counter()
    module, bc_stats = _behaviour_clone(labels_dir, size, target_dim, model_config, cfg, log)
    stats.update(bc_stats, bc_seconds=time.perf_counter() - t)

    if latent:
        obs, acts = _labelled_transitions(chunks, cfg.decoder_transitions)
        t = time.perf_counter()
        stats.update(fit_decoder(module, obs, acts, cfg.decoder_steps, cfg.decoder_lr, cfg.decoder_batch_size,
                                 cfg.seed), decoder_seconds=time.perf_counter() - t)
        log(f"decoder: {len(obs)} labelled transitions, val MSE {stats['decoder_mse_val']:.4f}")
    save_policy(module, policy_path, {**meta, "size": size, "frame_stack": FRAME_STACK})
    atomic_write_bytes(stats_path, json.dumps(stats, indent=2).encode())
    if not cfg.keep_labels:
        shutil.rmtree(labels_dir, ignore_errors=True)
    return stats


def _behaviour_clone(labels_dir: Path, size: int, target_dim: int, model_config: dict, cfg: LatentPolicyConfig,
                     log: Callable[[str], None]):
    config = build_bc_config(labels_dir, observation_space(size, FRAME_STACK), target_dim, model_config,
                             cfg.batch_size, cfg.lr, cfg.bc_batches_per_iteration, cfg.seed, cfg.device)
    algo = config.build_algo()
    try:
        losses = []
        for i in range(cfg.bc_iterations):
            result = algo.train()
            learner = result.get("learners", {}).get("default_policy", {})
            loss = learner.get("policy_loss", float("nan"))
            losses.append(float(loss))
            if i == 0 or (i + 1) % max(1, cfg.bc_iterations // 10) == 0 or i + 1 == cfg.bc_iterations:
                log(f"BC iteration {i + 1}/{cfg.bc_iterations}: policy_loss (Gaussian NLL) {loss:.4f}")
        # offline BC has no env runners, so the trained weights come from the learner group
        weights = algo.learner_group.get_weights()[DEFAULT_MODULE_ID]
        copy = PixelPolicyRLModule(observation_space=observation_space(size, FRAME_STACK),
                                   action_space=target_space(target_dim), model_config=model_config)
        copy.load_state_dict({k: torch.as_tensor(v) for k, v in weights.items()})
        copy.eval()
    finally:
        algo.stop()
        # the offline data iterator is a generator that reports to Ray when collected: collect it while Ray is up
        del algo
        gc.collect()
    return copy, {"bc_loss_first": losses[0], "bc_loss_last": losses[-1],
                  "bc_minibatches": cfg.bc_iterations * cfg.bc_batches_per_iteration}


def _labelled_transitions(chunks: list[Chunk], limit: int) -> tuple[np.ndarray, np.ndarray]:
    obs, acts, n = [], [], 0
    for batch in policy_blocks(chunks, FRAME_STACK, labelled_only=True):
        obs.append(stack_frames(batch.frames[:, :FRAME_STACK]))
        acts.append(batch.actions[:, FRAME_STACK - 1])
        n += len(obs[-1])
        if n >= limit:
            break
    return np.concatenate(obs)[:limit], np.concatenate(acts)[:limit]


__all__ = ["FRAME_STACK", "load_policy", "train_policy"]
