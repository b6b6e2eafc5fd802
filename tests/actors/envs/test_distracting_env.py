import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from actors.envs import PRESETS, TASKS, make_env
from actors.envs.render import AGENT, BACKGROUND, FLOOR, SceneRenderer


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
def test_low_follows_dcs_semantics(task):
    """Under `low` (video only), same state and camera as `none`: the agent and its mask are untouched, the video is
    the sky, and the floor is the clean floor (opaque, ground_plane_alpha 1) or the 0.3 / 0.7 blend (humanoid)."""
    plain_frames, plain_masks = rollout(make_env(task, "none", seed=3), 20)
    env = make_env(task, "low", seed=3)
    frame, info = env.reset(seed=0)
    rng = np.random.default_rng(123)
    alpha = TASKS[task].ground_plane_alpha
    for t in range(21):
        mask = info["agent_mask"].astype(bool)
        classes = env.pixel_classes
        assert mask.any(), "the agent is always in view of the tracking camera"
        np.testing.assert_array_equal(mask, plain_masks[t].astype(bool))
        np.testing.assert_array_equal(frame[mask], plain_frames[t][mask])
        sky, floor = classes == BACKGROUND, classes == FLOOR
        assert sky.sum() > 200 and floor.sum() > 200
        np.testing.assert_array_equal(frame[sky], env.current_background[sky])
        assert np.any(frame[sky] != plain_frames[t][sky], axis=-1).mean() > 0.9, "the sky must show the video"
        blend = alpha * plain_frames[t][floor].astype(np.float32) + (1 - alpha) * env.current_background[floor]
        np.testing.assert_allclose(frame[floor], blend, atol=1.0)
        if alpha >= 1.0:
            np.testing.assert_array_equal(frame[floor], plain_frames[t][floor])
        a = rng.uniform(env.action_space.low, env.action_space.high).astype(np.float32)
        frame, _, _, _, info = env.step(a)


def _best_shift(a: np.ndarray, b: np.ndarray, r: int = 12) -> tuple[int, int]:
    """Integer (dy, dx) minimising the MSE between a and b shifted by it, over the central overlap."""
    n, best = a.shape[0], None
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            e = ((a[r:n - r, r:n - r] - b[r + dy:n - r + dy, r + dx:n - r + dx]) ** 2).mean()
            if best is None or e < best[0]:
                best = (e, dy, dx)
    return best[1], best[2]


@pytest.mark.parametrize("offsets", [(4, 0, 0, 0), (0, 4, 0, 0), (3, -2, 0, 0), (0, 0, 1.0, 0), (-5, 3, 0.5, 0)])
def test_background_pans_like_mujocos_own_skybox(offsets):
    """A camera move shifts our sky exactly as MuJoCo shifts a real skybox texture (uploaded here once)."""
    import mujoco

    env = make_env("halfcheetah", "low", seed=0)
    env.reset(seed=0)
    m, renderer = env.model, env._renderer
    m.geom_rgba[:, 3] = 0.0  # hide every geom (floor and agent): only the sky is drawn
    g = np.random.default_rng(0)
    n = int(m.tex_width[0])
    face = np.kron(g.integers(0, 256, (n // 4, n // 4, 3)), np.ones((4, 4, 1))).astype(np.uint8)
    m.tex_data[m.tex_adr[0]:m.tex_adr[0] + 6 * n * n * 3] = np.tile(face, (6, 1, 1)).reshape(-1)
    renderer._renderer._gl_context.make_current()
    mujoco.mjr_uploadTexture(m, renderer._renderer._mjr_context, 0)
    video = np.kron(g.integers(0, 256, (16, 16, 3)), np.ones((4, 4, 1))).astype(np.uint8)
    grey = lambda x: x.astype(np.float64).mean(-1)  # noqa: E731
    shots = []
    for pose in ((0, 0, 0, 0), offsets):
        renderer.set_camera(*pose)
        real, _ = renderer.render(env.data)
        ours = env._sky_map.sky(video, env._sky_map.index(*renderer.view))
        shots.append((grey(real), grey(ours)))
    (real_a, ours_a), (real_b, ours_b) = shots
    real_shift, our_shift = _best_shift(real_b, real_a), _best_shift(ours_b, ours_a)
    assert np.abs(np.subtract(real_shift, our_shift)).max() <= 1, (real_shift, our_shift)


def test_mask_empty_when_agent_invisible():
    env = make_env("walker2d", "low", seed=0)
    _, info = env.reset(seed=0)
    assert info["agent_mask"].sum() > 20
    env.model.geom_rgba[env.agent_geoms, 3] = 0.0  # MuJoCo skips fully transparent geoms
    frame, _, _, _, info = env.step(np.zeros(env.action_space.shape, np.float32))
    assert info["agent_mask"].sum() == 0
    sky = env.pixel_classes == BACKGROUND
    np.testing.assert_array_equal(frame[sky], env.current_background[sky])


@pytest.mark.parametrize("preset", ["low", "medium", "hard", "causal"])
def test_every_preset_changes_the_sky(preset):
    env = make_env("halfcheetah", "none", seed=4)
    plain, _ = rollout(env, 10)
    sky = env.pixel_classes == BACKGROUND
    dist, _ = rollout(make_env("halfcheetah", preset, seed=4), 10)
    changed = np.any(plain[-1] != dist[-1], axis=-1)[sky].mean()
    assert changed > 0.8, f"only {changed:.2f} of sky pixels changed under {preset}"


def test_presets_are_the_designs():
    """DESIGN.md section 3: low = video only (the paper's), medium s=0.1, hard s=0.3, causal adds caused objects."""
    p = PRESETS
    assert [(n, p[n].background_video, p[n].scale, p[n].moving_objects, p[n].action_correlated) for n in sorted(p)] == [
        ("causal", True, 0.1, 3, True), ("hard", True, 0.3, 0, False), ("low", True, 0.0, 0, False),
        ("medium", True, 0.1, 0, False), ("none", False, 0.0, 0, False)]
    assert [TASKS[t].ground_plane_alpha for t in ("halfcheetah", "hopper", "walker2d", "humanoid")] == [1, 1, 1, 0.3]


def test_camera_shake_and_colour_walk_move_the_agent_pixels():
    _, plain_masks = rollout(make_env("halfcheetah", "low", seed=4), 15)
    frames, shaken_masks = rollout(make_env("halfcheetah", "medium", seed=4), 15)
    assert not np.array_equal(plain_masks, shaken_masks), "camera shake must move the agent in the image"


def test_action_correlated_objects_follow_actions():
    env_a, env_b = make_env("halfcheetah", "causal", seed=9), make_env("halfcheetah", "causal", seed=9)
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
