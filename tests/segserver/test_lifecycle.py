"""Health follows the model's life: NOT_SERVING while loading, SERVING when warm, NOT_SERVING while draining."""

import asyncio

import grpc
import numpy as np
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from protos import segmentation_pb2 as pb
from protos import segmentation_pb2_grpc as pb_grpc
from protos.seg_codec import frames_to_proto
from segserver.config import SegServerConfig
from segserver.server import SegServer


def test_health_lifecycle():
    async def go():
        srv = SegServer(SegServerConfig(port=0))
        port = await srv.start()
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
            health, seg = health_pb2_grpc.HealthStub(ch), pb_grpc.SegmentationStub(ch)
            statuses = [(await health.Check(health_pb2.HealthCheckRequest(), timeout=5)).status]
            req = pb.SegmentRequest(frames=frames_to_proto(np.zeros((1, 64, 64, 3), np.uint8)))
            with pytest.raises(grpc.aio.AioRpcError) as info:
                await seg.Segment(req, timeout=5)
            early = info.value.code()
            await srv.load_model()
            statuses.append((await health.Check(health_pb2.HealthCheckRequest(), timeout=5)).status)
            served = await seg.Segment(req, timeout=5)
            await srv.health.enter_graceful_shutdown()
            statuses.append((await health.Check(health_pb2.HealthCheckRequest(), timeout=5)).status)
        await srv.drain_and_stop()
        return statuses, early, served

    statuses, early, served = asyncio.run(go())
    S = health_pb2.HealthCheckResponse
    assert statuses == [S.NOT_SERVING, S.SERVING, S.NOT_SERVING]
    assert early == grpc.StatusCode.UNAVAILABLE
    assert served.masks.count == 1


def test_config_errors_are_clear():
    with pytest.raises(ValueError, match="providers"):
        SegServerConfig(providers="tpu")
    with pytest.raises(ValueError, match="tls_cert and tls_key"):
        SegServerConfig(tls_cert="c.pem")
    with pytest.raises(ValueError, match="max_inflight_frames"):
        SegServerConfig(max_inflight_frames=4, max_frames_per_request=8)


def test_missing_model_fails_fast(tmp_path):
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "segserver", "serve", "--port", "0", "--model",
                        str(tmp_path / "nope.onnx")], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "does not exist" in r.stderr
