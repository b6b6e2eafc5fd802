"""Clients of the segmentation service (sync and asyncio), used by the actors.

Deadlines on every call; UNAVAILABLE (server down or restarting) and RESOURCE_EXHAUSTED (overload, with the server's
retry hint) are retried with exponential backoff and jitter; the channel reconnects by itself after a restart.
Nothing is ever made up: when retries run out, or the server refuses a request, `SegmentationError` is raised and
counted in `stats`. Addresses: "host:port", a list of them, or a DNS name such as "dns:///segserver:50051" (a
headless Service), spread with client-side round robin.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import numpy as np

from protos import segmentation_pb2 as pb
from protos import segmentation_pb2_grpc as pb_grpc
from protos.seg_codec import frames_to_proto, masks_from_proto

RETRYABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED)


class SegmentationError(RuntimeError):
    """The service could not segment a batch; `code` is the last gRPC status."""

    def __init__(self, message: str, code: grpc.StatusCode | None = None):
        super().__init__(message)
        self.code = code


@dataclass
class ClientStats:
    calls: int = 0
    frames: int = 0
    retries: int = 0
    failures: int = 0
    failures_by_code: dict[str, int] = field(default_factory=dict)

    def fail(self, code: grpc.StatusCode | None) -> None:
        self.failures += 1
        name = code.name if code is not None else "CLIENT"
        self.failures_by_code[name] = self.failures_by_code.get(name, 0) + 1


@dataclass
class ClientConfig:
    """How a client reaches the service."""

    address: str = "127.0.0.1:50051"
    """host:port, a comma-separated list, or dns:///name:port (round robin over every resolved address)."""
    timeout_s: float = 10.0
    """Deadline of one attempt."""
    retries: int = 6
    """Retries on UNAVAILABLE / RESOURCE_EXHAUSTED before giving up."""
    backoff_s: float = 0.1
    """First backoff; doubles per retry (with jitter), capped at 5 s."""
    token: str | None = None
    """Bearer token, when the server requires one."""
    tls_ca: str | None = None
    """PEM root certificate to verify a TLS server; null means plaintext."""
    tls_server_name: str | None = None
    """Override the TLS host name check (e.g. when connecting by IP)."""
    max_message_bytes: int = 64 * 1024 * 1024
    """Message size limit, matching the server's."""


def _target(address: str) -> str:
    parts = [a.strip() for a in address.split(",") if a.strip()]
    if not parts:
        raise ValueError("segmentation service address is empty")
    return parts[0] if len(parts) == 1 else "ipv4:" + ",".join(parts)


def _channel_args(cfg: ClientConfig):
    opts = [("grpc.max_receive_message_length", cfg.max_message_bytes),
            ("grpc.max_send_message_length", cfg.max_message_bytes),
            ("grpc.lb_policy_name", "round_robin"),
            ("grpc.enable_retries", 0)]  # we retry ourselves, with the server's hints
    if cfg.tls_server_name:
        opts.append(("grpc.ssl_target_name_override", cfg.tls_server_name))
    creds = grpc.ssl_channel_credentials(Path(cfg.tls_ca).read_bytes()) if cfg.tls_ca else None
    return _target(cfg.address), opts, creds


def _metadata(cfg: ClientConfig):
    return (("authorization", f"Bearer {cfg.token}"),) if cfg.token else ()


def _retry_hint_s(err: grpc.RpcError) -> float:
    for k, v in (err.trailing_metadata() or ()):
        if k == "retry-after-ms":
            try:
                return int(v) / 1000.0
            except ValueError:
                return 0.0
    return 0.0


def _backoff(cfg: ClientConfig, attempt: int, hint: float) -> float:
    return max(hint, min(5.0, cfg.backoff_s * 2 ** attempt) * random.uniform(0.5, 1.0))


