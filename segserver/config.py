"""Typed configuration of the segmentation server (CLI flags and YAML map onto these fields)."""

from __future__ import annotations

from dataclasses import dataclass

from segserver import DEFAULT_MODEL


@dataclass
class SegServerConfig:
    """How the segmentation service listens, batches and protects itself."""

    host: str = "127.0.0.1"
    """Bind address; loopback unless told otherwise (0.0.0.0 on cluster nodes)."""
    port: int = 50051
    """gRPC port; 0 picks a free one (see port_file)."""
    model: str = str(DEFAULT_MODEL)
    """ONNX model: input [B,3,H,W] float in [0,1], output [B,1,H,W] probabilities."""
    providers: str = "auto"
    """auto (CUDA when a GPU is present, else CPU) | cpu | cuda."""
    threads: int = 0
    """onnxruntime intra-op threads; 0 lets onnxruntime decide."""
    threshold: float = 0.5
    """Probability above which a pixel is agent."""
    max_batch: int = 64
    """Most frames merged into one inference call."""
    max_delay_ms: float = 2.0
    """Longest a request waits for others to fill a batch."""
    max_inflight_frames: int = 1024
    """Admission limit: frames queued or running; beyond it calls get RESOURCE_EXHAUSTED with a retry hint."""
    max_batch_pixels: int = 2**19
    """Most pixels (frames x height x width) in one inference call (512k: 64 frames up to 90x90, 32 at 128x128);
    larger requests are split. Bounds the model's activation memory and onnxruntime's arena (segserver/README.md:
    up to ~1 KB per pixel for the default U-Net)."""
    max_inflight_pixels: int = 2**24
    """Admission limit in pixels queued or running (the largest legal request, 256 frames at 256x256, fits once)."""
    max_frames_per_request: int = 256
    """Largest batch one request may carry."""
    max_side: int = 512
    """Largest frame height or width accepted."""
    max_message_bytes: int = 64 * 1024 * 1024
    """gRPC receive/send message limit (oversized messages get RESOURCE_EXHAUSTED from gRPC itself)."""
    max_concurrent_rpcs: int = 64
    """Most RPCs gRPC runs at once (each holds its received message); beyond it calls get RESOURCE_EXHAUSTED. With
    `max_message_bytes` this bounds the memory of received messages (segserver/README.md)."""
    metrics_port: int | None = None
    """Serve Prometheus metrics on this HTTP port (same host); null disables."""
    tls_cert: str | None = None
    """PEM certificate chain; with tls_key enables TLS."""
    tls_key: str | None = None
    """PEM private key."""
    token: str | None = None
    """Require `authorization: Bearer <token>` on Segmentation calls (health and reflection stay open)."""
    drain_seconds: float = 10.0
    """On SIGTERM: stop accepting, let in-flight calls finish for up to this long, then exit 0."""
    port_file: str | None = None
    """Write the bound port here once serving (useful with port 0)."""
    parent_pid: int | None = None
    """Drain and exit when this process (the owner that started the service) is gone, e.g. killed with -9."""

    def __post_init__(self) -> None:
        if self.providers not in ("auto", "cpu", "cuda"):
            raise ValueError(f"providers must be auto, cpu or cuda, got {self.providers!r}")
        if min(self.max_batch, self.max_inflight_frames, self.max_frames_per_request, self.max_side) < 1:
            raise ValueError("max_batch, max_inflight_frames, max_frames_per_request and max_side must be >= 1")
        if self.max_inflight_frames < self.max_frames_per_request:
            raise ValueError("max_inflight_frames must be >= max_frames_per_request")
        if self.max_batch_pixels < self.max_side ** 2:
            raise ValueError("max_batch_pixels must hold at least one frame of max_side x max_side")
        if self.max_inflight_pixels < self.max_batch_pixels:
            raise ValueError("max_inflight_pixels must be >= max_batch_pixels")
        if bool(self.tls_cert) != bool(self.tls_key):
            raise ValueError("TLS needs both tls_cert and tls_key")
