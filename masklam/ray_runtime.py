"""Starting or joining Ray for a pipeline run."""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import signal
import threading

import ray


def ensure_ray(address: str | None, min_cpus: float, log_to_driver: bool = True) -> bool:
    """Join `address`, or start a local Ray with at least `min_cpus` logical CPUs. Returns True if started here.

    `log_to_driver=False` keeps Ray workers' output (per-worker prefixed lines) off the terminal; it stays in the
    session's log folder, `worker_logs_dir()`.

    Locally the CPU count is raised to what the actors reserve so a 2-core laptop can host the default fleet
    (rendering is cheap enough that one actor per logical CPU is the right density).
    """
    if ray.is_initialized():
        return False
    before = signal.getsignal(signal.SIGTERM) if threading.current_thread() is threading.main_thread() else None
    _init(address, min_cpus, log_to_driver)
    if callable(before):  # ray.init installs its own SIGTERM handler (log and exit): keep the CLI's clean stop
        signal.signal(signal.SIGTERM, before)
    return True


@contextlib.contextmanager
def ray_session(address: str | None, min_cpus: float, log_to_driver: bool = True):
    """Ray for the length of one command: joined (left running) or started here (shut down on exit, errors and
    Ctrl-C included). Yields True if started here. Every command that needs Ray enters it this way."""
    started = ensure_ray(address, min_cpus, log_to_driver)
    try:
        yield started
    finally:
        if started:
            ray.shutdown()


def _init(address: str | None, min_cpus: float, log_to_driver: bool) -> None:
    kwargs = dict(include_dashboard=False, logging_level=logging.WARNING, log_to_driver=log_to_driver)
    if address:
        ray.init(address=address, **kwargs)
    else:
        enable_local_token_auth()
        # address="local": always a fresh local instance, never a cluster a stale /tmp/ray/ray_current_cluster names
        ray.init(address="local", num_cpus=max(int(min_cpus + 0.999), os.cpu_count() or 1),
                 _node_ip_address="127.0.0.1", **kwargs)


def worker_logs_dir() -> str | None:
    """Where this Ray session keeps its workers' stdout/stderr (None if Ray is not running here)."""
    from ray._private import worker  # no public accessor in Ray 2.60

    node = getattr(worker, "_global_node", None)
    return node.get_logs_dir_path() if node is not None else None


def enable_local_token_auth() -> None:
    """Token auth for the embedded Ray, with a fresh random token per process tree (nothing written to disk).

    Ray 2.60's core gRPC servers (GCS, raylet, workers) listen on every interface whatever the node IP (measured
    with `ss -ltnp`; the pinned Ray has no bind-address setting), so the token is what keeps other hosts out:
    every RPC without it is refused UNAUTHENTICATED (tests/masklam/test_ray_runtime.py). An explicit
    RAY_AUTH_MODE / RAY_AUTH_TOKEN from the user wins; clusters set them as deploy/README.md shows.
    """
    if "RAY_AUTH_MODE" in os.environ:
        return
    os.environ["RAY_AUTH_MODE"] = "token"
    if not (os.environ.get("RAY_AUTH_TOKEN") or os.environ.get("RAY_AUTH_TOKEN_PATH")):
        os.environ["RAY_AUTH_TOKEN"] = secrets.token_hex(32)
    from ray._raylet import Config

    Config.initialize("")  # Ray caches its config at import: refresh it, as Ray's own token set-up does


def require_resources(what: str, cpus: float, gpus: float = 0.0, custom: dict[str, float] | None = None) -> None:
    """Fail fast, naming the shortfall, when the cluster can never schedule a run (Ray would wait forever)."""
    total = ray.cluster_resources()
    need = {"CPU": cpus, "GPU": gpus, **(custom or {})}
    short = {k: (v, total.get(k, 0.0)) for k, v in need.items() if v > 0 and total.get(k, 0.0) + 1e-9 < v}
    if short:
        detail = ", ".join(f"{k}: needs {v:g}, cluster has {have:g}" for k, (v, have) in short.items())
        raise RuntimeError(f"{what} cannot be scheduled on this Ray cluster ({detail}); lower the actor count or "
                           f"cpus_per_actor / learner_cpus, or add nodes")
