"""Documentation stays true: METRICS.md matches the catalog, README's settings table is generated
from the settings."""

import json
import re

from data import settings
from metrics import catalog, docs
from ui import accessibility
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


def test_readmes_settings_table_is_generated_from_the_settings():
    # the table between the markers is exactly what data/settings.py generates, row for row
    assert README == settings.readme_with_table(README), "run: python cli.py docs"
    for s in settings.SETTINGS:
        assert f"| `{s.env}` | {s.doc_default} | {s.allowed_en} | {s.help} |" in README


def test_readme_commands_exist_and_ci_calls_the_test_command():
    commands = re.findall(r"^\s*(\./scripts/\S+)", README, flags=re.MULTILINE)
    assert "./scripts/run.sh" in commands and "./scripts/test.sh" in commands
    for c in commands:
        assert (ROOT / c).exists(), c
    assert "./scripts/test.sh" in (ROOT / ".ci" / "run").read_text()


def test_the_accessibility_statement_has_what_digg_requires_and_the_pinned_axe_version():
    pinned = json.loads((ROOT / "tests" / "a11y" / "package.json").read_text())["dependencies"]["axe-core"]
    assert pinned == accessibility.AXE_VERSION
    text = accessibility.statement_markdown("Exempelkommunen")
    for part in ("delvis förenlig", "WCAG 2.1 nivå AA", "Innehåll som inte är tillgängligt",
                 "Den senaste bedömningen gjordes " + accessibility.ASSESSED.isoformat(),
                 "axe-core " + pinned, "kontakta oss", "https://www.digg.se/tdosanmalan"):
        assert part in text, part
    for gap in accessibility.GAPS:
        assert gap.criterion in text and gap.what in text


def test_the_run_command_installs_what_chart_images_need_before_it_serves():
    # PNG, SVG and the brief's charts are drawn by chromium: ./scripts/run.sh sets it up, as
    # ./scripts/test.sh does (the pages say so when it could not be installed: test_app.py)
    run = (ROOT / "scripts" / "run.sh").read_text(encoding="utf-8")
    assert "\nensure_chromium" in run and run.index("\nensure_chromium") < run.index("serve.py \"$@\"")
