"""The service over real gRPC on 127.0.0.1, with the shipped ONNX model in a real onnxruntime session."""

import asyncio
import json
import threading
import urllib.request
from pathlib import Path

import grpc
import numpy as np
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from protos import segmentation_pb2 as pb
from protos import segmentation_pb2_grpc as pb_grpc
from protos.seg_client import AsyncSegmentationClient, SegmentationError
from protos.seg_codec import frames_to_proto, masks_from_proto
from tests.segserver.conftest import free_port


def stub_for(server):
    channel = grpc.insecure_channel(server.address)
    return channel, pb_grpc.SegmentationStub(channel)


def frames(n=4, size=64, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, size, size, 3), dtype=np.uint8)


def test_health_reflection_and_model_info(shared_server):
    channel = grpc.insecure_channel(shared_server.address)
    health = health_pb2_grpc.HealthStub(channel)
    for service in ("", "masklam.seg.v1.Segmentation"):
        resp = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
        assert resp.status == health_pb2.HealthCheckResponse.SERVING
    refl = reflection_pb2_grpc.ServerReflectionStub(channel)
    answers = refl.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
    names = {s.name for a in answers for s in a.list_services_response.service}
    assert {"masklam.seg.v1.Segmentation", "grpc.health.v1.Health"} <= names
    info = shared_server.client().model_info()
    assert info.provider == "CPUExecutionProvider"  # no GPU on the CI machine
    assert info.model_version.startswith("unet_v1-") and json.loads(info.card_json)["mask_iou"]


@pytest.mark.parametrize("batch, code, needle", [
    (pb.FrameBatch(count=2, height=64, width=64, channels=3, data=b"x" * 100), "INVALID_ARGUMENT", "frames.data"),
    (pb.FrameBatch(count=0, height=64, width=64, channels=3), "INVALID_ARGUMENT", "frames.count"),
    (pb.FrameBatch(count=1, height=100000, width=64, channels=3), "INVALID_ARGUMENT", "frames.height"),
    (pb.FrameBatch(count=1, height=64, width=0, channels=3), "INVALID_ARGUMENT", "frames.width"),
    (pb.FrameBatch(count=1, height=64, width=64, channels=4, data=bytes(64 * 64 * 4)), "INVALID_ARGUMENT",
     "frames.channels"),
    (pb.FrameBatch(count=100000, height=4, width=4, channels=3), "RESOURCE_EXHAUSTED", "max_frames_per_request"),
])
def test_bad_input_gets_precise_status(shared_server, batch, code, needle):
    channel, stub = stub_for(shared_server)
    with pytest.raises(grpc.RpcError) as info:
        stub.Segment(pb.SegmentRequest(frames=batch), timeout=5)
    assert info.value.code().name == code and needle in info.value.details()
    # and the server keeps serving everyone
    assert shared_server.client().segment(frames(2)).shape == (2, 64, 64)


def test_oversized_message_is_refused_by_the_limit(start_server):
    server = start_server("--max-message-bytes", "100000")
    channel, stub = stub_for(server)
    big = pb.SegmentRequest(frames=frames_to_proto(frames(16)))  # ~196 KB
    with pytest.raises(grpc.RpcError) as info:
        stub.Segment(big, timeout=5)
    assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert server.client().segment(frames(2)).shape == (2, 64, 64)


def test_masks_are_bitpacked_and_deterministic(shared_server):
    channel, stub = stub_for(shared_server)
    f = frames(3)
    r = stub.Segment(pb.SegmentRequest(frames=frames_to_proto(f), request_id="abc"), timeout=5)
    assert r.request_id == "abc" and len(r.masks.packed) == 3 * 64 * 64 // 8
    np.testing.assert_array_equal(masks_from_proto(r.masks), shared_server.client().segment(f))


def test_stream_keeps_going_after_a_bad_message(shared_server):
    channel, stub = stub_for(shared_server)
    good = pb.SegmentRequest(frames=frames_to_proto(frames(2)), request_id="1")
    bad = pb.SegmentRequest(frames=pb.FrameBatch(count=1, height=64, width=64, channels=3), request_id="2")
    again = pb.SegmentRequest(frames=frames_to_proto(frames(5)), request_id="3")
    out = list(stub.SegmentStream(iter([good, bad, again]), timeout=10))
    assert [r.request_id for r in out] == ["1", "2", "3"]
    assert out[0].masks.count == 2 and out[2].masks.count == 5
    assert out[1].error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0] and "frames.data" in out[1].error.message


