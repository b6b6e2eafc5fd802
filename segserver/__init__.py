"""Segmentation microservice: gRPC (grpc.aio), dynamic batching, onnxruntime (CUDA when present, else CPU).

Imports only `protos/`: no torch, no environments, so it deploys as a slim image on GPU nodes.
"""

from pathlib import Path

DEFAULT_MODEL = Path(__file__).resolve().parent / "models" / "unet_v1.onnx"
