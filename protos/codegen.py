"""Generate the Python gRPC code for protos/*.proto into protos/ (committed; tests check it is current)."""

from __future__ import annotations

import sys
from pathlib import Path

PROTO_DIR = Path(__file__).resolve().parent
ROOT = PROTO_DIR.parent


def generate(out_dir: Path = ROOT) -> list[Path]:
    """Run grpc_tools.protoc for every .proto; returns the generated files (under out_dir/protos/)."""
    from grpc_tools import protoc

    outputs = []
    for proto in sorted(PROTO_DIR.glob("*.proto")):
        rel = proto.relative_to(ROOT)
        args = ["protoc", f"-I{ROOT}", f"--python_out={out_dir}", f"--pyi_out={out_dir}",
                f"--grpc_python_out={out_dir}", str(rel)]
        if protoc.main(args) != 0:
            raise RuntimeError(f"protoc failed for {rel}")
        stem = proto.stem
        outputs += [out_dir / "protos" / f"{stem}_pb2.py", out_dir / "protos" / f"{stem}_pb2.pyi",
                    out_dir / "protos" / f"{stem}_pb2_grpc.py"]
    return outputs


if __name__ == "__main__":
    for p in generate():
        print(p.relative_to(ROOT), file=sys.stderr)
