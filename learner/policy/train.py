"""Policy stage of one method: label -> RLlib BC -> decoder (latent methods) -> policy checkpoint.

Every step leaves its output in the run directory and is skipped when that output exists, so an interrupted run
(or a restored Tune trial) continues where it stopped. The BC stage (labels + BC, the expensive part) is kept as
bc_stage.pt: the decoder's label budget N can then be varied without training BC again.
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
from common.files import atomic_write_bytes
from learner.lam.config import FRAME_STACK
from learner.policy.bc import build_bc_config, observation_space, target_space
from learner.policy.checkpoint import load_policy, save_policy
from learner.policy.config import LatentPolicyConfig
from learner.policy.dataset import Labeller, policy_blocks, stack_frames, true_actions, write_bc_dataset
from learner.policy.decoder import encoder_features, fit_decoder
from learner.policy.rl_module import PixelPolicyRLModule
from learner.tensorboard import run_writer

BC_STAGE, BC_STAGE_STATS = "bc_stage.pt", "bc_stage.json"
"""The BC stage's module (decoder untrained) and stats, kept beside policy.pt: a crash after BC resumes from it,
and a label-budget sweep starts its other runs from it (adopt_bc_stage)."""
BC_STAGE_FIELDS = ("model", "bc_iterations", "bc_batches_per_iteration", "batch_size", "lr", "lr_schedule",
                   "val_fraction", "val_rows", "seed", "bc_decoder_labels")
"""The LatentPolicyConfig fields the BC stage depends on (with the data and the labeller): a run may adopt another's
BC stage only when all of them are equal."""


def bc_stage_fields(cfg: LatentPolicyConfig) -> tuple[str, ...]:
    """BC_STAGE_FIELDS, plus the label budget where few-label BC trains on the decoder's labels."""
    return BC_STAGE_FIELDS + (("decoder_transitions",) if cfg.bc_decoder_labels else ())


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
    meta = {**meta, "size": size, "frame_stack": FRAME_STACK}
    stage_pt, stage_json = out / BC_STAGE, out / BC_STAGE_STATS
    if stage_pt.exists() and stage_json.exists():  # BC done earlier (or adopted from another run: adopt_bc_stage)
        module, _ = load_policy(stage_pt)
        stats = json.loads(stage_json.read_text())
        log(f"BC stage already trained: {stage_pt} (held-out NMSE {stats['bc_heldout_nmse']:.3f})")
    else:
        module, stats = _bc_stage(chunks, out, cfg, labeller, target_dim, action_dim, size, log)
        save_policy(module, stage_pt, meta)
        atomic_write_bytes(stage_json, json.dumps(stats, indent=2).encode())

    if latent:
        fit_eps, held_eps = decoder_episodes(chunks, cfg.decoder_transitions, cfg.seed)
        t = time.perf_counter()
        feats, acts = _features(module, chunks, fit_eps, None)
        vfeats, vacts = _features(module, chunks, held_eps, cfg.val_rows)
        stats.update(fit_decoder(module, feats, acts, vfeats, vacts, cfg.decoder_steps, cfg.decoder_lr,
                                 cfg.decoder_batch_size, cfg.seed),
                     decoder_seconds=time.perf_counter() - t, decoder_episodes=len(fit_eps),
                     decoder_val_episodes=len(held_eps))
        log(f"decoder: {len(feats)} labelled transitions from {len(fit_eps)} whole episodes, held-out action NMSE "
            f"{stats['decoder_nmse_val']:.3f} ({len(held_eps)} other episodes)")
    save_policy(module, policy_path, meta)
    atomic_write_bytes(stats_path, json.dumps(stats, indent=2).encode())
    return stats


def adopt_bc_stage(source_run: str | Path, out_dir: str | Path) -> dict:
    """Start `out_dir` from the BC stage of another policy run (its bc_stage.pt), so a run that differs only in
    the decoder (the label budget N) or the evaluation does not train BC again. The caller checks that the two
    runs' data, labeller and BC settings are the same. Returns the adopted BC stats."""
    src, out = Path(source_run), Path(out_dir)
    if not (src / BC_STAGE).is_file() or not (src / BC_STAGE_STATS).is_file():
        raise FileNotFoundError(f"{src} holds no finished BC stage ({BC_STAGE} and {BC_STAGE_STATS})")
    stats = json.loads((src / BC_STAGE_STATS).read_text())
    stats["bc_from"] = str(src.resolve())
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(out / BC_STAGE, (src / BC_STAGE).read_bytes())
    atomic_write_bytes(out / BC_STAGE_STATS, json.dumps(stats, indent=2).encode())
    return stats


