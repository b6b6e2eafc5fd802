from pathlib import Path

from protos.codegen import ROOT, generate


def test_generated_code_matches_the_proto(tmp_path):
    """Fails when protos/*.proto changed without regenerating (make protos)."""
    for fresh in generate(tmp_path):
        committed = ROOT / "protos" / fresh.name
        assert committed.exists(), f"{committed.name} is not committed"
        assert fresh.read_text() == committed.read_text(), f"{committed.name} drifted from the .proto; run make protos"


def test_mask_packing_round_trip():
    import numpy as np

    from protos.seg_codec import masks_from_proto, masks_to_proto

    m = (np.random.default_rng(0).random((3, 12, 20)) > 0.7).astype(np.uint8)
    batch = masks_to_proto(m)
    assert len(batch.packed) == (3 * 12 * 20 + 7) // 8
    np.testing.assert_array_equal(masks_from_proto(batch), m)
    batch.packed = batch.packed[:-1]
    import pytest

    with pytest.raises(ValueError, match="bytes"):
        masks_from_proto(batch)


def test_proto_package_name():
    assert "package masklam.seg.v1;" in (Path(ROOT) / "protos" / "segmentation.proto").read_text()
