"""The embedded Ray and the local service are not open to other hosts."""

import os
from pathlib import Path

import grpc
import pytest


def test_embedded_ray_refuses_calls_without_its_token(ray_local):
    """Ray 2.60 listens on every interface; the per-run token must keep other hosts out of the GCS."""
    from ray.core.generated import gcs_service_pb2, gcs_service_pb2_grpc

    assert os.environ["RAY_AUTH_MODE"] == "token" and len(os.environ["RAY_AUTH_TOKEN"]) == 64
    gcs = ray_local._private.worker.global_worker.node.gcs_address
    with grpc.insecure_channel(gcs) as ch:
        stub = gcs_service_pb2_grpc.NodeInfoGcsServiceStub(ch)
        with pytest.raises(grpc.RpcError) as err:
            stub.GetAllNodeInfo(gcs_service_pb2.GetAllNodeInfoRequest(), timeout=10)
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED

    @ray_local.remote(num_cpus=0)
    def ping():
        return 1

    assert ray_local.get(ping.remote()) == 1  # our own processes carry the token


def _listening_addresses(port: int) -> set[str]:
    """Local addresses (hex, as /proc/net/tcp{,6} writes them) of sockets listening on `port`."""
    out = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            addr, state = fields[1], fields[3]
            if state == "0A" and int(addr.rsplit(":", 1)[1], 16) == port:
                out.add(addr.rsplit(":", 1)[0])
    return out


def test_local_segmentation_service_listens_on_loopback_only(tmp_path):
    from masklam.segservice import LocalSegService
    from segserver.config import SegServerConfig

    with LocalSegService(SegServerConfig(metrics_port=0), tmp_path / "seg.log") as address:
        port = int(address.rsplit(":", 1)[1])
        addrs = _listening_addresses(port)
    loopback = {"0100007F", "0000000000000000FFFF00000100007F", "00000000000000000000000001000000"}
    assert addrs and addrs <= loopback, addrs
