import numpy as np
import pytest

from actors.policies import MLPExpertPolicy, make_policy

LOW, HIGH = -np.ones(3, np.float32), np.ones(3, np.float32)


def write_expert(path, obs=5, act=3, hidden=8):
    rng = np.random.default_rng(0)
    np.savez(path, w0=rng.normal(size=(obs, hidden)), b0=np.zeros(hidden), w1=rng.normal(size=(hidden, act)),
             b1=np.zeros(act), activation=np.array("tanh"), obs_mean=np.zeros(obs), obs_std=np.ones(obs),
             squash=np.array(True))
    return path


def test_random_policy_in_bounds():
    p = make_policy("random", LOW, HIGH)
    a = np.stack([p.act(None, np.random.default_rng(i)) for i in range(100)])
    assert a.dtype == np.float32 and (a >= -1).all() and (a <= 1).all() and a.std() > 0.3


def test_expert_is_deterministic_and_noise_is_bounded(tmp_path):
    path = write_expert(tmp_path / "e.npz")
    expert = make_policy("expert", LOW, HIGH, str(path))
    s = np.arange(5, dtype=np.float32)
    a1, a2 = expert.act(s, np.random.default_rng(0)), expert.act(s, np.random.default_rng(1))
    np.testing.assert_array_equal(a1, a2)
    noisy = make_policy("expert", LOW, HIGH, str(path), noise_std=0.3)
    b = np.stack([noisy.act(s, np.random.default_rng(i)) for i in range(200)])
    assert (b >= -1).all() and (b <= 1).all()
    assert 0.05 < np.abs(b - a1).mean() < 0.5


def test_expert_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        MLPExpertPolicy(tmp_path / "missing.npz", LOW, HIGH)
    with pytest.raises(ValueError, match="outputs 4 values"):
        MLPExpertPolicy(write_expert(tmp_path / "e.npz", act=4), LOW, HIGH)
    with pytest.raises(ValueError, match="needs policy.expert_path"):
        make_policy("expert", LOW, HIGH)
    p = MLPExpertPolicy(write_expert(tmp_path / "f.npz"), LOW, HIGH)
    with pytest.raises(ValueError, match="state of size 5"):
        p.act(np.zeros(7, np.float32), np.random.default_rng(0))
