import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from actors.envs import PRESETS, TASKS, make_env
from actors.envs.render import AGENT, SceneRenderer


def rollout(env, steps, seed=0, action_seed=123):
    frames, masks = [], []
    frame, info = env.reset(seed=seed)
    frames.append(frame), masks.append(info["agent_mask"])
    rng = np.random.default_rng(action_seed)
    for _ in range(steps):
        a = rng.uniform(env.action_space.low, env.action_space.high).astype(np.float32)
        frame, _, term, trunc, info = env.step(a)
        frames.append(frame), masks.append(info["agent_mask"])
    return np.stack(frames), np.stack(masks)


@pytest.mark.parametrize("task", sorted(TASKS))
@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_check_env_passes(task, preset):
    env = make_env(task, preset, seed=1)
    check_env(env, skip_render_check=True)
    frame, info = env.reset(seed=2)
    assert frame.dtype == np.uint8 and frame.shape == (64, 64, 3)
    assert info["agent_mask"].dtype == np.uint8 and info["agent_mask"].shape == (64, 64)
    assert set(np.unique(info["agent_mask"])) <= {0, 1}
    assert info["state"].shape == env.state_space.shape
    env.close()


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_same_seed_same_frames(preset):
    a = rollout(make_env("hopper", preset, seed=5), 30, seed=11)
    b = rollout(make_env("hopper", preset, seed=5), 30, seed=11)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    c = rollout(make_env("hopper", preset, seed=5), 30, seed=12)
    if preset != "none":  # another reset seed draws another background video
        assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize("task", sorted(TASKS))
def test_mask_covers_agent_and_nothing_else(task):
    """Under `low` (video only): masked pixels are exactly the undistracted render, every other pixel is video."""
    plain_frames, plain_masks = rollout(make_env(task, "none", seed=3), 20)
    env = make_env(task, "low", seed=3)
    frame, info = env.reset(seed=0)
    rng = np.random.default_rng(123)
    for t in range(21):
        mask = info["agent_mask"].astype(bool)
        assert mask.any(), "the agent is always in view of the tracking camera"
        np.testing.assert_array_equal(mask, plain_masks[t].astype(bool))
        # background replacement never changes a masked pixel
        np.testing.assert_array_equal(frame[mask], plain_frames[t][mask])
        if TASKS[task].floor_alpha >= 1.0:  # floor fully replaced: everything unmasked is the video frame
            np.testing.assert_array_equal(frame[~mask], env.current_background[~mask])
        a = rng.uniform(env.action_space.low, env.action_space.high).astype(np.float32)
        frame, _, _, _, info = env.step(a)


def test_mask_empty_when_agent_invisible():
    env = make_env("walker2d", "low", seed=0)
    _, info = env.reset(seed=0)
    assert info["agent_mask"].sum() > 20
    env.model.geom_rgba[env.agent_geoms, 3] = 0.0  # MuJoCo skips fully transparent geoms
    frame, _, _, _, info = env.step(np.zeros(env.action_space.shape, np.float32))
    assert info["agent_mask"].sum() == 0
    np.testing.assert_array_equal(frame, env.current_background)


@pytest.mark.parametrize("preset", ["low", "medium", "hard"])
def test_every_preset_changes_background(preset):
    plain, masks = rollout(make_env("halfcheetah", "none", seed=4), 10)
    dist, _ = rollout(make_env("halfcheetah", preset, seed=4), 10)
    bg = ~masks.astype(bool)
    changed = np.any(plain != dist, axis=-1)[bg].mean()
    assert changed > 0.8, f"only {changed:.2f} of background pixels changed under {preset}"


def test_camera_shake_and_colour_walk_move_the_agent_pixels():
    _, plain_masks = rollout(make_env("halfcheetah", "low", seed=4), 15)
    frames, shaken_masks = rollout(make_env("halfcheetah", "medium", seed=4), 15)
    assert not np.array_equal(plain_masks, shaken_masks), "camera shake must move the agent in the image"


def test_action_correlated_objects_follow_actions():
    env_a, env_b = make_env("halfcheetah", "hard", seed=9), make_env("halfcheetah", "hard", seed=9)
    env_a.reset(seed=0), env_b.reset(seed=0)
    env_a._objects.pos[:] = 0.5
    env_b._objects.pos[:] = 0.5  # centred: one step cannot bounce
    high = env_a.action_space.high
    env_a.step(high), env_b.step(-high)
    move_a, move_b = env_a._objects.pos - 0.5, env_b._objects.pos - 0.5
    # velocity = 0.03 W a + N(0, 0.003): opposite actions move the objects in opposite directions
    big = np.abs(move_a) > 0.015
    assert big.sum() >= 2
    assert np.all(np.sign(move_a[big]) == -np.sign(move_b[big]))


def test_renderer_classes_match_mask_and_fast_settings():
    env = make_env("humanoid", "none", seed=0)
    env.reset(seed=0)
    assert env.model.vis.quality.offsamples == 0
    assert not env.model.light_castshadow.any() and not env.model.mat_reflectance.any()
    r = SceneRenderer(env.model, 64, 4.0, -10.0)
    _, classes = r.render(env.data)
    _, info = env.reset(seed=0)
    np.testing.assert_array_equal(classes == AGENT, info["agent_mask"].astype(bool))


def test_bad_arguments_are_clear():
    with pytest.raises(ValueError, match="unknown task"):
        make_env("cartpole")
    with pytest.raises(ValueError, match="unknown distractor preset"):
        make_env("hopper", "extreme")
    with pytest.raises(ValueError, match="unknown background split"):
        make_env("hopper", "low", split="val")
    with pytest.raises(RuntimeError, match="reset"):
        make_env("hopper", "none").step(np.zeros(3, np.float32))


@pytest.mark.parametrize("task", sorted(TASKS))
def test_agent_stays_in_view_under_camera_shake(task):
    """Regression: shake must never put the camera under the floor plane (which hid the agent in 20% of frames)."""
    env = make_env(task, "hard", seed=0, size=32)
    _, info = env.reset(seed=0)
    rng = np.random.default_rng(0)
    for _ in range(250):
        a = rng.uniform(-0.4, 0.4, env.action_space.shape).astype(np.float32)
        _, _, term, trunc, info = env.step(a)
        assert info["agent_mask"].sum() > 0
        if term or trunc:
            _, info = env.reset()
