"""The segmenter card's held-out IoU, read from real shard datasets, pooled per task and listed per preset."""

import dataclasses

import numpy as np
import torch
from torch import nn

from actors.shards import ShardWriter
from learner.segmenter.card import heldout_iou, segmenter_card
from learner.segmenter.config import SegmenterTrainConfig
from tests.actors.helpers import make_chunk


class BrightPixels(nn.Module):
    """Logit > 0 exactly where a pixel's mean channel (input in [0, 1]) exceeds 0.5: a segmenter with a known answer."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x.mean(1, keepdim=True) - 0.5) * 100.0


def write_dataset(d, masks_match: bool, seed: int):
    chunk = make_chunk(t=6, seed=seed)
    bright = (chunk.frames.mean(-1) > 127.5).astype(np.uint8)
    chunk = dataclasses.replace(chunk, gt_masks=bright if masks_match else 1 - bright)
    w = ShardWriter(d, "w000", chunks_per_shard=1)
    w.add(chunk)
    w.flush()


def test_heldout_iou_per_task_and_preset(tmp_path):
    write_dataset(tmp_path / "a", masks_match=True, seed=0)
    write_dataset(tmp_path / "b", masks_match=False, seed=1)
    per_task, per_env = heldout_iou(BrightPixels(), [("hopper", "low", tmp_path / "a"),
                                                      ("hopper", "hard", tmp_path / "b")])
    assert per_env == {"hopper/low": 1.0, "hopper/hard": 0.0}
    assert 0.3 < per_task["hopper"] < 0.7  # pooled over both datasets' pixels, not averaged per preset
    card = segmenter_card(tmp_path / "m.onnx", nn.Conv2d(3, 1, 1), SegmenterTrainConfig(), {"frames": 12}, {},
                          per_task, per_env, 1.0, 2.0)
    assert card["model"] == "m.onnx" and card["parameters"] == 4 and card["mask_iou_per_preset"] == per_env
    assert card["train"]["widths"] == SegmenterTrainConfig().widths