def _check(frames: np.ndarray, resp: pb.SegmentResponse) -> np.ndarray:
    masks = masks_from_proto(resp.masks)
    if masks.shape != frames.shape[:3]:
        raise SegmentationError(f"service returned masks of shape {masks.shape} for frames {frames.shape}")
    return masks


class SegmentationClient:
    """Blocking client: `segment(frames u8 [N,H,W,3]) -> masks u8 [N,H,W]`."""

    def __init__(self, cfg: ClientConfig | None = None, **overrides):
        self.cfg = cfg or ClientConfig(**overrides)
        target, opts, creds = _channel_args(self.cfg)
        self.channel = grpc.secure_channel(target, creds, opts) if creds else grpc.insecure_channel(target, opts)
        self.stub = pb_grpc.SegmentationStub(self.channel)
        self.stats = ClientStats()

    def segment(self, frames: np.ndarray) -> np.ndarray:
        request = pb.SegmentRequest(frames=frames_to_proto(frames))
        self.stats.calls += 1
        for attempt in range(self.cfg.retries + 1):
            try:
                resp = self.stub.Segment(request, timeout=self.cfg.timeout_s, metadata=_metadata(self.cfg))
                self.stats.frames += len(frames)
                return _check(frames, resp)
            except grpc.RpcError as err:
                code = err.code()
                if code not in RETRYABLE or attempt == self.cfg.retries:
                    self.stats.fail(code)
                    raise SegmentationError(f"segmentation failed ({code.name}): {err.details()}", code) from None
                self.stats.retries += 1
                time.sleep(_backoff(self.cfg, attempt, _retry_hint_s(err)))
        raise AssertionError("unreachable")

    def model_info(self) -> pb.ModelInfo:
        return self.stub.GetModelInfo(pb.GetModelInfoRequest(), timeout=self.cfg.timeout_s,
                                      metadata=_metadata(self.cfg))

    def wait_ready(self, timeout_s: float = 60.0) -> pb.ModelInfo:
        """Block until the service answers GetModelInfo (model loaded and warm)."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                return self.model_info()
            except grpc.RpcError as err:
                if err.code() not in RETRYABLE or time.monotonic() > deadline:
                    raise SegmentationError(f"service at {self.cfg.address} not ready: {err.details()}",
                                            err.code()) from None
                time.sleep(0.2)

    def close(self) -> None:
        self.channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class AsyncSegmentationClient:
    """asyncio client with the same contract: `await segment(frames)`."""

    def __init__(self, cfg: ClientConfig | None = None, **overrides):
        self.cfg = cfg or ClientConfig(**overrides)
        target, opts, creds = _channel_args(self.cfg)
        self.channel = (grpc.aio.secure_channel(target, creds, opts) if creds
                        else grpc.aio.insecure_channel(target, opts))
        self.stub = pb_grpc.SegmentationStub(self.channel)
        self.stats = ClientStats()

    async def segment(self, frames: np.ndarray) -> np.ndarray:
        request = pb.SegmentRequest(frames=frames_to_proto(frames))
        self.stats.calls += 1
        for attempt in range(self.cfg.retries + 1):
            try:
                resp = await self.stub.Segment(request, timeout=self.cfg.timeout_s, metadata=_metadata(self.cfg))
                self.stats.frames += len(frames)
                return _check(frames, resp)
            except grpc.aio.AioRpcError as err:
                code = err.code()
                if code not in RETRYABLE or attempt == self.cfg.retries:
                    self.stats.fail(code)
                    raise SegmentationError(f"segmentation failed ({code.name}): {err.details()}", code) from None
                self.stats.retries += 1
                await asyncio.sleep(_backoff(self.cfg, attempt, _retry_hint_s(err)))
        raise AssertionError("unreachable")

    async def model_info(self) -> pb.ModelInfo:
        return await self.stub.GetModelInfo(pb.GetModelInfoRequest(), timeout=self.cfg.timeout_s,
                                            metadata=_metadata(self.cfg))

    async def close(self) -> None:
        await self.channel.close()
