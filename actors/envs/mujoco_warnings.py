"""Route MuJoCo's C-level warnings through Python logging instead of raw stderr.

gymnasium's v5 XML files use the deprecated `settotalmass` compiler attribute, so every env construction printed
a MuJoCo deprecation line in every actor. That one is known and harmless: it goes to DEBUG; anything else MuJoCo
warns about is logged at WARNING.
"""

from __future__ import annotations

import logging

import mujoco

log = logging.getLogger("masklam.mujoco")
_KNOWN_HARMLESS = ("compiler attribute 'settotalmass' is deprecated",)
_installed = False


def _handler(message: str) -> None:
    if message.startswith(_KNOWN_HARMLESS):
        log.debug("mujoco: %s", message)
    else:
        log.warning("mujoco: %s", message)


def install() -> None:
    """Install the handler once per process."""
    global _installed
    if not _installed:
        mujoco.set_mju_user_warning(_handler)
        _installed = True
