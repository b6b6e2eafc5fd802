"""`LAMLearner`: several LAM methods trained side by side on identical batches, each with its own online probe."""

from __future__ import annotations

import contextlib
import math

import numpy as np
import torch

from learner.device import pick_device
from learner.lam.batch import T_INDEX, to_torch
from learner.lam.learner_config import LAMLearnerConfig
from learner.lam.method import LAMMethod
from learner.lam.methods import build_method
from learner.probe import OnlineLinearProbe
from learner.replay import BlockBatch


def lr_factor(update: int, cfg: LAMLearnerConfig) -> float:
    """Linear warm-up, then cosine to 0 at `total_updates` (constant when total_updates is 0)."""
    if cfg.warmup_updates and update < cfg.warmup_updates:
        return (update + 1) / cfg.warmup_updates
    if not cfg.total_updates:
        return 1.0
    span = max(1, cfg.total_updates - cfg.warmup_updates)
    progress = min(1.0, (update - cfg.warmup_updates) / span)
    return 0.5 * (1.0 + math.cos(math.pi * progress))


class LAMLearner:
    def __init__(self, cfg: LAMLearnerConfig, action_dim: int):
        if cfg.threads:
            torch.set_num_threads(cfg.threads)
        torch.manual_seed(cfg.seed)
        self.cfg, self.action_dim = cfg, action_dim
        self.device = pick_device(cfg.device)
        self.methods: dict[str, LAMMethod] = {
            name: build_method(name, cfg.model, action_dim, cfg.w_bg, cfg.laom, cfg.seed).to(self.device)
            for name in cfg.methods}
        if cfg.channels_last:
            for m in self.methods.values():
                m.to(memory_format=torch.channels_last)
        # fused: one kernel over all parameters instead of a loop of small ops per tensor (the same update; 2.6x
        # faster optimiser step for LAOM's 10M parameters on the 2-core CPU, measured)
        fused = self.device.type in ("cpu", "cuda")
        self.optimizers = {n: torch.optim.AdamW(m.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay, fused=fused)
                           for n, m in self.methods.items()}
        self.schedulers = {n: torch.optim.lr_scheduler.LambdaLR(o, lambda u: lr_factor(u, cfg))
                           for n, o in self.optimizers.items()}
        self.probes = {n: OnlineLinearProbe(self.latent_dim(n), action_dim, cfg.probe_lr).to(self.device)
                       for n in self.methods}
        # one conversion per update, of only the frames and masks some method reads
        self.frames_needed = max(m.frames_needed for m in self.methods.values())
        self.mask_sources = tuple({m.mask_source for m in self.methods.values()} - {None})
        self.updates = 0

    def latent_dim(self, method: str) -> int:
        return self.methods[method].latent_dim

    @property
    def needs_served_masks(self) -> bool:
        return "served" in self.mask_sources

    def autocast(self):
        """The mixed-precision context of an update: bf16 autocast where the config turns it on, else none."""
        if self.device.type == "cuda" and self.cfg.autocast_bf16:
            return torch.autocast("cuda", dtype=torch.bfloat16)
        if self.device.type == "cpu" and self.cfg.cpu_bf16:
            return torch.autocast("cpu", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def update(self, batch: BlockBatch) -> dict[str, float]:
        """One optimiser step of every method on the same batch; returns metrics keyed `method/name`."""
        if self.needs_served_masks and batch.pred_masks is None:
            raise ValueError("a method uses served masks but the batch has none (collect with the segmentation "
                             "service on, or use the *_gt methods)")
        b = to_torch(batch, self.device, self.frames_needed, self.mask_sources)
        a_t = b.actions[:, T_INDEX]
        metrics: dict[str, float] = {}
        for name, method in self.methods.items():
            method.train()
            with self.autocast():
                out = method.step(b)
            opt = self.optimizers[name]
            opt.zero_grad(set_to_none=True)
            out.loss.backward()
            opt.step()
            self.schedulers[name].step()
            method.after_step()
            info = dict(out.info, lr=self.schedulers[name].get_last_lr()[0])
            if out.probe_rows.any():
                info["probe_nmse_online"] = self.probes[name].update(out.z.float(), a_t[out.probe_rows])
            metrics.update({f"{name}/{k}": v for k, v in info.items()})
        self.updates += 1
        return metrics

    @torch.no_grad()
    def latents(self, batch: BlockBatch) -> dict[str, np.ndarray]:
        """z_t (k=1) of every method for a batch of blocks, for frozen probes and labelling."""
        b = to_torch(batch, self.device, min(batch.frames.shape[1], T_INDEX + 2), self.mask_sources)
        out = {}
        for name, method in self.methods.items():
            method.eval()
            out[name] = method.latent(b).float().cpu().numpy()
        return out

    def state_dict(self) -> dict:
        return {"updates": self.updates, "action_dim": self.action_dim,
                "methods": {n: m.state_dict() for n, m in self.methods.items()},
                "optimizers": {n: o.state_dict() for n, o in self.optimizers.items()},
                "schedulers": {n: s.state_dict() for n, s in self.schedulers.items()},
                "generators": {n: m.generator.get_state() for n, m in self.methods.items()},
                "probes": {n: p.state_dict() for n, p in self.probes.items()},
                "probe_optimizers": {n: p.opt.state_dict() for n, p in self.probes.items()}}

    def load_state_dict(self, state: dict) -> None:
        missing = set(self.methods) - set(state["methods"])
        if missing:
            raise ValueError(f"checkpoint has no state for methods {sorted(missing)}")
        for n in self.methods:
            self.methods[n].load_state_dict(state["methods"][n])
            self.optimizers[n].load_state_dict(state["optimizers"][n])
            if "schedulers" in state:
                self.schedulers[n].load_state_dict(state["schedulers"][n])
            if "generators" in state:
                self.methods[n].generator.set_state(state["generators"][n])
            self.probes[n].load_state_dict(state["probes"][n])
            self.probes[n].opt.load_state_dict(state["probe_optimizers"][n])
        self.updates = int(state["updates"])
