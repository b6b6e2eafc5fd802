"""`LAMLearner`: several LAM methods trained side by side on identical batches, each with its own online probe."""

from __future__ import annotations

import numpy as np
import torch

from learner.lam.batch import T_INDEX, to_torch
from learner.lam.learner_config import LAMLearnerConfig
from learner.device import pick_device
from learner.lam.methods import build_method
from learner.probe import OnlineLinearProbe
from learner.replay import BlockBatch


class LAMLearner:
    def __init__(self, cfg: LAMLearnerConfig, action_dim: int):
        if cfg.threads:
            torch.set_num_threads(cfg.threads)
        torch.manual_seed(cfg.seed)
        self.cfg, self.action_dim = cfg, action_dim
        self.device = pick_device(cfg.device)
        self.methods = {name: build_method(name, cfg.model, action_dim, cfg.w_bg, cfg.label_weight).to(self.device)
                        for name in cfg.methods}
        self.optimizers = {n: torch.optim.Adam(m.parameters(), lr=cfg.lr) for n, m in self.methods.items()}
        self.probes = {n: OnlineLinearProbe(cfg.model.latent_dim, action_dim, cfg.probe_lr).to(self.device)
                       for n in self.methods}
        self.updates = 0

    @property
    def needs_served_masks(self) -> bool:
        return any(m.needs_masks and m.spec.mask_source == "served" for m in self.methods.values())

    def update(self, batch: BlockBatch) -> dict[str, float]:
        """One optimiser step of every method on the same batch; returns metrics keyed `method/name`."""
        if self.needs_served_masks and batch.pred_masks is None:
            raise ValueError("a method uses served masks but the batch has none (collect with the segmentation "
                             "service on, or use the *_gt methods)")
        b = to_torch(batch, self.device)
        a_t = b.actions[:, T_INDEX]
        metrics: dict[str, float] = {}
        for name, method in self.methods.items():
            method.train()
            loss, z, info = method.loss(b)
            opt = self.optimizers[name]
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if hasattr(method, "after_step"):
                method.after_step()
            info["probe_nmse_online"] = self.probes[name].update(z, a_t)
            metrics.update({f"{name}/{k}": v for k, v in info.items()})
        self.updates += 1
        return metrics

    @torch.no_grad()
    def latents(self, batch: BlockBatch) -> dict[str, np.ndarray]:
        """z_t (k=1) of every method for a batch of blocks, for frozen probes and labelling."""
        b = to_torch(batch, self.device)
        out = {}
        for name, method in self.methods.items():
            method.eval()
            out[name] = method.latent(b).cpu().numpy()
        return out

    def state_dict(self) -> dict:
        return {"updates": self.updates, "action_dim": self.action_dim,
                "methods": {n: m.state_dict() for n, m in self.methods.items()},
                "optimizers": {n: o.state_dict() for n, o in self.optimizers.items()},
                "probes": {n: p.state_dict() for n, p in self.probes.items()},
                "probe_optimizers": {n: p.opt.state_dict() for n, p in self.probes.items()}}

    def load_state_dict(self, state: dict) -> None:
        missing = set(self.methods) - set(state["methods"])
        if missing:
            raise ValueError(f"checkpoint has no state for methods {sorted(missing)}")
        for n in self.methods:
            self.methods[n].load_state_dict(state["methods"][n])
            self.optimizers[n].load_state_dict(state["optimizers"][n])
            self.probes[n].load_state_dict(state["probes"][n])
            self.probes[n].opt.load_state_dict(state["probe_optimizers"][n])
        self.updates = int(state["updates"])
