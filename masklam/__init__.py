"""masklam front door: CLI, typed configuration and pipeline orchestration."""

import actors  # noqa: F401  (sets MUJOCO_GL before anything imports mujoco, in this process and Ray's workers)

__version__ = "0.1.0"