def _bc_stage(chunks: list[Chunk], out: Path, cfg: LatentPolicyConfig, labeller: Labeller | None, target_dim: int,
              action_dim: int, size: int, log: Callable[[str], None]) -> tuple[PixelPolicyRLModule, dict]:
    """Label the data (true actions for BC), RLlib BC on it; the module (decoder untrained) and its stats."""
    latent = labeller is not None
    stats: dict = {"target": "latent" if latent else "true_actions", "target_dim": target_dim}
    target_fn = labeller or true_actions(FRAME_STACK)
    train_eps, val_eps = bc_episodes(chunks, cfg, latent)
    labels_dir, done_marker = out / "labels", out / "labels" / "_COMPLETE"
    if not done_marker.exists():
        shutil.rmtree(labels_dir, ignore_errors=True)
        t = time.perf_counter()
        # shuffled across the whole dataset when written: RLlib reads the files in order
        blocks = policy_blocks(chunks, FRAME_STACK, labelled_only=not latent, shuffle_seed=cfg.seed,
                               episodes=train_eps)
        rows = write_bc_dataset(blocks, target_fn, labels_dir, FRAME_STACK)
        done_marker.write_text(str(rows))
        log(f"labelled {rows} transitions ({stats['target']}) in {time.perf_counter() - t:.1f}s")
    stats["bc_rows"] = int(done_marker.read_text())
    val_obs, val_target = _rows(chunks, val_eps, target_fn, cfg.val_rows, not latent)
    stats.update(bc_train_episodes=len(train_eps), bc_val_episodes=len(val_eps), bc_val_rows=int(len(val_obs)))

    model_config = {**dataclasses.asdict(cfg.model), "frame_stack": FRAME_STACK, "size": size,
                    "real_action_dim": action_dim if latent else 0}
    t = time.perf_counter()
    with run_writer(out) as writer:
        module, bc_stats = _behaviour_clone(labels_dir, size, target_dim, model_config, cfg, log,
                                            (val_obs, val_target), writer)
    stats.update(bc_stats, bc_seconds=time.perf_counter() - t)
    if not cfg.keep_labels:
        shutil.rmtree(labels_dir, ignore_errors=True)
    return module, stats


