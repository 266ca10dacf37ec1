"""Goal configuration: the default file validates, bad files name every wrong field."""

from pathlib import Path

import pytest

from metrics import goals
from tests.conftest import ROOT

GOOD = (ROOT / "config" / "goals.yaml").read_text(encoding="utf-8")


def test_default_file_holds_the_two_real_goals():
    cfg = goals.load(ROOT / "config" / "goals.yaml")
    bun, sn = cfg.goals
    assert bun.committee == ["BUN"] and bun.target.kind == "absolute_change" and bun.target.value == -2.0
    assert [p.filter["school_form"] for p in bun.parts] == [["grundskola"], ["gymnasieskola"]]
    assert sn.committee == ["SN"] and sn.target.kind == "relative_change" and sn.target.value == -20
    assert sn.indicator == "high_absence_share_intervention"
    assert bun.baseline_period == sn.baseline_period == "2022/23"
    assert (cfg.mandate_period.start, cfg.mandate_period.end) == (2023, 2026)


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "goals.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_bad_values_are_all_named(tmp_path):
    text = GOOD.replace("kind: absolute_change", "kind: percentage").replace(
        "indicator: high_absence_share_intervention", "indicator: absence_among_kids")
    with pytest.raises(goals.GoalConfigError) as exc:
        goals.load(write(tmp_path, text))
    msg = str(exc.value)
    assert "goals → 0 → target → kind: ska vara en av absolute_change, relative_change, level (fick 'percentage')" in msg
    assert "goals → 1 → indicator: okänd indikator 'absence_among_kids'" in msg


def test_cross_field_problems(tmp_path):
    text = GOOD.replace("committee: SN", "committee: KS").replace("baseline_period: \"2022/23\"\n    target:\n      kind: relative_change", "target:\n      kind: relative_change")
    with pytest.raises(goals.GoalConfigError) as exc:
        goals.load(write(tmp_path, text))
    msg = str(exc.value)
    assert "goals → 1 → committee: okänd nämnd 'KS'" in msg
    assert "goals → 1 → baseline_period: saknas" in msg


def test_typo_in_field_and_wrong_filter_and_bad_yaml(tmp_path):
    with pytest.raises(goals.GoalConfigError, match="goals → 0 → titel: okänt fält"):
        goals.load(write(tmp_path, GOOD.replace("    title: Andelen", "    titel: Andelen")))
    with pytest.raises(goals.GoalConfigError, match="filter → reporter_category: indikatorn"):
        goals.load(write(tmp_path, GOOD.replace("school_form: [grundskola]", "reporter_category: [skola]")))
    with pytest.raises(goals.GoalConfigError, match=r"inte giltig YAML \(rad \d+"):
        goals.load(write(tmp_path, GOOD + "\n  - id: [unclosed\n"))
    with pytest.raises(goals.GoalConfigError, match="finns inte"):
        goals.load(tmp_path / "missing.yaml")
    with pytest.raises(goals.GoalConfigError, match="mandate_period → end: ska vara ett tal"):
        goals.load(write(tmp_path, GOOD.replace("end: 2026", "end: snart")))
