"""Actor side of masklam: distracting MuJoCo environments, behaviour policies, chunk format and the actor fleet.

Importing this package selects MuJoCo's EGL backend (the only one that works headless here) unless the user
already chose one, so nobody has to export MUJOCO_GL by hand. It must happen before `mujoco` is imported.
"""

import os

os.environ.setdefault("MUJOCO_GL", "egl")
os.environ.setdefault("PYOPENGL_PLATFORM", os.environ["MUJOCO_GL"])