def test_overload_is_rejected_with_retry_hint_and_server_recovers(start_server):
    server = start_server("--max-inflight-frames", "64", "--max-frames-per-request", "64", "--max-batch", "64",
                          "--max-delay-ms", "20")

    async def flood():
        async with grpc.aio.insecure_channel(server.address) as ch:
            stub = pb_grpc.SegmentationStub(ch)
            req = pb.SegmentRequest(frames=frames_to_proto(frames(64)))
            return await asyncio.gather(*[stub.Segment(req, timeout=30) for _ in range(12)],
                                        return_exceptions=True)

    results = asyncio.run(flood())
    rejected = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    served = [r for r in results if isinstance(r, pb.SegmentResponse)]
    assert served and rejected
    for err in rejected:
        assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and "max_inflight_frames=64" in err.details()
        assert int(dict(err.trailing_metadata())["retry-after-ms"]) >= 1
    # the client library retries overload using the hint: everything eventually goes through
    client = server.client(retries=20, backoff_s=0.02)

    def hammer():
        client.segment(frames(64))

    threads = [threading.Thread(target=hammer) for _ in range(6)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert client.stats.failures == 0 and client.stats.frames == 6 * 64


def test_client_survives_a_server_restart(start_server):
    port = free_port()
    first = start_server(port=port)
    client = first.client(retries=12, backoff_s=0.1)
    assert client.segment(frames(2)).shape == (2, 64, 64)
    first.kill()
    restarted = {}

    def restart_later():
        import time

        time.sleep(1.0)
        restarted["server"] = start_server(port=port)

    t = threading.Thread(target=restart_later)
    t.start()
    assert client.segment(frames(3)).shape == (3, 64, 64)  # retried through the outage
    t.join()
    assert client.stats.retries > 0 and client.stats.failures == 0


def test_dead_service_raises_and_counts_never_invents(start_server):
    server = start_server()
    client = server.client(retries=2, backoff_s=0.01, timeout_s=1)
    server.kill()
    with pytest.raises(SegmentationError) as info:
        client.segment(frames(2))
    assert info.value.code == grpc.StatusCode.UNAVAILABLE
    assert client.stats.failures == 1 and client.stats.failures_by_code == {"UNAVAILABLE": 1}


def test_sigterm_drains_in_flight_then_exits_zero(start_server):
    server = start_server("--max-delay-ms", "1500", "--max-batch", "256", "--drain-seconds", "10")
    result = {}

    def slow_call():  # waits ~1.5 s in the batcher: still in flight when SIGTERM arrives
        result["masks"] = server.client(retries=0).segment(frames(4))

    t = threading.Thread(target=slow_call)
    t.start()
    import time

    time.sleep(0.5)
    assert server.terminate() == 0
    t.join()
    assert result["masks"].shape == (4, 64, 64)
    assert "draining" in server.log.read_text()


def test_token_auth_guards_segmentation_not_health(start_server):
    server = start_server(env={"MASKLAM_SEG_TOKEN": "s3cret"})
    with pytest.raises(SegmentationError) as info:
        server.client(retries=0).segment(frames(1))
    assert info.value.code == grpc.StatusCode.UNAUTHENTICATED
    assert server.client(token="s3cret").segment(frames(1)).shape == (1, 64, 64)
    health = health_pb2_grpc.HealthStub(grpc.insecure_channel(server.address))
    assert health.Check(health_pb2.HealthCheckRequest(), timeout=5).status == health_pb2.HealthCheckResponse.SERVING


def test_tls(start_server, tmp_path):
    import subprocess

    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                   check=True, capture_output=True)
    server = start_server("--tls-cert", str(cert), "--tls-key", str(key))
    client = server.client(tls_ca=str(cert), tls_server_name="localhost")
    assert client.segment(frames(1)).shape == (1, 64, 64)
    with pytest.raises(SegmentationError):
        server.client(retries=0, timeout_s=2).segment(frames(1))  # plaintext client is refused


def test_metrics_endpoint(start_server):
    port = free_port()
    server = start_server("--metrics-port", str(port))
    server.client().segment(frames(3))
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    for name in ("segsvc_request_duration_seconds", "segsvc_batch_size_frames", "segsvc_queue_wait_seconds",
                 "segsvc_frames_total 3.0", "segsvc_inflight_frames"):
        assert name in text


