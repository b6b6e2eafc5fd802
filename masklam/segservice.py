"""The embedded default: the segmentation service as a subprocess on 127.0.0.1, for the length of a run."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from protos.seg_client import SegmentationClient
from segserver.config import SegServerConfig


class LocalSegService:
    """`with LocalSegService(cfg) as address:` starts `python -m segserver serve` on a free loopback port, waits until
    the model is warm, and on exit drains it with SIGTERM (SIGKILL if it does not stop)."""

    def __init__(self, cfg: SegServerConfig, log_path: str | Path | None = None, ready_timeout_s: float = 120.0):
        self.cfg = dataclasses.replace(cfg, host="127.0.0.1", port=0)
        self.log_path = Path(log_path) if log_path else None
        self.ready_timeout_s = ready_timeout_s
        self.proc: subprocess.Popen | None = None
        self.address: str | None = None
        self.model_info = None
        self._tmp: Path | None = None  # the port file's directory, removed on exit

    def __enter__(self) -> str:
        self._tmp = Path(tempfile.mkdtemp(prefix="masklam-seg-"))
        port_file = self._tmp / "port"
        args = [sys.executable, "-m", "segserver", "serve", "--port-file", str(port_file),
                "--parent-pid", str(os.getpid())]  # the service exits when we die, even by SIGKILL
        for f in dataclasses.fields(self.cfg):
            v = getattr(self.cfg, f.name)
            if v is not None and f.name not in ("port_file", "token", "parent_pid"):
                args += [f"--{f.name.replace('_', '-')}", str(v)]
        log = self.log_path.open("w") if self.log_path else subprocess.DEVNULL
        env = None
        if self.cfg.token:  # never on the command line
            env = {**os.environ, "MASKLAM_SEG_TOKEN": self.cfg.token}
        # own session: a terminal Ctrl-C reaches us, not the service, so actors can flush their chunks before we drain it
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        deadline = time.monotonic() + self.ready_timeout_s
        while not port_file.exists():
            if self.proc.poll() is not None:
                detail = self.log_path.read_text()[-2000:] if self.log_path else "(no log)"
                raise RuntimeError(f"segmentation service exited with {self.proc.returncode}: {detail}")
            if time.monotonic() > deadline:
                self.__exit__()
                raise TimeoutError(f"segmentation service not ready after {self.ready_timeout_s}s")
            time.sleep(0.05)
        self.address = f"127.0.0.1:{int(port_file.read_text())}"
        with SegmentationClient(address=self.address, token=self.cfg.token) as client:
            self.model_info = client.wait_ready(self.ready_timeout_s)
        return self.address

    def __exit__(self, *exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(self.cfg.drain_seconds + 5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None


@contextlib.contextmanager
def fleet_segmentation(cfg, out: Path, console, needed: bool = True):
    """The actor config of a fleet run (`cfg`: a FleetConfig): `cfg.actor` with its segmentation client pointed
    at the service for the duration of the run. `cfg` itself is never changed.

    local: start the service on 127.0.0.1 (log in out/segserver.log); remote: use the configured client; off (or
    `needed` False): no masks are served.
    """
    seg = cfg.segmentation
    if needed and seg.mode == "local":
        service = LocalSegService(seg.server, Path(out) / "segserver.log")
        with service as address:
            info = service.model_info
            console.print(f"segmentation service on {address}: {info.provider}, model {info.model_version}")
            yield dataclasses.replace(cfg.actor, segmentation=dataclasses.replace(seg.client, address=address,
                                                                                  token=seg.server.token))
    else:
        yield dataclasses.replace(cfg.actor, segmentation=seg.client if needed and seg.mode == "remote" else None)
