"""A real two-node Ray cluster on one machine: `ray start --head` plus a second `ray start --address` node that
alone offers the `actor_node` resource, the segmentation service as its own process, and `masklam collect`
joining the cluster with its actors pinned to the second node."""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from actors.shards import ShardReader
from masklam.segservice import LocalSegService
from segserver.config import SegServerConfig

pytestmark = pytest.mark.slow
RAY = str(Path(sys.executable).parent / "ray")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ray(*args, env):
    res = subprocess.run([RAY, *args], capture_output=True, text=True, env=env, timeout=180)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    return res


def _stop_cluster(temp_dir):
    """Stop only this cluster's processes (`ray stop` would kill every Ray on the machine, the test session's too):
    GCS, raylets and agents carry the cluster's own --temp-dir on their command line; workers exit with their raylet."""
    needle = str(temp_dir).encode()
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit() and int(proc.name) != os.getpid():
            try:
                if needle in (proc / "cmdline").read_bytes():
                    pids.append(int(proc.name))
            except OSError:
                continue
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + 10
        while sig == signal.SIGTERM and time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in pids):
            time.sleep(0.2)


@pytest.fixture
def two_node_cluster(tmp_path):
    env = {**os.environ, "RAY_AUTH_MODE": "disabled", "MUJOCO_GL": "egl"}
    port = _free_port()
    temp_dir = tempfile.mkdtemp(prefix="ray2n", dir="/tmp")  # short: unix socket paths live under it
    address = f"127.0.0.1:{port}"
    common = ["--node-ip-address", "127.0.0.1", "--object-store-memory", str(200 * 1024 * 1024),
              "--include-dashboard", "false", "--temp-dir", temp_dir]
    try:
        _ray("start", "--head", "--port", str(port), "--num-cpus", "0", *common, env=env)
        _ray("start", "--address", address, "--num-cpus", "2", "--resources", json.dumps({"actor_node": 2}),
             *common[:4], "--temp-dir", temp_dir, env=env)
        yield address, env
    finally:
        _stop_cluster(temp_dir)
        shutil.rmtree(temp_dir, ignore_errors=True)


def test_collect_places_actors_on_the_second_node(tmp_path, two_node_cluster):
    address, env = two_node_cluster
    out = tmp_path / "data"
    with LocalSegService(SegServerConfig(threads=1), log_path=tmp_path / "segserver.log") as seg_address:
        cmd = [sys.executable, "-m", "masklam.cli", "collect", "--task", "hopper", "--preset", "low", "--actors", "1",
               "--steps", "120", "--out", str(out), "--ray-address", address, "--segmentation", "remote",
               "--seg-address", seg_address, "--set", 'actor.resources={"actor_node": 1}',
               "--set", "actor.chunk_len=24", "--set", "actor.steps_per_call=60"]
        res = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
        assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
        # the head offers no CPUs and no actor_node: a scheduled actor can only have run on the second node
        too_big = cmd[:cmd.index("--actors") + 1] + ["3"] + cmd[cmd.index("--actors") + 2:]
        too_big[too_big.index("--out") + 1] = str(tmp_path / "data2")  # a non-empty --out is refused up front
        res = subprocess.run(too_big, capture_output=True, text=True, env=env, timeout=120)
        assert res.returncode == 1 and "actor_node: needs 3, cluster has 2" in res.stderr
    reader = ShardReader(out, verify=True)
    assert reader.num_chunks > 0 and reader.num_transitions >= 100
