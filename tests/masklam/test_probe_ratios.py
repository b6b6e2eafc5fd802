"""probe_ratio is DESIGN's lapo / masklam; every MaskLAM variant a run trains gets its own lapo / variant."""

from masklam.results import markdown_table
from masklam.train import probe_ratios


def test_probe_ratio_is_lapo_over_masklam_and_variants_are_kept_apart():
    out = probe_ratios({"lapo": 0.9, "masklam": 0.45, "masklam_k1": 0.3, "laom": 0.8})
    assert out["probe_ratio"] == 0.9 / 0.45
    assert out["probe_ratios"] == {"masklam": 0.9 / 0.45, "masklam_k1": 0.9 / 0.3}
    only_k1 = probe_ratios({"lapo": 0.9, "masklam_k1": 0.3})
    assert "probe_ratio" not in only_k1 and only_k1["probe_ratios"] == {"masklam_k1": 0.9 / 0.3}
    assert probe_ratios({"masklam": 0.5}) == {}  # nothing to compare with


def test_results_table_names_each_ratio():
    results = {"task": "halfcheetah", "preset": "low", "probe_nmse": {"lapo": 0.9, "masklam_k1": 0.3},
               **probe_ratios({"lapo": 0.9, "masklam_k1": 0.3}), "mode": "offline", "seed": 0, "updates": 10,
               "batch_size": 4, "train_seconds": 1.0, "learner_ups": 10.0, "chunks_streamed": 1, "model": {},
               "heldout": {}, "hardware": "cpu", "wall_seconds": 2.0}
    text = markdown_table(results)
    assert "probe_ratio[masklam_k1] = probe_nmse(lapo) / probe_nmse(masklam_k1) = **3.000**" in text
