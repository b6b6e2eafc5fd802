import numpy as np
import pytest
import torch

from learner.policy.bc import observation_space, target_space
from learner.policy.checkpoint import load_policy, save_policy
from learner.policy.decoder import fit_decoder
from learner.policy.rl_module import PixelPolicyRLModule

SMALL = {"channels": [4, 8], "blocks": 1, "feature_dim": 16, "decoder_hidden": [32, 32], "size": 16, "shift_px": 0.0}


def module(real_action_dim=2, target_dim=4, seed=0):
    torch.manual_seed(seed)
    return PixelPolicyRLModule(observation_space=observation_space(16, 3), action_space=target_space(target_dim),
                               model_config={**SMALL, "real_action_dim": real_action_dim})


def test_forward_gives_gaussian_inputs_and_act_uses_the_decoder():
    m = module()
    obs = np.random.default_rng(0).integers(0, 255, (5, 16, 16, 9), dtype=np.uint8)
    out = m.forward_inference({"obs": torch.from_numpy(obs)})
    assert out["action_dist_inputs"].shape == (5, 8)  # mean and log-std of the 4-d latent
    assert m.act(obs[0]).shape == (2,)  # the decoder maps features to the 2-d real action
    assert module(real_action_dim=0).act(obs[0]).shape == (4,)


def test_training_shift_augments_only_the_training_forward():
    obs = {"obs": torch.from_numpy(np.random.default_rng(0).integers(0, 255, (5, 16, 16, 9), dtype=np.uint8))}
    plain = module()
    torch.testing.assert_close(plain.forward_train(obs)["action_dist_inputs"],
                               plain.forward_inference(obs)["action_dist_inputs"])
    torch.manual_seed(0)
    shifted = PixelPolicyRLModule(observation_space=observation_space(16, 3), action_space=target_space(4),
                                  model_config={**SMALL, "real_action_dim": 2, "shift_px": 2.0})
    train_out = shifted.forward_train(obs)["action_dist_inputs"]
    assert not torch.allclose(train_out, shifted.forward_inference(obs)["action_dist_inputs"])
    assert not torch.allclose(train_out, shifted.forward_train(obs)["action_dist_inputs"])  # a new shift each call


def test_wrong_channel_count_is_refused():
    with pytest.raises(ValueError, match="expected 3 \\* frame_stack"):
        PixelPolicyRLModule(observation_space=observation_space(16, 2), action_space=target_space(4),
                            model_config=SMALL)


def test_decoder_learns_a_function_of_the_features_with_the_encoder_frozen():
    m = module()
    rng = np.random.default_rng(0)
    obs = rng.integers(0, 255, (400, 16, 16, 9), dtype=np.uint8)
    # targets the decoder can represent: a fixed linear map of the (frozen) features
    with torch.no_grad():
        feats = m.encode(torch.from_numpy(obs))
    w = torch.randn(feats.shape[1], 2, generator=torch.Generator().manual_seed(1)) / feats.shape[1] ** 0.5
    actions = (feats @ w).numpy()
    encoder_before = [p.clone() for p in m.encoder.parameters()]
    stats = fit_decoder(m, feats[:360], actions[:360], feats[360:], actions[360:], steps=1500, lr=3e-3,
                        batch_size=64, seed=0)
    assert stats["decoder_mse_last"] < 0.2 * stats["decoder_mse_first"]
    assert stats["decoder_nmse_val"] < 0.2
    assert len(m.decoder) == 3 or len([x for x in m.decoder if isinstance(x, torch.nn.Linear)]) >= 2
    assert all(torch.equal(a, b) for a, b in zip(encoder_before, m.encoder.parameters()))


def test_decoder_fit_starts_fresh_so_a_refit_from_a_saved_bc_stage_is_the_same_fit():
    m = module()
    feats = torch.randn(64, 16, generator=torch.Generator().manual_seed(2))
    actions = np.tanh(feats[:, :2].numpy())
    first = fit_decoder(m, feats[:48], actions[:48], feats[48:], actions[48:], 30, 1e-3, 16, seed=3)
    weights = [p.clone() for p in m.decoder.parameters()]
    again = fit_decoder(m, feats[:48], actions[:48], feats[48:], actions[48:], 30, 1e-3, 16, seed=3)  # trained start
    assert again == first and all(torch.equal(a, b) for a, b in zip(weights, m.decoder.parameters()))
    other = fit_decoder(m, feats[:48], actions[:48], feats[48:], actions[48:], 30, 1e-3, 16, seed=4)
    assert other["decoder_mse_first"] != first["decoder_mse_first"]


def test_decoder_needs_one_and_enough_data():
    feats = torch.zeros((1, 16))
    with pytest.raises(ValueError, match="without a decoder"):
        fit_decoder(module(real_action_dim=0), feats, np.zeros((1, 2)), feats, np.zeros((1, 2)), 1, 1e-3, 4, 0)
    with pytest.raises(ValueError, match="at least 2"):
        fit_decoder(module(), feats, np.zeros((1, 2)), feats, np.zeros((1, 2)), 1, 1e-3, 4, 0)


def test_checkpoint_round_trip_gives_the_same_actions(tmp_path):
    m = module(seed=3)
    obs = np.random.default_rng(1).integers(0, 255, (16, 16, 9), dtype=np.uint8)
    meta = {"task": "hopper", "preset": "low", "size": 16, "frame_stack": 3}
    save_policy(m, tmp_path / "p.pt", meta)
    loaded, got = load_policy(tmp_path / "p.pt")
    assert got == meta
    np.testing.assert_array_equal(loaded.act(obs), m.act(obs))
    with pytest.raises(ValueError, match="needs 'preset'"):
        save_policy(m, tmp_path / "q.pt", {"task": "hopper", "size": 16, "frame_stack": 3})
    (tmp_path / "bad.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="not a readable policy checkpoint"):
        load_policy(tmp_path / "bad.pt")
    torch.save({"format": "other"}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a masklam policy checkpoint"):
        load_policy(tmp_path / "other.pt")
