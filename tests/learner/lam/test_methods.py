"""The methods as DESIGN.md section 5 states them: offsets k, the FDM's target, LAOM's EMA, and what is converted."""

import numpy as np
import pytest
import torch

from learner.lam import learner as learner_module
from learner.lam import reconstruction
from learner.lam.batch import T_INDEX, to_torch
from learner.lam.config import LAMModelConfig, LAOMConfig
from learner.lam.learner import LAMLearner, lr_factor
from learner.lam.learner_config import LAMLearnerConfig
from learner.lam.methods import build_method
from learner.replay import BlockBatch

MODEL = LAMModelConfig(channels=[4, 8], blocks=1, latent_dim=8, size=16)


def blocks(b=64, seed=0):
    rng = np.random.default_rng(seed)
    masks = rng.integers(0, 2, (b, 13, 16, 16), dtype=np.uint8)
    return BlockBatch(rng.integers(0, 256, (b, 13, 16, 16, 3), dtype=np.uint8), masks, masks,
                      rng.uniform(-1, 1, (b, 12, 3)).astype(np.float32), np.ones(b, bool))


@pytest.mark.parametrize("name,max_k", [("masklam", 9), ("masklam_gt", 9), ("lapo", 1), ("masklam_k1", 1),
                                         ("masklam_gt_k1", 1), ("laom", 10), ("laom_labels", 10)])
def test_offsets_are_drawn_per_sample(name, max_k):
    m = build_method(name, MODEL, 3, laom=LAOMConfig(latent_dim=16, hidden=16))
    out = m.step(to_torch(blocks(), torch.device("cpu")))
    k = out.k
    assert int(k.min()) >= 1 and int(k.max()) <= max_k
    if max_k == 1:
        assert (k == 1).all()
    else:
        assert len(torch.unique(k)) >= 4, "k varies within a batch"
    # the online probe sees the k = 1 rows only, with their latents
    assert out.z.shape[0] == int((k == 1).sum()) == int(out.probe_rows.sum())


def test_fdm_target_is_the_next_frame_whatever_k(monkeypatch):
    seen = {}

    def spy(pred, target, mask, w_bg=0.0):
        seen["target"], seen["mask"] = target, mask
        return (pred - target).pow(2).mean()

    monkeypatch.setattr(reconstruction, "masklam_loss", spy)
    m = build_method("masklam_gt", MODEL, 3)
    b = to_torch(blocks(), torch.device("cpu"))
    out = m.step(b)
    assert out.k.max() > 1
    assert torch.equal(seen["target"], b.frame(T_INDEX + 1))
    raw = torch.from_numpy(blocks().frames[:, T_INDEX + 1]).permute(0, 3, 1, 2)
    assert torch.equal(seen["target"], raw / 255 - 0.5)
    assert torch.equal(seen["mask"], b.mask("gt", T_INDEX + 1))


def test_idm_reads_the_stack_ending_at_t_plus_k():
    b = to_torch(blocks(8), torch.device("cpu"))
    end = torch.tensor([3, 4, 5, 6, 7, 8, 9, 11])
    x = b.stack_ending_at(end, 3, "gt")
    for i, e in enumerate(end.tolist()):
        assert torch.equal(x[i], b.stack(e - 2, 3, "gt")[i])


def test_laom_ema_moves_the_target_by_tau():
    cfg = LAOMConfig(latent_dim=16, hidden=16, ema_tau=0.001)
    m = build_method("laom", MODEL, 3, laom=cfg)
    for p in m.encoder.parameters():
        p.data.add_(1.0)  # make online and target differ
    before = [p.clone() for p in m.target_encoder.parameters()]
    m.after_step()
    for tb, ta, p in zip(before, m.target_encoder.parameters(), m.encoder.parameters()):
        torch.testing.assert_close(ta, 0.999 * tb + 0.001 * p)


