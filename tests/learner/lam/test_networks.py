import pytest
import torch

from learner.lam.config import LAMModelConfig
from learner.lam.networks import ForwardDynamicsModel, InverseDynamicsModel


@pytest.mark.parametrize("with_masks", [False, True])
def test_shapes_and_output_range(with_masks):
    cfg = LAMModelConfig(channels=[8, 16, 16], latent_dim=32, size=32)
    c = 12 if with_masks else 9
    obs_t, obs_tk = torch.rand(2, c, 32, 32) - 0.5, torch.rand(2, c, 32, 32) - 0.5
    z = InverseDynamicsModel(cfg, with_masks)(obs_t, obs_tk)
    assert z.shape == (2, 32)
    x_hat = ForwardDynamicsModel(cfg, with_masks)(obs_t, z)
    assert x_hat.shape == (2, 3, 32, 32) and x_hat.abs().max() <= 0.5


def test_latent_changes_the_prediction():
    cfg = LAMModelConfig(channels=[8, 8], latent_dim=16, size=16)
    fdm = ForwardDynamicsModel(cfg, with_masks=False)
    obs = torch.rand(1, 9, 16, 16) - 0.5
    a, b = fdm(obs, torch.zeros(1, 16)), fdm(obs, torch.ones(1, 16))
    assert not torch.allclose(a, b)


def test_size_must_divide():
    with pytest.raises(ValueError, match="divisible"):
        LAMModelConfig(channels=[8, 8, 8], size=36)


def test_vq_option_quantises_z_with_straight_through_gradients():
    from learner.lam.vq import VectorQuantizer

    cfg = LAMModelConfig(channels=[8, 8], latent_dim=16, size=16, vq_codes=4, vq_groups=2)
    idm = InverseDynamicsModel(cfg, with_masks=False)
    obs = torch.rand(5, 9, 16, 16) - 0.5
    z = idm(obs, obs)
    codes = idm.vq.codebook.detach()
    for half in z.detach().view(5, 2, 8).reshape(-1, 8):
        assert torch.isclose(torch.cdist(half[None], codes).min(), torch.tensor(0.0), atol=1e-5)
    (z.sum() + idm.aux_loss).backward()
    assert idm.head.weight.grad is not None and idm.vq.codebook.grad is not None
    with pytest.raises(ValueError, match="divisible"):
        VectorQuantizer(10, 4, groups=3)
