"""Prometheus metrics of the service (prefix `segsvc_`), on a registry of its own."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

_LATENCY = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0)


class SegMetrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.request_seconds = Histogram("segsvc_request_duration_seconds", "Time to answer one request",
                                         ["method"], buckets=_LATENCY, registry=r)
        self.batch_frames = Histogram("segsvc_batch_size_frames", "Frames per inference batch",
                                      buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512), registry=r)
        self.queue_wait = Histogram("segsvc_queue_wait_seconds", "Time a request waited before inference",
                                    buckets=_LATENCY, registry=r)
        self.inference_seconds = Histogram("segsvc_inference_duration_seconds", "onnxruntime time per batch",
                                           buckets=_LATENCY, registry=r)
        self.frames = Counter("segsvc_frames", "Frames segmented", registry=r)
        self.rejects = Counter("segsvc_rejects", "Requests refused", ["reason"], registry=r)
        self.inflight = Gauge("segsvc_inflight_frames", "Frames queued or running", registry=r)

    def serve_http(self, port: int, host: str) -> None:
        start_http_server(port, addr=host, registry=self.registry)
