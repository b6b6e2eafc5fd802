from masklam.report import returns_section


def policies(bc, lapo, masklam, rnd=-300.0):
    ret = lambda m: {"return": {"mean": m, "std": 1.0, "returns": [m, m]}}  # noqa: E731
    return {"methods": {"bc": ret(bc), "lapo": ret(lapo), "masklam": ret(masklam)},
            "random": {"mean": rnd, "std": 5.0, "returns": [rnd, rnd]}, "labels": 1000, "seeds": [7, 8]}


CARD = {"algorithm": "SAC", "env_steps": 1000, "return_mean": 1000.0, "return_std": 10.0, "eval_episodes": 20}


def test_returns_table_normalises_and_plots(tmp_path):
    text = "\n".join(returns_section(policies(500.0, 100.0, 300.0), CARD, tmp_path))
    assert "| bc (all true labels) | 500.0 +/- 1.0 | 1.000 | 1.000 | 0.500 | 2 |" in text
    assert "| masklam (latent BC + decoder, N=1000) | 300.0 +/- 1.0 | 0.600 | 0.750 | 0.300 | 2 |" in text
    assert "| random | -300.0 +/- 5.0 | -0.600 | 0.000 | -0.300 | 2 |" in text
    assert "return_ratio = masklam / lapo = **3.000**" in text and "(lapo - random) = **1.500**" in text
    assert (tmp_path / "returns.png").stat().st_size > 0


def test_negative_returns_are_not_turned_into_ratios(tmp_path):
    text = "\n".join(returns_section(policies(-50.0, -100.0, -40.0), None, tmp_path))
    assert "| masklam (latent BC + decoder, N=1000) | -40.0 +/- 1.0 | - | 1.040 | - | 2 |" in text
    assert "- (lapo's return is not positive)" in text and "(lapo - random) = **1.300**" in text
