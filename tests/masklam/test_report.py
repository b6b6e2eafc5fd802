import re
from pathlib import Path

from masklam.report import RETURNS_HINT, UNRESOLVED_HINT, returns_section


def policies(bc, lapo, masklam, rnd=-300.0):
    ret = lambda m: {"return": {"mean": m, "std": 1.0, "returns": [m, m]}}  # noqa: E731
    return {"methods": {"bc": ret(bc), "lapo": ret(lapo), "masklam": ret(masklam)},
            "random": {"mean": rnd, "std": 5.0, "returns": [rnd, rnd]}, "labels": 1000, "seeds": [7, 8]}


CARD = {"algorithm": "SAC", "env_steps": 1000, "return_mean": 1000.0, "return_std": 10.0, "eval_episodes": 20}


def test_returns_table_normalises_and_plots(tmp_path):
    text = "\n".join(returns_section(policies(500.0, 100.0, 300.0), CARD, tmp_path))
    assert "| bc (all true labels) | 500.0 +/- 1.0 | - | 1.000 | 1.000 | 0.500 | 2 |" in text
    assert "| masklam (latent BC + decoder, N=1000) | 300.0 +/- 1.0 | - | 0.600 | 0.750 | 0.300 | 2 |" in text
    assert "| random | -300.0 +/- 5.0 | - | -0.600 | 0.000 | -0.300 | 2 |" in text
    assert "return_ratio = masklam / lapo = **3.000**" in text and "(lapo - random) = **1.500**" in text
    assert (tmp_path / "returns.png").stat().st_size > 0


def test_negative_returns_are_not_turned_into_ratios(tmp_path):
    text = "\n".join(returns_section(policies(-50.0, -100.0, -40.0), None, tmp_path))
    assert "| masklam (latent BC + decoder, N=1000) | -40.0 +/- 1.0 | - | - | 1.040 | - | 2 |" in text
    assert "- (lapo's return is not positive)" in text and "(lapo - random) = **1.300**" in text


def with_intervals(p, bc_ci, still_ci):
    p["methods"]["bc"]["return"]["ci90"] = bc_ci
    p["stand_still"] = {"mean": sum(still_ci) / 2, "std": 1.0, "returns": [0.0, 0.0], "ci90": still_ci}
    return p


def test_the_report_says_whether_bc_beats_stand_still_by_the_intervals(tmp_path):
    text = "\n".join(returns_section(with_intervals(policies(500.0, 100.0, 300.0), [450.0, 550.0],
                                                    [-55.0, -53.0]), CARD, tmp_path))
    assert "| bc (all true labels) | 500.0 +/- 1.0 | [450.0, 550.0] |" in text
    assert "| stand-still (the dataset's mean action) | -54.0 +/- 1.0 | [-55.0, -53.0] |" in text
    assert "BC on all true labels **beats stand-still**" in text
    text = "\n".join(returns_section(with_intervals(policies(-40.0, -100.0, -45.0), [-60.0, -20.0],
                                                    [-55.0, -53.0]), CARD, tmp_path))
    assert "**BC on all true labels does not clearly beat stand-still**" in text


def test_latent_policies_that_do_not_beat_stand_still_are_named(tmp_path):
    p = with_intervals(policies(500.0, -60.0, -7.0), [450.0, 550.0], [-8.0, -7.0])
    p["methods"]["lapo"]["return"]["ci90"] = [-80.0, -40.0]
    p["methods"]["masklam"]["return"]["ci90"] = [-7.5, -6.5]  # overlaps stand-still: not above it
    text = "\n".join(returns_section(p, CARD, tmp_path))
    assert "**lapo, masklam do not clearly beat stand-still**" in text and "carry no signal" in text
    p["methods"]["masklam"]["return"].update(mean=300.0, ci90=[250.0, 350.0])
    text = "\n".join(returns_section(p, CARD, tmp_path))
    assert "**lapo does not clearly beat stand-still**" in text


def test_masklam_variants_get_their_own_named_ratio(tmp_path):
    p = policies(500.0, 100.0, 300.0)
    p["methods"]["masklam_k1"] = p["methods"].pop("masklam")
    text = "\n".join(returns_section(p, CARD, tmp_path))
    assert "return_ratio[masklam_k1] = masklam_k1 / lapo = **3.000**" in text
    assert "return_ratio =" not in text  # DESIGN's return_ratio is masklam / lapo only


def test_return_ratios_carry_an_interval_over_both_policies_episodes(tmp_path):
    p = policies(500.0, 100.0, 300.0)
    p["methods"]["lapo"]["return"]["returns"] = [90.0, 110.0]
    p["methods"]["masklam"]["return"]["returns"] = [280.0, 320.0]
    text = "\n".join(returns_section(p, CARD, tmp_path))
    line = next(x for x in text.splitlines() if x.startswith("return_ratio = "))
    lo, hi = (float(v) for v in line.split("**3.000** [")[1].split("]")[0].split(", "))
    assert 280 / 110 - 1e-3 <= lo < 3.0 < hi <= 320 / 90 + 1e-3  # the extremes of both resamples (3 decimals)
    p["methods"]["lapo"]["return"]["returns"] = [-20.0, 220.0]  # resampled mean can be <= 0
    text = "\n".join(returns_section(p, CARD, tmp_path))
    assert "interval unbounded" in text


def test_the_unresolved_hints_quote_the_committed_results_they_cite():
    """The report tells a reader what resolves an unresolved number; its figures must be the cited file's."""
    root = Path(__file__).resolve().parents[2]
    for hint in (UNRESOLVED_HINT, RETURNS_HINT):
        (cited,) = re.findall(r"results/\S+\.md", hint)
        text = (root / cited).read_text()
        for interval in re.findall(r"\d\.\d+ \[\d\.\d+, \d\.\d+\]", hint):
            assert interval in text, f"{interval} is not in {cited}"
