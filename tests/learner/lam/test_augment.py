import torch

from learner.lam.augment import random_homography_warp


def test_zero_strength_is_identity_and_warp_moves_pixels():
    x = torch.rand(2, 9, 16, 16)
    same = random_homography_warp(x, shift=0, rotate_deg=0, perspective=0)
    assert torch.allclose(same, x, atol=1e-5)
    moved = random_homography_warp(x, shift=0.3, generator=torch.Generator().manual_seed(0))
    assert moved.shape == x.shape and not torch.allclose(moved, x)


def test_all_channels_of_a_sample_move_together():
    frame = torch.rand(1, 3, 16, 16)
    x = frame.repeat(1, 3, 1, 1)  # a stack of three identical frames
    out = random_homography_warp(x, generator=torch.Generator().manual_seed(1))
    assert torch.allclose(out[:, :3], out[:, 3:6]) and torch.allclose(out[:, 3:6], out[:, 6:])
