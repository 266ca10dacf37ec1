"""Documentation stays true: METRICS.md matches the catalog, README documents every setting."""

import re

from data import settings
from metrics import catalog, docs
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_metrics_md_is_generated_from_the_catalog():
    text = (ROOT / "METRICS.md").read_text(encoding="utf-8")
    assert text == docs.metrics_markdown(), "run: python cli.py docs"
    for ind in catalog.INDICATORS:
        assert f"### `{ind.name}` – {ind.label}" in text


def test_readme_documents_every_setting():
    for s in settings.SETTINGS:
        assert s.env in README, f"{s.env} is not documented in README.md"


def test_readme_commands_exist_and_ci_calls_the_test_command():
    commands = re.findall(r"^\s*(\./scripts/\S+)", README, flags=re.MULTILINE)
    assert "./scripts/run.sh" in commands and "./scripts/test.sh" in commands
    for c in commands:
        assert (ROOT / c).exists(), c
    assert "./scripts/test.sh" in (ROOT / ".ci" / "run").read_text()
