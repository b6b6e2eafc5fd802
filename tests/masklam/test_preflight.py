"""Bad configs fail before any work starts, with one clear line and rc 2 (no Ray, no service, no traceback)."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from masklam.cli import main


def run(capsys, *argv):
    t = time.perf_counter()
    rc = main(list(argv))
    err = capsys.readouterr().err
    return rc, err, time.perf_counter() - t


@pytest.mark.parametrize("argv,needle", [
    (["collect", "--steps", "0"], "'steps': must be >= 1"),
    (["collect", "--steps", "-5"], "'steps': must be >= 1"),
    (["train", "--updates", "0"], "'updates': must be >= 1"),
    (["collect", "--task", "cartpole"], "unknown task 'cartpole'"),
    (["train", "--preset", "extreme"], "unknown distractor preset 'extreme'"),
])
def test_bad_values_are_refused_up_front(capsys, tmp_path, argv, needle):
    rc, err, took = run(capsys, *argv, "--out", str(tmp_path / "o"))
    assert rc == 2 and needle in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert took < 10, "refused before Ray or the service started"
    assert not (tmp_path / "o").exists()


def test_malformed_yaml_names_the_file(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("steps: [1, 2\nout: x\n")
    rc, err, _ = run(capsys, "collect", "--config", str(bad))
    assert rc == 2 and str(bad) in err and "not valid YAML" in err


def test_output_path_that_is_a_file_or_unwritable(capsys, tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    rc, err, _ = run(capsys, "collect", "--out", str(f))
    assert rc == 2 and "not a directory" in err
    rc, err, _ = run(capsys, "train", "--out", str(f / "sub"))
    assert rc == 2 and "cannot write under" in err


def test_truncated_manifest_and_empty_dataset_are_named(capsys, tmp_path):
    data = tmp_path / "data"
    (data / "manifests").mkdir(parents=True)
    rc, err, _ = run(capsys, "train", "--offline-data", str(data), "--out", str(tmp_path / "r"))
    assert rc == 2 and "holds no committed chunks" in err
    (data / "manifests" / "w000.json").write_text('{"shards": [{"file": "a.sh')
    rc, err, _ = run(capsys, "train", "--offline-data", str(data), "--out", str(tmp_path / "r"))
    assert rc == 2 and "w000.json is truncated or corrupt" in err


@pytest.mark.slow
def test_collect_refuses_another_dataset_unless_appending_the_same_kind(capsys, tmp_path):
    out = tmp_path / "d"
    common = ["--actors", "1", "--segmentation", "off", "--set", "actor.chunk_len=24", "--out", str(out)]
    assert main(["collect", "--task", "hopper", "--preset", "low", "--steps", "60", *common]) == 0
    first = json.loads((out / "summary.json").read_text())["transitions"]
    capsys.readouterr()
    rc, err, _ = run(capsys, "collect", "--task", "hopper", "--preset", "low", "--steps", "60", *common)
    assert rc == 2 and "already holds a run" in err and "--append" in err and "--resume" in err
    rc, err, _ = run(capsys, "collect", "--task", "walker2d", "--preset", "low", "--steps", "60", "--append",
                     "true", *common)
    assert rc == 2 and "needs task 'hopper'" in err
    assert main(["collect", "--task", "hopper", "--preset", "low", "--steps", "60", "--append", "true",
                 *common]) == 0
    assert json.loads((out / "summary.json").read_text())["transitions"] > first
    assert (out / "config.yaml").is_file() and list(out.glob("config.append-*.yaml"))


@pytest.mark.slow
def test_sigterm_on_collect_commits_chunks_and_writes_the_summary(tmp_path):
    """Regression: SIGTERM killed collect without flushing its buffered chunks or writing summary.json."""
    out = tmp_path / "d"
    proc = subprocess.Popen([sys.executable, "-m", "masklam.cli", "collect", "--task", "halfcheetah",
                             "--steps", "100000", "--actors", "1", "--segmentation", "off", "--out", str(out),
                             "--set", "actor.chunk_len=32", "--set", "actor.steps_per_call=50"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ})
    deadline = time.monotonic() + 180
    while not list(out.glob("*.shard")):
        assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read().decode()[-2000:]
        time.sleep(0.5)
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    output = proc.communicate(timeout=120)[0].decode()
    assert proc.returncode == 130, output[-2000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["interrupted"] is True and summary["transitions"] > 0
    assert "committing buffered chunks" in output
    # --resume records only what is missing (here a total lowered to 64 more than was committed)
    committed = summary["transitions"]
    assert main(["collect", "--out", str(out), "--resume", "--steps", str(committed + 64)]) == 0
    resumed = json.loads((out / "summary.json").read_text())
    assert resumed["interrupted"] is False and committed < resumed["transitions"] <= committed + 64 + 100