def _behaviour_clone(labels_dir: Path, size: int, target_dim: int, model_config: dict, cfg: LatentPolicyConfig,
                     log: Callable[[str], None], val: tuple[np.ndarray, np.ndarray], writer):
    config = build_bc_config(labels_dir, observation_space(size, FRAME_STACK), target_dim, model_config,
                             cfg.batch_size, cfg.lr, cfg.bc_batches_per_iteration, cfg.seed, cfg.device,
                             cosine_iterations=cfg.bc_iterations if cfg.lr_schedule == "cosine" else 0)
    algo = config.build_algo()
    copy = PixelPolicyRLModule(observation_space=observation_space(size, FRAME_STACK),
                               action_space=target_space(target_dim), model_config=model_config)
    curve = []
    try:
        for i in range(cfg.bc_iterations):
            result = algo.train()
            learned = result.get("learners", {}).get("default_policy", {})
            loss = float(learned.get("policy_loss", float("nan")))
            lr_now = float(learned.get("default_optimizer_learning_rate", float("nan")))
            # offline BC has no env runners, so the trained weights come from the learner group
            copy.load_state_dict({k: torch.as_tensor(v) for k, v in
                                  algo.learner_group.get_weights()[DEFAULT_MODULE_ID].items()})
            val_nmse = heldout_nmse(copy, *val)
            step = (i + 1) * cfg.bc_batches_per_iteration
            curve.append({"minibatches": step, "train_mse": loss, "heldout_nmse": val_nmse, "lr": lr_now})
            writer.add_scalar("bc/train_mse", loss, step)
            writer.add_scalar("bc/heldout_nmse", val_nmse, step)
            writer.add_scalar("bc/lr", lr_now, step)
            if i == 0 or (i + 1) % max(1, cfg.bc_iterations // 10) == 0 or i + 1 == cfg.bc_iterations:
                log(f"BC iteration {i + 1}/{cfg.bc_iterations} ({step} minibatches): train MSE {loss:.4f}, "
                    f"held-out NMSE {val_nmse:.3f}")
        copy.eval()
    finally:
        algo.stop()
        # the offline data iterator is a generator that reports to Ray when collected: collect it while Ray is up
        del algo
        gc.collect()
    return copy, {"bc_loss_first": curve[0]["train_mse"], "bc_loss_last": curve[-1]["train_mse"],
                  "bc_heldout_nmse": curve[-1]["heldout_nmse"], "bc_curve": curve,
                  "bc_minibatches": cfg.bc_iterations * cfg.bc_batches_per_iteration}


@torch.no_grad()
def heldout_nmse(module: PixelPolicyRLModule, obs: np.ndarray, target: np.ndarray, batch: int = 256) -> float:
    """MSE of the module's mean output on held-out episodes / mean target variance (1.0: the mean target)."""
    if len(obs) == 0:
        return float("nan")
    module.eval()
    pred = torch.cat([module.pi(module.encode(torch.from_numpy(obs[i:i + batch])))
                      for i in range(0, len(obs), batch)]).numpy()
    return float(((pred - target) ** 2).mean() / max(float(target.var(0).mean()), 1e-12))


def split_episodes(chunks: list[Chunk], fraction: float, seed: int, labelled_only: bool) -> tuple[set, set]:
    """Whole episodes held out for validation (at least one when there are two or more), chosen among episodes
    long enough to hold a full frame stack."""
    lengths: dict[str, int] = {}
    for c in chunks:
        if c.labelled or not labelled_only:
            lengths[c.episode_id] = lengths.get(c.episode_id, 0) + c.new_transitions
    eps = sorted(lengths)
    rng = np.random.default_rng([seed, 1])
    order = [eps[i] for i in rng.permutation(len(eps))]
    order.sort(key=lambda e: lengths[e] < FRAME_STACK + 1)  # stable: long-enough episodes first, still shuffled
    n_val = min(len(eps) - 1, max(1, int(round(fraction * len(eps))))) if len(eps) > 1 and fraction > 0 else 0
    return set(order[n_val:]), set(order[:n_val])


def bc_episodes(chunks: list[Chunk], cfg: LatentPolicyConfig, latent: bool) -> tuple[set, set]:
    """The episodes BC trains and validates on: every episode (latent BC) or every labelled one (BC on true labels)
    less a validation share; with `bc_decoder_labels`, true-label BC gets exactly the decoder's episodes."""
    if cfg.bc_decoder_labels and not latent:  # the few-label BC baseline
        fit_eps, held_eps = decoder_episodes(chunks, cfg.decoder_transitions, cfg.seed)
        return set(fit_eps), set(held_eps)
    return split_episodes(chunks, cfg.val_fraction, cfg.seed, labelled_only=not latent)


def decoder_episodes(chunks: list[Chunk], transitions: int, seed: int) -> tuple[list[str], list[str]]:
    """LAOM's labelled subsets: whole labelled episodes in a seeded random order until they hold `transitions`
    transitions; validation on other labelled episodes (10% of the rest, at least one, when there are any)."""
    lengths: dict[str, int] = {}
    for c in chunks:
        if c.labelled:
            lengths[c.episode_id] = lengths.get(c.episode_id, 0) + c.new_transitions
    if not lengths:
        raise ValueError("the dataset has no labelled episodes for the decoder")
    eps = sorted(lengths)
    order = [eps[i] for i in np.random.default_rng([seed, 2]).permutation(len(eps))]
    if len(order) > 1:  # keep at least one episode out for validation
        held = order[-max(1, len(order) // 10):]
        order = order[:len(order) - len(held)]
    else:
        held = []
    chosen, n = [], 0
    for e in order:
        if n >= transitions:
            break
        chosen.append(e)
        n += lengths[e]
    return chosen, held


def _features(module: PixelPolicyRLModule, chunks: list[Chunk], episodes, limit: int | None):
    """Frozen-encoder features and true actions of the labelled transitions of `episodes`, batch by batch (the
    decoder's N may be 128k transitions: their features fit in memory, their frame stacks would not)."""
    keep = set(episodes)
    feats, acts = [], []
    for batch in _blocks_of(chunks, keep, limit, labelled_only=True):
        feats.append(encoder_features(module, [stack_frames(batch.frames[:, :FRAME_STACK])]))
        acts.append(batch.actions[:, FRAME_STACK - 1])
    if not feats:
        return torch.zeros((0, module.pi.in_features)), np.zeros((0,), np.float32)
    return torch.cat(feats), np.concatenate(acts)


def _rows(chunks: list[Chunk], episodes, target_fn, limit: int | None, labelled_only: bool):
    """Observation stacks and targets of the transitions of `episodes` (evenly spaced up to `limit`)."""
    obs, tgt = [], []
    for batch in _blocks_of(chunks, set(episodes), limit, labelled_only):
        obs.append(stack_frames(batch.frames[:, :FRAME_STACK]))
        tgt.append(np.asarray(target_fn(batch), np.float32))
    if not obs:
        return np.zeros((0,), np.uint8), np.zeros((0,), np.float32)
    return np.concatenate(obs), np.concatenate(tgt)


def _blocks_of(chunks: list[Chunk], episodes: set, limit: int | None, labelled_only: bool):
    """The blocks of `episodes`; none when they hold no full frame stack (a very short episode)."""
    if not episodes:
        return
    try:
        yield from policy_blocks(chunks, FRAME_STACK, labelled_only=labelled_only, episodes=episodes, limit=limit)
    except ValueError:
        return


__all__ = ["BC_STAGE", "BC_STAGE_FIELDS", "FRAME_STACK", "adopt_bc_stage", "bc_stage_fields", "load_policy",
           "train_policy"]
