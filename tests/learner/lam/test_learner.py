import numpy as np
import pytest

from learner.checkpoint import load_latest, save_checkpoint
from learner.lam.config import LAMModelConfig
from learner.lam.learner import LAMLearner, lr_factor
from learner.lam.learner_config import LAMLearnerConfig
from learner.replay import BlockBatch


def batch(seed=0, served=True, b=4, size=16):
    rng = np.random.default_rng(seed)
    masks = rng.integers(0, 2, (b, 13, size, size), dtype=np.uint8)
    return BlockBatch(rng.integers(0, 256, (b, 13, size, size, 3), dtype=np.uint8), masks,
                      masks if served else None, rng.uniform(-1, 1, (b, 12, 3)).astype(np.float32), np.ones(b, bool))


def small(methods=("lapo", "masklam")):
    return LAMLearnerConfig(methods=list(methods), model=LAMModelConfig(channels=[4, 8], blocks=1, latent_dim=8,
                                                                         size=16), device="cpu")


def test_update_trains_every_method_on_the_same_batch():
    learner = LAMLearner(small(), action_dim=3)
    m = learner.update(batch())
    assert set(m) >= {"lapo/loss", "masklam/loss", "lapo/probe_nmse_online", "masklam/recon_mse"}
    assert learner.updates == 1
    z = learner.latents(batch(1))
    assert z["lapo"].shape == (4, 8)


def test_served_masks_required_when_a_method_uses_them():
    with pytest.raises(ValueError, match="served masks"):
        LAMLearner(small(), 3).update(batch(served=False))
    LAMLearner(small(("lapo", "masklam_gt")), 3).update(batch(served=False))  # the oracle needs none


def test_checkpoint_resume_is_exact(tmp_path):
    a = LAMLearner(small(), 3)
    for i in range(3):
        a.update(batch(i))
    save_checkpoint(a.state_dict(), tmp_path, a.updates)
    b = LAMLearner(small(), 3)
    b.load_state_dict(load_latest(tmp_path))
    assert b.updates == 3
    ma, mb = a.update(batch(9)), b.update(batch(9))
    assert ma == pytest.approx(mb)
    assert not list(tmp_path.glob(".tmp-*"))


def test_training_reduces_the_loss():
    cfg = small(("lapo",))
    cfg.lr = 3e-3
    learner = LAMLearner(cfg, 3)
    fixed = batch(0)
    fixed.frames[:] = np.arange(13, dtype=np.uint8)[None, :, None, None, None] * 15  # a learnable sequence
    first = learner.update(fixed)["lapo/loss"]
    for _ in range(30):
        last = learner.update(fixed)["lapo/loss"]
    assert last < 0.7 * first


def test_laom_and_laom_labels_train_and_update_their_target_encoder():
    learner = LAMLearner(small(("laom", "laom_labels")), 3)
    before = [p.clone() for p in learner.methods["laom"].target_encoder.parameters()]
    m = learner.update(batch())
    assert {"laom/latent_mse", "laom_labels/label_mse", "laom_labels/probe_nmse_online"} <= set(m)
    after = list(learner.methods["laom"].target_encoder.parameters())
    assert any(not (a == b).all() for a, b in zip(before, after)), "EMA target moved"
    assert learner.latents(batch(2))["laom_labels"].shape == (4, learner.cfg.laom.latent_dim)


def test_unknown_method():
    with pytest.raises(ValueError, match="unknown LAM method"):
        LAMLearner(small(("lapo", "vqvae")), 3)


def test_vq_latents_train_through_the_learner():
    cfg = small(("lapo", "masklam"))
    cfg.model.vq_codes = 16
    m = LAMLearner(cfg, 3).update(batch())
    assert m["lapo/vq_loss"] >= 0 and m["masklam/vq_loss"] >= 0


def test_the_fused_optimiser_makes_the_same_update_as_the_per_tensor_loop():
    import torch

    learner = LAMLearner(small(("lapo", "laom")), 3)
    assert all(o.defaults["fused"] for o in learner.optimizers.values())
    before = {n: [p.detach().clone() for p in m.parameters()] for n, m in learner.methods.items()}
    reference = {n: [torch.nn.Parameter(p.clone()) for p in ps] for n, ps in before.items()}
    learner.update(batch())
    for name, method in learner.methods.items():
        params = list(method.parameters())
        ref = reference[name]
        for r, p in zip(ref, params):
            r.grad = None if p.grad is None else p.grad.clone()
        # the loop AdamW, stepped at the lr the scheduler gave the fused one for this update
        group = learner.optimizers[name].param_groups[0]
        torch.optim.AdamW(ref, lr=group["initial_lr"] * lr_factor(0, learner.cfg), weight_decay=learner.cfg.weight_decay,
                          foreach=False).step()
        for r, p, b in zip(ref, params, before[name]):
            if p.grad is not None:
                torch.testing.assert_close(p.detach(), r.detach(), rtol=1e-5, atol=1e-6)
                assert not torch.equal(p.detach(), b)  # it did move
