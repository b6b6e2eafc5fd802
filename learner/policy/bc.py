"""Behaviour cloning of `PixelPolicyRLModule` with RLlib's offline BC, reading parquet through Ray Data."""

from __future__ import annotations

import functools
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch
from ray.data import ActorPoolStrategy
from ray.rllib.algorithms.bc import BCConfig
from ray.rllib.core.rl_module.rl_module import RLModuleSpec

from learner.device import pick_device
from learner.policy.mse_learner import MSEBCTorchLearner
from learner.policy.rl_module import PixelPolicyRLModule

DATA_CPUS = 0  # Ray CPUs of each Ray Data read task and of the pre-learner actor (they run on the caller's)
READ_CONCURRENCY = 2  # parquet read tasks at a time (one file of 2048 stacks is ~75 MB at 64 px)


def quiet_ray_data() -> None:
    """BC's own progress line says how training goes; Ray Data's per-read progress logs and execution-plan
    banners (a dozen lines per BC dataset) would bury it. Warnings and errors still show."""
    import logging

    import ray.data

    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    ctx.print_on_execution_start = False
    logging.getLogger("ray.data").setLevel(logging.WARNING)


def observation_space(size: int, frame_stack: int) -> gym.spaces.Box:
    return gym.spaces.Box(0, 255, (size, size, 3 * frame_stack), np.uint8)


def target_space(dim: int) -> gym.spaces.Box:
    """Unbounded Box: latent actions have no range, and real actions are regressed as they were recorded."""
    return gym.spaces.Box(-np.inf, np.inf, (dim,), np.float32)


def build_bc_config(data_dir: str | Path, obs_space: gym.spaces.Box, target_dim: int, model_config: dict,
                    batch_size: int, lr: float, iters_per_train: int, seed: int, device: str = "auto",
                    cosine_iterations: int = 0) -> BCConfig:
    """RLlib BC on the new API stack: one local learner (MSE loss), no env runners (offline), Ray Data parquet input.

    Rows are shuffled when the parquet files are written (`write_bc_dataset`), so every minibatch mixes episodes;
    a local shuffle buffer re-mixes them every epoch.

    `cosine_iterations` > 0 anneals the learning rate to 0 over that many `train()` calls: RLlib steps its torch LR
    schedulers once per `Learner.update`, i.e. once per iteration of `iters_per_train` minibatches.

    `device` auto puts the learner on the GPU when this process sees one (under Ray Tune that means the trial asked
    for a GPU: Ray hides GPUs from trials that did not)."""
    if device not in ("auto", "cpu", "cuda"):
        raise ValueError(f"policy device must be auto, cpu or cuda, got {device!r}")
    gpus = 1 if pick_device(device).type == "cuda" else 0
    quiet_ray_data()
    files = sorted(str(p) for p in Path(data_dir).resolve().glob("part-*.parquet"))
    if not files:
        raise FileNotFoundError(f"no part-*.parquet files in {data_dir}; label a dataset first")
    config = (
        BCConfig()
        .environment(observation_space=obs_space, action_space=target_space(target_dim))
        .framework("torch")
        .debugging(seed=seed)
        .env_runners(num_env_runners=0)
        .learners(num_learners=0, num_gpus_per_learner=gpus, learner_class=MSEBCTorchLearner)
        .rl_module(rl_module_spec=RLModuleSpec(module_class=PixelPolicyRLModule, model_config=model_config))
        .training(train_batch_size_per_learner=batch_size, lr=lr)
        .offline_data(input_=files, input_read_method="read_parquet", ignore_final_observation=True,
                      dataset_num_iters_per_learner=iters_per_train,
                      # The default (2 pre-learner actors at 1 CPU each, plus read tasks) deadlocks a 2-CPU
                      # cluster, and under Tune the trial already holds the CPUs its data pipeline runs on.
                      # read tasks at 0 CPUs are otherwise unbounded: dozens of ~1 GB readers at once got the
                      # run OOM-killed by Ray beside other jobs; READ_CONCURRENCY at a time is ahead of the learner
                      input_read_method_kwargs={"num_cpus": DATA_CPUS, "concurrency": READ_CONCURRENCY},
                      # one pre-learner actor, given as Ray Data's `compute` (its `concurrency` is deprecated);
                      # `concurrency: None` drops the value RLlib's defaults would merge in
                      map_batches_kwargs={"concurrency": None, "compute": ActorPoolStrategy(size=1),
                                          "num_cpus": DATA_CPUS},
                      iter_batches_kwargs={"local_shuffle_buffer_size": 4 * batch_size,
                                           "local_shuffle_seed": seed})
    )
    if cosine_iterations > 0:
        config.experimental(_torch_lr_scheduler_classes=[
            functools.partial(torch.optim.lr_scheduler.CosineAnnealingLR, T_max=cosine_iterations)])
    return config
