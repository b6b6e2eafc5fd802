"""The masked loss pinned on hand-made tensors."""

import torch

from learner.lam.losses import lapo_loss, masklam_loss


def test_masked_loss_ignores_changes_outside_the_mask():
    g = torch.Generator().manual_seed(0)
    pred, target = torch.rand(4, 3, 8, 8, generator=g), torch.rand(4, 3, 8, 8, generator=g)
    mask = torch.zeros(4, 1, 8, 8)
    mask[:, :, 2:5, 3:6] = 1
    base = masklam_loss(pred, target, mask)
    changed = target + (1 - mask) * torch.randn(4, 3, 8, 8, generator=g)  # any change off the agent
    assert torch.allclose(masklam_loss(pred, changed, mask), base)
    inside = target + mask * 0.1
    assert not torch.allclose(masklam_loss(pred, inside, mask), base)


def test_all_ones_mask_is_plain_mse_times_channels():
    g = torch.Generator().manual_seed(1)
    pred, target = torch.rand(2, 3, 5, 7, generator=g), torch.rand(2, 3, 5, 7, generator=g)
    ones = torch.ones(2, 5, 7)
    assert torch.allclose(masklam_loss(pred, target, ones), 3 * lapo_loss(pred, target))


def test_empty_mask_does_not_divide_by_zero():
    pred, target = torch.rand(2, 3, 4, 4), torch.rand(2, 3, 4, 4)
    empty = torch.zeros(2, 1, 4, 4)
    loss = masklam_loss(pred, target, empty)
    assert torch.isfinite(loss) and loss.item() == 0.0
    soft = masklam_loss(pred, target, empty, w_bg=0.5)  # background still counts, normalised by max(1, 0)
    assert torch.allclose(soft, 0.5 * (pred - target).pow(2).sum())


def test_normalised_by_batch_agent_area_by_hand():
    pred = torch.zeros(1, 3, 2, 2)
    target = torch.zeros(1, 3, 2, 2)
    target[0, :, 0, 0] = 1.0  # error 1 in every channel of pixel (0, 0)
    target[0, :, 1, 1] = 2.0  # error 4 in every channel of pixel (1, 1), which is background
    mask = torch.tensor([[[1.0, 1.0], [0.0, 0.0]]])  # agent area 2
    assert masklam_loss(pred, target, mask).item() == 3 * 1.0 / 2
    assert masklam_loss(pred, target, mask, w_bg=0.25).item() == (3 * 1.0 + 0.25 * 3 * 4.0) / 2


def test_gradient_flows_only_through_masked_pixels():
    pred = torch.zeros(1, 3, 4, 4, requires_grad=True)
    target = torch.ones(1, 3, 4, 4)
    mask = torch.zeros(1, 4, 4)
    mask[0, 1, 1] = 1
    masklam_loss(pred, target, mask).backward()
    nz = pred.grad.abs().sum(1)[0] > 0
    assert nz[1, 1] and nz.sum() == 1
