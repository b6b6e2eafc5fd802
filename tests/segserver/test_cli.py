"""The service's configuration precedence: flags > MASKLAM_SEG_* environment > --config file > defaults."""

import pytest

from segserver.cli import build_parser, main, resolve


def test_environment_configures_the_service_and_flags_win(monkeypatch, tmp_path):
    cfg_file = tmp_path / "seg.yaml"
    cfg_file.write_text("max_batch: 8\nmax_delay_ms: 9.0\n")
    monkeypatch.setenv("MASKLAM_SEG_MAX_BATCH", "32")
    monkeypatch.setenv("MASKLAM_SEG_HOST", "0.0.0.0")
    monkeypatch.setenv("MASKLAM_SEG_TOKEN", "s3cret")
    cfg = resolve(build_parser().parse_args(["serve", "--config", str(cfg_file), "--port", "6000"]))
    assert (cfg.max_batch, cfg.max_delay_ms, cfg.host, cfg.port, cfg.token) == (32, 9.0, "0.0.0.0", 6000, "s3cret")
    cfg = resolve(build_parser().parse_args(["serve", "--max-batch", "4"]))
    assert cfg.max_batch == 4


def test_bad_environment_value_is_named(monkeypatch, capsys):
    monkeypatch.setenv("MASKLAM_SEG_MAX_BATCH", "lots")
    assert main(["serve"]) == 2
    assert "MASKLAM_SEG_MAX_BATCH='lots'" in capsys.readouterr().err
