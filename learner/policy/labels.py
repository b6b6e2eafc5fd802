"""Latent-action labels: the frozen IDM of one trained LAM method labels transitions with z_t (k = 1)."""

from __future__ import annotations

import dataclasses

import numpy as np

from learner.lam.batch import T_INDEX
from learner.lam.learner import LAMLearner
from learner.lam.learner_config import LAMLearnerConfig
from learner.replay import BlockBatch


class LatentLabeller:
    """z_t of `method` for blocks of F+1 frames (X_t, X_{t+1}), with the masks that method's IDM takes.

    The IDM's X_t ends at block frame T_INDEX = F - 1, so a block of F+1 frames is exactly (X_t, X_{t+1}).
    """

    def __init__(self, learner_cfg: LAMLearnerConfig, state: dict, method: str, action_dim: int):
        if method not in state["methods"]:
            raise ValueError(f"the LAM checkpoint has no method {method!r}; it has {sorted(state['methods'])}")
        if learner_cfg.model.frame_stack != T_INDEX + 1:
            raise ValueError("labelling assumes frame_stack 3 (the IDM's X_t ends at block frame 2)")
        cfg = dataclasses.replace(learner_cfg, methods=[method], device="cpu")
        self.learner = LAMLearner(cfg, action_dim)
        self.learner.load_state_dict(state)
        self.method = method
        self.latent_dim = self.learner.latent_dim(method)

    def __call__(self, batch: BlockBatch) -> np.ndarray:
        if self.learner.needs_served_masks and batch.pred_masks is None:
            raise ValueError(f"{self.method} labels with served masks but the dataset has none: record it with "
                             "the segmentation service on, or label with the *_gt method")
        return self.learner.latents(batch)[self.method]
