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
