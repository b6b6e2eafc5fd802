"""Segmentation service throughput against direct onnxruntime, measured in one run on the same machine.

ceiling  direct onnxruntime session on the same model and threads, best batch size of 1..128 frames.
service  a real server subprocess on 127.0.0.1; N concurrent closed-loop clients (grpc.aio, one process) each
         sending requests of --frames-per-request frames; N in 1, 4, 8, 16.
Prints one JSON line last: seg_fps / seg_p50_ms / seg_p99_ms per client count,
seg_efficiency = service frames/s at 8 clients / ceiling frames/s (target >= 0.8), and the server's peak RSS.

    python benchmarks/bench_segserver.py [--model PATH] [--providers auto|cpu|cuda] [--seconds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from protos import segmentation_pb2 as pb  # noqa: E402
from protos import segmentation_pb2_grpc as pb_grpc  # noqa: E402
from protos.seg_codec import frames_to_proto  # noqa: E402
from segserver import DEFAULT_MODEL  # noqa: E402
from segserver.model import OnnxSegmenter  # noqa: E402


def ceiling(model: str, providers: str, size: int, seconds: float) -> tuple[float, int, str]:
    seg = OnnxSegmenter(model, providers)
    best = (0.0, 1)
    for batch in (1, 8, 16, 32, 64, 128):
        frames = np.random.default_rng(0).integers(0, 256, (batch, size, size, 3), dtype=np.uint8)
        seg.predict(frames)
        n, t = 0, time.perf_counter()
        while time.perf_counter() - t < seconds / 3:
            seg.predict(frames)
            n += batch
        fps = n / (time.perf_counter() - t)
        print(f"  direct onnxruntime batch {batch:4d}: {fps:8.0f} frames/s", file=sys.stderr)
        best = max(best, (fps, batch))
    return best[0], best[1], seg.provider


async def closed_loop(address: str, clients: int, frames_per_request: int, size: int, seconds: float):
    frames = np.random.default_rng(1).integers(0, 256, (frames_per_request, size, size, 3), dtype=np.uint8)
    request = pb.SegmentRequest(frames=frames_to_proto(frames))
    latencies: list[float] = []
    async with grpc_aio().insecure_channel(address) as channel:
        stub = pb_grpc.SegmentationStub(channel)
        for _ in range(3):
            await stub.Segment(request, timeout=30)
        stop = time.perf_counter() + seconds

        async def client():
            while time.perf_counter() < stop:
                t = time.perf_counter()
                await stub.Segment(request, timeout=30)
                latencies.append(time.perf_counter() - t)

        start = time.perf_counter()
        await asyncio.gather(*[client() for _ in range(clients)])
        elapsed = time.perf_counter() - start
    lat = np.array(latencies) * 1000
    return len(latencies) * frames_per_request / elapsed, float(np.percentile(lat, 50)), float(np.percentile(lat, 99))


def _peak_rss_mb(pid: int) -> float:
    """The server process's high-water resident memory (VmHWM), MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def grpc_aio():
    import grpc

    return grpc.aio


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=str(DEFAULT_MODEL))
    ap.add_argument("--providers", default="auto")
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--frames-per-request", type=int, default=16)
    ap.add_argument("--max-batch", type=int, default=64)
    ap.add_argument("--max-delay-ms", type=float, default=2.0)
    ap.add_argument("--seconds", type=float, default=5.0, help="measurement time per configuration")
    args = ap.parse_args()
    print("ceiling: direct onnxruntime", file=sys.stderr)
    ceil_fps, best_batch, provider = ceiling(args.model, args.providers, args.size, args.seconds)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    port_file = Path(tempfile.mkdtemp()) / "port"
    server = subprocess.Popen([sys.executable, "-m", "segserver", "serve", "--port", str(port), "--model", args.model,
                               "--providers", args.providers, "--max-batch", str(args.max_batch),
                               "--max-delay-ms", str(args.max_delay_ms), "--max-inflight-frames", "4096",
                               "--port-file", str(port_file)], stderr=subprocess.DEVNULL)
    try:
        while not port_file.exists():
            if server.poll() is not None:
                raise SystemExit("server failed to start")
            time.sleep(0.05)
        results = {}
        for clients in (1, 4, 8, 16):
            fps, p50, p99 = asyncio.run(closed_loop(f"127.0.0.1:{port}", clients, args.frames_per_request,
                                                    args.size, args.seconds))
            print(f"  service, {clients:2d} clients: {fps:8.0f} frames/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms",
                  file=sys.stderr)
            results[clients] = {"seg_fps": round(fps, 1), "seg_p50_ms": round(p50, 2), "seg_p99_ms": round(p99, 2)}
        peak_rss_mb = _peak_rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(30)
    eight = results[8]
    print(json.dumps({"bench": "segserver", "provider": provider, "machine": platform.machine(),
                      "cpus": os.cpu_count(), "size": args.size, "frames_per_request": args.frames_per_request,
                      "ceiling_fps": round(ceil_fps, 1), "ceiling_batch": best_batch, **eight,
                      "seg_efficiency": round(eight["seg_fps"] / ceil_fps, 3), "server_peak_rss_mb": peak_rss_mb,
                      "by_clients": results}))


if __name__ == "__main__":
    main()
