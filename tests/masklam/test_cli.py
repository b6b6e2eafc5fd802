import json
import subprocess
import sys

import pytest
from PIL import Image

from masklam.cli import COMMANDS, main


def masklam(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "masklam.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_help_for_every_subcommand(command):
    r = masklam(*command.split(), "--help")
    assert r.returncode == 0 and "--config" in r.stdout and "--set" in r.stdout


def test_bad_override_is_a_clear_error(capsys):
    assert main(["collect", "--set", "actor.chunk_len=-"]) == 2
    assert "actor.chunk_len" in capsys.readouterr().err


def test_preview_writes_png_and_gif(tmp_path):
    assert main(["preview", "--task", "hopper", "--preset", "hard", "--frames", "20", "--out", str(tmp_path)]) == 0
    png = Image.open(tmp_path / "preview.png")
    assert png.size == (4 * 64 * 4, 4 * 64 * 4)
    gif = Image.open(tmp_path / "preview.gif")
    assert gif.n_frames == 20
    assert (tmp_path / "preview_config.yaml").exists()


@pytest.mark.slow
def test_collect_end_to_end(tmp_path):
    out = tmp_path / "data"
    r = masklam("collect", "--task", "walker2d", "--preset", "medium", "--actors", "2", "--steps", "400",
                "--size", "32", "--out", str(out), "--set", "actor.chunk_len=32")
    assert r.returncode == 0, r.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["steps"] == 400 and summary["transitions"] == 400 and summary["shards"] >= 2
    assert "frames/s" in r.stderr and "collected" in r.stderr
    assert "settotalmass" not in r.stderr, "known MuJoCo deprecation noise is routed to logging"
    assert (out / "config.yaml").exists()
    assert summary["mask_iou"] is not None and "segmentation service on 127.0.0.1:" in r.stderr
