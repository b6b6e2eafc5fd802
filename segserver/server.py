"""`serve()`: build the gRPC server, load and warm the model, serve until SIGTERM/SIGINT, drain, exit 0."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from pathlib import Path

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from protos import segmentation_pb2 as pb
from segserver.auth import BearerTokenInterceptor
from segserver.batcher import DynamicBatcher
from segserver.config import SegServerConfig
from segserver.metrics import SegMetrics
from segserver.model import OnnxSegmenter
from segserver.servicer import SegmentationServicer, add_to_server

log = logging.getLogger("segserver")
SERVICE_NAME = pb.DESCRIPTOR.services_by_name["Segmentation"].full_name


class SegServer:
    """The running service; `start()` returns once it listens, `ready` is set once the model is warm."""

    def __init__(self, cfg: SegServerConfig):
        self.cfg = cfg
        self.metrics = SegMetrics()
        self.servicer = SegmentationServicer(cfg, self.metrics)
        self.health = health.aio.HealthServicer()
        self.port: int | None = None
        self.batcher: DynamicBatcher | None = None
        self.ready = asyncio.Event()
        opts = [("grpc.max_receive_message_length", cfg.max_message_bytes),
                ("grpc.max_send_message_length", cfg.max_message_bytes)]
        interceptors = [BearerTokenInterceptor(cfg.token)] if cfg.token else []
        self.server = grpc.aio.server(options=opts, interceptors=interceptors,
                                      maximum_concurrent_rpcs=cfg.max_concurrent_rpcs)
        add_to_server(self.servicer, self.server)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        reflection.enable_server_reflection((SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME),
                                            self.server)

    async def start(self) -> int:
        cfg = self.cfg
        await self._set_health(health_pb2.HealthCheckResponse.NOT_SERVING)
        address = f"{cfg.host}:{cfg.port}"
        if cfg.tls_cert:
            creds = grpc.ssl_server_credentials([(Path(cfg.tls_key).read_bytes(), Path(cfg.tls_cert).read_bytes())])
            self.port = self.server.add_secure_port(address, creds)
        else:
            self.port = self.server.add_insecure_port(address)
        if not self.port:
            raise OSError(f"could not bind {address}")
        await self.server.start()
        if cfg.metrics_port is not None:
            self.metrics.serve_http(cfg.metrics_port, cfg.host)
        log.info("listening on %s:%d (%s), loading %s", cfg.host, self.port, "TLS" if cfg.tls_cert else "plaintext",
                 cfg.model)
        return self.port

    async def load_model(self) -> None:
        cfg = self.cfg
        loop = asyncio.get_running_loop()

        def load() -> OnnxSegmenter:
            m = OnnxSegmenter(cfg.model, cfg.providers, cfg.threads, cfg.threshold)
            m.warm_up(batch=min(cfg.max_batch, 8))
            return m

        model = await loop.run_in_executor(None, load)
        self.batcher = DynamicBatcher(model, self.metrics, cfg.max_batch, cfg.max_delay_ms, cfg.max_inflight_frames,
                                      cfg.max_batch_pixels, cfg.max_inflight_pixels)
        self.batcher.start()
        self.servicer.attach(model, self.batcher)
        await self._set_health(health_pb2.HealthCheckResponse.SERVING)
        log.info("serving model %s on %s (available: %s)", model.version, model.provider,
                 ", ".join(model.available_providers))
        if cfg.port_file:  # written whole, then renamed: the owner polls for the file and reads it at once
            tmp = Path(f"{cfg.port_file}.tmp")
            tmp.write_text(str(self.port))
            os.replace(tmp, cfg.port_file)
        self.ready.set()

    async def _set_health(self, status) -> None:
        for name in ("", SERVICE_NAME):
            await self.health.set(name, status)

    async def drain_and_stop(self) -> None:
        """NOT_SERVING, refuse new calls, let in-flight ones finish (up to drain_seconds), stop."""
        log.info("draining (up to %.1fs)", self.cfg.drain_seconds)
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace=self.cfg.drain_seconds)
        if self.batcher is not None:
            await self.batcher.stop()
        log.info("stopped")


async def _serve(cfg: SegServerConfig) -> None:
    srv = SegServer(cfg)
    await srv.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    watcher = loop.create_task(_watch_parent(cfg.parent_pid, stop)) if cfg.parent_pid else None
    loader = loop.create_task(srv.load_model())
    waiter = loop.create_task(stop.wait())
    done, _ = await asyncio.wait({loader, waiter}, return_when=asyncio.FIRST_COMPLETED)
    if loader in done and loader.exception() is not None:
        await srv.server.stop(grace=None)
        raise loader.exception()
    await stop.wait()
    loader.cancel()
    if watcher is not None:
        watcher.cancel()
    await srv.drain_and_stop()


async def _watch_parent(pid: int, stop: asyncio.Event, every_s: float = 0.5) -> None:
    """Set `stop` once the owner process is gone (reparenting changes our parent pid): no orphaned service."""
    while not stop.is_set():
        if os.getppid() != pid:
            log.warning("owner process %d is gone: draining and exiting", pid)
            stop.set()
            return
        await asyncio.sleep(every_s)


def serve(cfg: SegServerConfig) -> None:
    """Run the service in the foreground until SIGTERM/SIGINT; exits cleanly after draining."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    asyncio.run(_serve(cfg))