def test_async_client(shared_server):
    async def go():
        client = AsyncSegmentationClient(address=shared_server.address)
        out = await asyncio.gather(*[client.segment(frames(2, seed=i)) for i in range(5)])
        info = await client.model_info()
        await client.close()
        return out, info

    out, info = asyncio.run(go())
    assert all(m.shape == (2, 64, 64) for m in out) and info.provider


@pytest.mark.parametrize("task", ["halfcheetah", "hopper", "walker2d", "humanoid"])
def test_served_masks_match_simulator_masks(shared_server, task):
    """Held-out distractors (test-split backgrounds, unseen seed) through the real service."""
    from actors.envs import make_env

    env = make_env(task, "low", seed=777, split="test")
    frame, info = env.reset(seed=777)
    rng = np.random.default_rng(0)
    fs, gts = [frame], [info["agent_mask"]]
    for _ in range(47):
        frame, _, term, trunc, info = env.step(rng.uniform(-0.5, 0.5, env.action_space.shape).astype(np.float32))
        fs.append(frame), gts.append(info["agent_mask"])
        if term or trunc:
            frame, info = env.reset()
    pred = shared_server.client().segment(np.stack(fs)).astype(bool)
    gt = np.stack(gts).astype(bool)
    iou = (pred & gt).sum() / (pred | gt).sum()
    assert iou > 0.75, f"{task}: served-mask IoU {iou:.3f}"


def test_garbage_bytes_get_invalid_argument_and_one_log_line(start_server):
    """Regression: raw bytes that are not a protobuf got UNKNOWN and a traceback per request in the log."""
    server = start_server()
    with grpc.insecure_channel(server.address) as ch:
        raw = ch.unary_unary("/masklam.seg.v1.Segmentation/Segment")  # no serializer: bytes on the wire
        for _ in range(3):
            with pytest.raises(grpc.RpcError) as err:
                raw(b"\xff\xfe not a protobuf \x00\x01" * 7, timeout=10)
            assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert "not a valid SegmentRequest" in err.value.details()
        stub = pb_grpc.SegmentationStub(ch)
        assert stub.Segment(pb.SegmentRequest(frames=frames_to_proto(frames(2))), timeout=10).masks.count == 2
    server.terminate()
    text = server.log.read_text()
    assert text.count("rejected a malformed request") == 3 and "Traceback" not in text


def _vm_kib(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


@pytest.mark.slow
def test_memory_stays_bounded_under_the_largest_legal_requests(start_server):
    """Regression: one legal 256-frame 256x256 request took the service from 0.3 to 7.2 GB; eight clients to 15.5 GB,
    never released, and every call then timed out. With pixel admission, model batches split by pixels and no
    onnxruntime arena, peak RSS stays under the documented bound (segserver/README.md) and the service recovers."""
    server = start_server("--threads", "2")
    big = frames(256, size=256)
    req = pb.SegmentRequest(frames=frames_to_proto(big))
    assert len(req.SerializeToString()) < 64 * 2**20  # legal: under every limit

    async def eight_clients():
        async with grpc.aio.insecure_channel(server.address, options=[
                ("grpc.max_send_message_length", 2**26), ("grpc.max_receive_message_length", 2**26)]) as ch:
            stub = pb_grpc.SegmentationStub(ch)
            return await asyncio.gather(*[stub.Segment(req, timeout=300) for _ in range(8)], return_exceptions=True)

    results = asyncio.run(eight_clients())
    served = [r for r in results if isinstance(r, pb.SegmentResponse)]
    rejected = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert served, results
    assert all(r.masks.count == 256 for r in served)
    assert all(e.code() == grpc.StatusCode.RESOURCE_EXHAUSTED for e in rejected)
    peak_mb = _vm_kib(server.proc.pid, "VmHWM") / 1024
    # segserver/README.md: 350 MB + 2 x message bytes x concurrent calls + 16 B x max_inflight_pixels
    #                      + 1040 B x max_batch_pixels (defaults; 8 concurrent calls of 50 MB here)
    message_mb = len(req.SerializeToString()) / 2**20
    bound_mb = 350 + 2 * message_mb * 8 + 16 * 2**24 / 2**20 + 1040 * 2**19 / 2**20
    print(f"peak RSS {peak_mb:.0f} MB, bound {bound_mb:.0f} MB")
    assert peak_mb < bound_mb, f"peak RSS {peak_mb:.0f} MB over the documented bound {bound_mb:.0f} MB"
    client = server.client(timeout_s=30)
    assert client.segment(frames(4)).shape == (4, 64, 64)  # healthy afterwards
