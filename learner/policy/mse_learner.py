"""`MSEBCTorchLearner`: RLlib's BC learner with the authors' loss, the mean squared error of the predicted mean.

RLlib's BC minimises a Gaussian negative log-likelihood; its learnable log-std term lets the loss fall while the
mean learns nothing (a collapsed policy predicting the dataset's mean action looked "trained"). Latent BC and BC on
true labels both regress their targets with MSE here, and log it as `policy_loss` (and `mse`).
"""

from __future__ import annotations

from typing import Any

import torch
from ray.rllib.algorithms.marwil.torch.marwil_torch_learner import MARWILTorchLearner
from ray.rllib.core.columns import Columns
from ray.rllib.core.learner.learner import POLICY_LOSS_KEY


class MSEBCTorchLearner(MARWILTorchLearner):
    def compute_loss_for_module(self, *, module_id: str, config=None, batch: dict[str, Any],
                                fwd_out: dict[str, Any]) -> torch.Tensor:
        inputs = fwd_out[Columns.ACTION_DIST_INPUTS]
        target = batch[Columns.ACTIONS].float()
        mean = inputs[..., : target.shape[-1]]  # the module emits [mean, log_std]
        loss = torch.nn.functional.mse_loss(mean, target)
        self.metrics.log_value((module_id, POLICY_LOSS_KEY), loss, window=1)
        return loss
