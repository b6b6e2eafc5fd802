"""Checkpoints load tensors only and fall back to the newest intact one; the online learner also checkpoints by
wall-clock time."""

import io
import pickle

import pytest
import torch

from learner.checkpoint import load_latest, save_checkpoint


class Payload:
    """Stands for arbitrary pickled code in a foreign checkpoint."""

    def __reduce__(self):
        return (print, ("this must never run",))


def test_truncated_latest_falls_back_to_the_newest_intact(tmp_path):
    save_checkpoint({"updates": 10, "w": torch.ones(3)}, tmp_path, 10)
    path = save_checkpoint({"updates": 20, "w": torch.zeros(3)}, tmp_path, 20)
    path.write_bytes(path.read_bytes()[:40])  # truncated by a crash or a full disk
    state = load_latest(tmp_path)
    assert state["updates"] == 10 and torch.equal(state["w"], torch.ones(3))


def test_checkpoints_never_unpickle_code(tmp_path, capsys):
    save_checkpoint({"updates": 1}, tmp_path, 1)
    buf = io.BytesIO()
    torch.save({"updates": 2, "evil": Payload()}, buf, pickle_protocol=pickle.DEFAULT_PROTOCOL)
    (tmp_path / "ckpt-000000002.pt").write_bytes(buf.getvalue())
    (tmp_path / "latest").write_text("ckpt-000000002.pt")
    assert load_latest(tmp_path)["updates"] == 1
    assert "this must never run" not in capsys.readouterr().out


def test_no_readable_checkpoint_is_an_error_not_a_fresh_start(tmp_path):
    (tmp_path / "ckpt-000000005.pt").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="no readable checkpoint"):
        load_latest(tmp_path)
    assert load_latest(tmp_path / "empty") is None


def test_online_learner_checkpoints_by_time(tmp_path):
    from learner.lam.config import LAMModelConfig
    from learner.lam.learner_config import LAMLearnerConfig
    from learner.online import OnlineLAMLearner
    from tests.actors.helpers import make_chunk

    cfg = LAMLearnerConfig(methods=["lapo"], model=LAMModelConfig(channels=[4, 8], blocks=1, latent_dim=8, size=16),
                           batch_size=2, device="cpu")
    learner = OnlineLAMLearner(cfg, 6, queue=None, checkpoint_dir=str(tmp_path), checkpoint_every=10**9,
                               min_blocks=1, checkpoint_seconds=1e-9)
    learner.replay.add(make_chunk(t=20))
    learner.train(3)
    assert sorted(p.name for p in tmp_path.glob("ckpt-*.pt"))[-1] == "ckpt-000000003.pt"


def test_curve_points_are_kept_beside_the_newest_three(tmp_path):
    from learner.checkpoint import kept_checkpoints

    for step in range(1, 11):
        save_checkpoint({"step": step}, tmp_path, step, keep=3, keep_every=4)
    assert [p.name for p in kept_checkpoints(tmp_path)] == [
        "ckpt-000000004.pt", "ckpt-000000008.pt", "ckpt-000000009.pt", "ckpt-000000010.pt"]
    for step in range(11, 14):
        save_checkpoint({"step": step}, tmp_path, step)  # keep_every 0: only the newest three
    assert [p.name for p in kept_checkpoints(tmp_path)][-3:] == [
        "ckpt-000000011.pt", "ckpt-000000012.pt", "ckpt-000000013.pt"]
