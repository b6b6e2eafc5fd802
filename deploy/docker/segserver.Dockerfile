# The segmentation service alone: onnxruntime-gpu + grpcio, no torch, no MuJoCo, non-root.
# Build from the repository root:  docker build -f deploy/docker/segserver.Dockerfile -t masklam/segserver:latest .
# On a GPU node run it with the NVIDIA container runtime; without a GPU it serves on CPU.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

RUN useradd --create-home --uid 10001 segserver
WORKDIR /app

# the service's own dependencies only (pinned like pyproject.toml)
RUN pip install "onnxruntime-gpu==1.31.1" "grpcio==1.85.1" "grpcio-health-checking==1.85.1" \
    "grpcio-reflection==1.85.1" "protobuf>=6,<8" "numpy>=2,<3" "pyyaml>=6" "prometheus-client>=0.20"

COPY protos ./protos
COPY segserver ./segserver

USER 10001
EXPOSE 50051 9100
ENTRYPOINT ["python", "-m", "segserver"]
CMD ["serve", "--host", "0.0.0.0", "--port", "50051", "--metrics-port", "9100"]
