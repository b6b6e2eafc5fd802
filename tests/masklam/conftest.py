import pytest

from masklam.cli import main


@pytest.fixture(scope="session")
def dataset(tmp_path_factory):
    """A tiny recorded hopper/low dataset shared by the policy and Tune tests (recorded once per session)."""
    data = tmp_path_factory.mktemp("policy") / "data"
    assert main(["collect", "--task", "hopper", "--preset", "low", "--actors", "1", "--steps", "120", "--out",
                 str(data), "--segmentation", "off", "--set", "actor.chunk_len=24"]) == 0
    return data
