import os

os.environ.setdefault("MUJOCO_GL", "egl")

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def ray_local():
    """One real local Ray for the whole session, loopback only."""
    import ray

    from masklam.ray_runtime import ensure_ray

    started = ensure_ray(None, 2)
    yield ray
    if started:
        ray.shutdown()
