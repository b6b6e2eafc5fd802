"""Real segmentation servers on 127.0.0.1, started as subprocesses (python -m segserver serve)."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from protos.seg_client import SegmentationClient
from segserver import DEFAULT_MODEL


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    def __init__(self, tmp: Path, *flags: str, port: int | None = None, env: dict | None = None):
        self.port_file = tmp / f"port-{time.monotonic_ns()}"
        self.port = port
        args = [sys.executable, "-m", "segserver", "serve", "--port", str(port or 0),
                "--port-file", str(self.port_file), *flags]
        self.log = tmp / f"server-{time.monotonic_ns()}.log"
        self.proc = subprocess.Popen(args, stdout=self.log.open("w"), stderr=subprocess.STDOUT,
                                     env={**os.environ, **(env or {})})
        deadline = time.monotonic() + 60
        while not self.port_file.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {self.log.read_text()}")
            time.sleep(0.05)
        time.sleep(0.05)
        self.port = int(self.port_file.read_text())
        self.address = f"127.0.0.1:{self.port}"

    def client(self, **kw) -> SegmentationClient:
        return SegmentationClient(address=self.address, **kw)

    def terminate(self, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()


@pytest.fixture
def start_server(tmp_path):
    servers = []

    def start(*flags, **kw) -> ServerProcess:
        s = ServerProcess(tmp_path, *flags, **kw)
        servers.append(s)
        return s

    yield start
    for s in servers:
        if s.proc.poll() is None:
            s.kill()


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory):
    """One default server for the read-only tests of a module."""
    assert DEFAULT_MODEL.is_file(), "the shipped model is missing"
    s = ServerProcess(tmp_path_factory.mktemp("segserver"))
    yield s
    s.kill()