def test_laom_labels_weight_and_batch_follow_laom():
    cfg = LAOMConfig()
    assert (cfg.ema_tau, cfg.label_weight, cfg.label_fraction, cfg.max_k) == (0.001, 0.001, 0.25, 10)
    assert (LAOMConfig.paper().latent_dim, LAOMConfig.paper().hidden) == (8192, 1024)


@pytest.mark.parametrize("mode", ["independent", "shared", "none"])
def test_laom_augmentation_modes(mode):
    m = build_method("laom", MODEL, 3, laom=LAOMConfig(latent_dim=16, hidden=16, augment=mode))
    x = torch.rand(16, 9, 16, 16)
    a, b, c = m._augmented(x, x.clone(), x.clone())
    if mode == "none":
        assert torch.equal(a, x) and torch.equal(b, x)
    elif mode == "shared":  # one warp per sample: equal stacks stay equal, so the motion between them survives
        assert not torch.equal(a, x)
        assert torch.equal(a, b) and torch.equal(a, c)
    else:  # LAOM: every stack its own augmentation
        assert not torch.equal(a, b)


def test_laom_augmentation_mode_is_validated():
    with pytest.raises(ValueError, match="laom.augment"):
        LAOMConfig(augment="sometimes")


@pytest.mark.parametrize("methods,frames", [(["lapo"], 4), (["lapo", "masklam_k1"], 4), (["masklam"], 12),
                                            (["lapo", "laom"], 13)])
def test_only_the_frames_a_method_reads_are_converted(monkeypatch, methods, frames):
    converted = []
    real = learner_module.to_torch

    def spy(batch, device, n=None, sources=("gt", "served")):
        out = real(batch, device, n, sources)
        converted.append((out.length, set(out.masks)))
        return out

    monkeypatch.setattr(learner_module, "to_torch", spy)
    cfg = LAMLearnerConfig(methods=methods, model=MODEL, laom=LAOMConfig(latent_dim=16, hidden=16), device="cpu")
    LAMLearner(cfg, 3).update(blocks(8))
    (n, sources), = converted
    assert n == frames
    assert sources == ({"served"} if any(m.startswith("masklam") for m in methods) else set())


def test_cosine_schedule_with_warmup_ends_at_zero():
    cfg = LAMLearnerConfig(total_updates=100, warmup_updates=10)
    assert lr_factor(0, cfg) == pytest.approx(0.1)
    assert lr_factor(9, cfg) == pytest.approx(1.0)
    assert lr_factor(55, cfg) == pytest.approx(0.5)
    assert lr_factor(100, cfg) == pytest.approx(0.0, abs=1e-12)
    learner = LAMLearner(LAMLearnerConfig(methods=["lapo"], model=MODEL, total_updates=4, device="cpu"), 3)
    lrs = [learner.update(blocks(4))["lapo/lr"] for _ in range(4)]
    assert lrs[0] > lrs[1] > lrs[2] > lrs[3] == pytest.approx(0.0, abs=1e-12)
    assert isinstance(learner.optimizers["lapo"], torch.optim.AdamW)


def test_networks_start_orthogonal_without_saturating_the_frame():
    m = build_method("lapo", MODEL, 3)
    for layer, gain in ((m.idm.head, 1.0), (m.idm.encoder.stages[0].conv, 2 ** 0.5), (m.fdm.out, 0.01)):
        w = layer.weight.detach().flatten(1)
        rows = w @ w.T if w.shape[0] <= w.shape[1] else w.T @ w
        torch.testing.assert_close(rows / gain ** 2, torch.eye(rows.shape[0]), atol=1e-4, rtol=1e-4)
    b = to_torch(blocks(16), torch.device("cpu"))
    with torch.no_grad():
        obs = m._obs(b, T_INDEX)
        h = m.fdm.encoder(obs)
        h = h + m.fdm.inject(m.latent(b)).view_as(h)
        pre = m.fdm.out(torch.relu(m.fdm.decoder(h)))
    assert (pre.abs() > 3).float().mean() < 0.01, "tanh outputs must not start saturated (they never learn)"
