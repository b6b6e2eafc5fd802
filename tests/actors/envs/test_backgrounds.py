import numpy as np
import pytest
from PIL import Image

from actors.envs import make_env
from actors.envs.render import BACKGROUND
from actors.envs.backgrounds import DavisVideoSource, ProceduralVideoSource, VideoPlayer


def test_procedural_is_seeded_and_splits_are_disjoint():
    train, test = ProceduralVideoSource(32, "train"), ProceduralVideoSource(32, "test")
    np.testing.assert_array_equal(train.generate(5), train.generate(5))
    rng = np.random.default_rng(0)
    train_seeds = {train.video_seed(rng) for _ in range(500)}
    test_seeds = {test.video_seed(rng) for _ in range(500)}
    assert max(train_seeds) < min(test_seeds)
    clip = train.sample(np.random.default_rng(1))
    assert clip.dtype == np.uint8 and clip.shape == (120, 32, 32, 3)
    assert np.abs(np.diff(clip.astype(np.int16), axis=0)).mean() > 1.0, "the video moves"


def test_player_bounces_at_the_ends():
    clip = np.arange(3)[:, None, None, None].repeat(2, 1)
    p = VideoPlayer(clip, np.random.default_rng(0))
    seen = []
    for _ in range(10):
        seen.append(int(p.frame()[0, 0, 0]))
        p.advance()
    assert all(abs(a - b) == 1 for a, b in zip(seen, seen[1:]))
    assert set(seen) == {0, 1, 2}


def make_davis(root, videos=("bear", "car", "dog", "elephant", "fish"), frames=4):
    for k, name in enumerate(videos):
        d = root / "JPEGImages" / "480p" / name
        d.mkdir(parents=True)
        for i in range(frames):
            img = np.full((48, 80, 3), (40 * k + 10 * i) % 256, np.uint8)
            Image.fromarray(img).save(d / f"{i:05d}.jpg", quality=100)
    return root


def test_davis_layout_with_imagesets(tmp_path):
    root = make_davis(tmp_path)
    (root / "ImageSets" / "2017").mkdir(parents=True)
    (root / "ImageSets" / "2017" / "train.txt").write_text("bear\ncar\ndog\n")
    (root / "ImageSets" / "2017" / "val.txt").write_text("elephant\nfish\n")
    src = DavisVideoSource(root, 16, "train")
    assert src.videos == ["bear", "car", "dog"]
    assert DavisVideoSource(root, 16, "test").videos == ["elephant", "fish"]
    clip = src.sample(np.random.default_rng(0))
    assert clip.shape == (4, 16, 16, 3) and clip.dtype == np.uint8


def test_env_uses_davis_frames(tmp_path):
    root = make_davis(tmp_path, videos=("only",), frames=3)
    env = make_env("halfcheetah", "low", seed=0, size=32, video_source=str(root))
    frame, info = env.reset(seed=0)
    sky = env.pixel_classes == BACKGROUND
    assert sky.sum() > 100
    values = set(np.unique(frame[sky]).tolist())
    assert values <= {0, 1, 2, 9, 10, 11, 19, 20, 21}, values  # the jpg greys (+-1 from JPEG)


def test_davis_errors_are_clear(tmp_path):
    with pytest.raises(FileNotFoundError, match="DAVIS-layout"):
        DavisVideoSource(tmp_path, 16)
    (tmp_path / "JPEGImages" / "480p").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match="no videos"):
        DavisVideoSource(tmp_path, 16)
