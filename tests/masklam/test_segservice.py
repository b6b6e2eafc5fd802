"""The embedded segmentation service never outlives its owner and leaves nothing in /tmp."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from masklam.segservice import LocalSegService
from segserver.config import SegServerConfig


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "zombie" not in status.read_text()


def test_service_exits_when_its_owner_is_killed_with_sigkill(tmp_path):
    """Regression: kill -9 of the CLI left the service listening 110 s later with 318 MB."""
    pid_file = tmp_path / "service.pid"
    owner = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        from masklam.segservice import LocalSegService
        from segserver.config import SegServerConfig
        svc = LocalSegService(SegServerConfig(), {str(tmp_path / 'seg.log')!r})
        svc.__enter__()
        open({str(pid_file)!r}, "w").write(str(svc.proc.pid))
        time.sleep(600)
    """)])
    deadline = time.monotonic() + 120
    while not pid_file.exists() or not pid_file.read_text():
        assert owner.poll() is None and time.monotonic() < deadline, "the owner failed to start the service"
        time.sleep(0.1)
    service = int(pid_file.read_text())
    assert _alive(service)
    owner.send_signal(signal.SIGKILL)
    owner.wait()
    deadline = time.monotonic() + 20
    while _alive(service) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(service), "the service outlived its owner"
    assert "owner process" in (tmp_path / "seg.log").read_text()


def test_no_temporary_directory_is_left_behind(tmp_path):
    svc = LocalSegService(SegServerConfig(), tmp_path / "seg.log")
    with svc:
        tmp = svc._tmp
        assert tmp.is_dir()
    assert not tmp.exists()
