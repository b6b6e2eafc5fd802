"""The segmenter's training, ONNX export and IoU: a tiny U-Net learns a synthetic agent, and onnxruntime runs the
exported model to the same probabilities as torch."""

import numpy as np
import onnxruntime as ort
import torch

from learner.segmenter.config import SegmenterTrainConfig
from learner.segmenter.train import export_onnx, mask_iou, predict_masks, to_input, train_unet
from learner.segmenter.unet import ProbabilityHead


def synthetic(n: int, size: int = 32, seed: int = 0):
    """Noisy backgrounds with a bright square 'agent' at a random place; its mask is the square."""
    rng = np.random.default_rng(seed)
    frames = rng.integers(0, 120, (n, size, size, 3), dtype=np.uint8)
    masks = np.zeros((n, size, size), np.uint8)
    for i in range(n):
        y, x = rng.integers(0, size - 8, 2)
        frames[i, y:y + 8, x:x + 8] = (230, 200, 40)
        masks[i, y:y + 8, x:x + 8] = 1
    return frames, masks


def test_mask_iou_pools_over_frames():
    a = np.zeros((2, 4, 4), np.uint8)
    b = a.copy()
    a[0, :2, :2] = 1  # 4 pixels
    b[0, :2, :1] = 1  # 2 of them
    assert mask_iou(a, b) == 0.5
    assert mask_iou(a, a) == 1.0 and mask_iou(np.zeros_like(a), np.zeros_like(a)) == 1.0


def test_a_small_unet_learns_the_agent_and_beats_the_empty_mask():
    frames, masks = synthetic(256)
    cfg = SegmenterTrainConfig(widths=[8, 16], steps=150, batch_size=16, lr=3e-3, seed=0)
    losses = []
    net = train_unet(cfg, frames, masks, on_step=lambda step, loss: losses.append(loss), device="cpu")
    assert len(losses) == 150 and np.mean(losses[-10:]) < 0.5 * np.mean(losses[:10])
    test_frames, test_masks = synthetic(64, seed=1)
    iou = mask_iou(predict_masks(net, test_frames), test_masks)
    assert iou > 0.7, iou  # the empty mask scores 0 here


def test_onnx_export_round_trips_through_onnxruntime(tmp_path):
    frames, masks = synthetic(32)
    net = train_unet(SegmenterTrainConfig(widths=[8, 16], steps=3, batch_size=8), frames, masks, device="cpu")
    path = export_onnx(net, tmp_path / "unet.onnx", size=32)
    assert path.is_file() and not (tmp_path / "unet.onnx.tmp").exists()
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = to_input(frames[:5], torch.device("cpu"))
    (got,) = session.run(["masks"], {"frames": x.numpy()})
    with torch.no_grad():
        want = ProbabilityHead(net).eval()(x).numpy()
    assert got.shape == (5, 1, 32, 32)
    np.testing.assert_allclose(got, want, atol=1e-5)
    (bigger,) = session.run(["masks"], {"frames": np.random.default_rng(0).random((2, 3, 64, 48), np.float32)})
    assert bigger.shape == (2, 1, 64, 48)  # batch, height and width are dynamic
