"""Every `masklam` command the README shows parses and resolves to a valid config, verbatim."""

import re
import shlex
from pathlib import Path

import pytest

from masklam.config import ConfigError

from masklam.cli import build_parser, resolve

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    lines = []
    for doc in (ROOT / "README.md", ROOT / "deploy" / "README.md"):
        for block in re.findall(r"```bash\n(.*?)```", doc.read_text(), re.S):
            for line in block.replace("\\\n", " ").splitlines():  # join continued lines
                line = line.split(" #")[0].strip()
                # `...` marks an elided example and $(...) needs a shell: both are checked by hand
                if line.startswith("masklam ") and not line.startswith("masklam segserver") \
                        and "..." not in line and "$(" not in line:
                    lines.append(line)
    return lines


def test_the_readme_shows_commands():
    assert len(readme_commands()) >= 10


@pytest.mark.parametrize("line", readme_commands())
def test_readme_command_resolves(line, monkeypatch):
    monkeypatch.chdir(ROOT)  # config paths in the README are relative to the checkout
    args = build_parser().parse_args(shlex.split(line)[1:])
    if args.flag__resume if hasattr(args, "flag__resume") else False:
        # a fresh checkout holds no run to continue: the command parses and the resume rule says so
        with pytest.raises(ConfigError, match="nothing to resume"):
            resolve(args)
    else:
        resolve(args)
