# The Ray image with masklam installed: actors, learner and the pipeline run in it (CPU and GPU worker groups).
# Build from the repository root:  docker build -f deploy/docker/ray.Dockerfile -t masklam/ray:latest .
FROM rayproject/ray:2.60.0-py311-gpu

ENV MUJOCO_GL=egl \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1

USER 0
# EGL for headless MuJoCo rendering; versions follow the pinned base image's Ubuntu release
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libegl1 libgl1 libglvnd0 \
    && rm -rf /var/lib/apt/lists/*
USER 1000
WORKDIR /home/ray/masklam

COPY --chown=1000:100 pyproject.toml README.md ./
COPY --chown=1000:100 actors ./actors
COPY --chown=1000:100 common ./common
COPY --chown=1000:100 learner ./learner
COPY --chown=1000:100 masklam ./masklam
COPY --chown=1000:100 protos ./protos
COPY --chown=1000:100 segserver ./segserver
COPY --chown=1000:100 configs ./configs
RUN pip install "torch==2.13.0" && pip install -e .
