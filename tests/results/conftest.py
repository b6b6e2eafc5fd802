"""The results/ scripts are run by path (`python results/...`); tests load them the same way."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def script():
    def load(rel: str):
        spec = importlib.util.spec_from_file_location(Path(rel).stem, ROOT / rel)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    return load
