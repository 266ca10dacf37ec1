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


def test_default_file_restricts_the_populations_as_the_committees_mean_them():
    cfg = goals.load(ROOT / "config" / "goals.yaml")
    bun, sn = cfg.goals
    assert cfg.resolved(bun.parts[0], bun).filter == {"operator": ["kommunal"], "school_form": ["grundskola"]}
    assert sn.filter == {"intervention_committee": ["sn"]}
    assert "kommunala grundskolor" in cfg.resolved(bun.parts[0], bun).population
    assert "socialnämndens egna insatser" in cfg.resolved(sn).population


GOAL = """
mandate_period: {{start: 2023, end: 2026}}
committees: [{{id: SN, name: Socialnämnden}}]
goals:
  - id: g
    committee: SN
    title: T
    indicator: {indicator}
    baseline_period: "2022/23"
    target: {{kind: {kind}, value: {value}}}
    filter: {filter}
"""


@pytest.mark.parametrize("indicator,kind,value,filter,expected", [
    # a count cannot carry a goal (it crashed 'status' before)
    ("report_count", "absolute_change", -2, "{}",
     "goals → 0 → indicator: 'report_count' kan inte bära ett mål: den är ett antal, inte en andel"),
    ("feedback_days", "absolute_change", -2, "{}", "den är ett medelvärde, inte en andel"),
    # a share without a direction: no target can be an improvement
    ("investigation_share", "absolute_change", -2, "{}", "saknar riktning"),
    # the target's sign against the polarity: rising absence is no goal
    ("high_absence_share", "absolute_change", 2.0, "{}",
     "goals → 0 → target → value: 2 är ingen förbättring för 'high_absence_share' (lägre är bättre); "
     "ett mål om förbättring är negativt, t.ex. -2"),
    ("assessment_within_14_days", "relative_change", -10, "{}", "ett mål om förbättring är positivt, t.ex. 10"),
    ("high_absence_share", "absolute_change", 0, "{}", "0 är ingen förbättring"),
    ("high_absence_share", "level", 150, "{}", "en nivå anges i procent mellan 0 och 100"),
    # filters: only what the indicator's source has (with_intervention only for pupils)
    ("unassessed_share", "absolute_change", -2, "{with_intervention: true}",
     "goals → 0 → filter → with_intervention: indikatorn 'unassessed_share' kan inte filtreras på 'with_intervention'"),
    ("high_absence_share", "absolute_change", -2, "{decision: [ej_bedomd]}", "kan inte filtreras på 'decision'"),
    ("high_absence_share", "absolute_change", -2, "{school_form: [grundskolan]}",
     "goals → 0 → filter → school_form: okänt värde 'grundskolan'; möjliga: forskola, grundskola, gymnasieskola"),
    ("high_absence_share", "absolute_change", -2, "{intervention_committee: [sn]}",
     "väljer vilka insatser som räknas, men indikatorn 'high_absence_share' använder inte insatser"),
    ("high_absence_share_intervention", "relative_change", -20, "{intervention_committee: [socialen]}",
     "okänt värde 'socialen'; möjliga: sn, bun, gemensam"),
    ("high_absence_share", "absolute_change", -2, "{with_intervention: [ja]}", "ska vara true eller false"),
])
def test_goal_rules_come_from_the_catalog(tmp_path, indicator, kind, value, filter, expected):
    text = GOAL.format(indicator=indicator, kind=kind, value=value, filter=filter)
    with pytest.raises(goals.GoalConfigError) as exc:
        goals.load(write(tmp_path, text))
    assert expected in str(exc.value)


@pytest.mark.parametrize("indicator,kind,value,filter", [
    ("high_absence_share", "absolute_change", -2, "{operator: [kommunal], with_intervention: true}"),
    ("high_absence_share_intervention", "relative_change", -20, "{intervention_committee: [sn]}"),
    ("assessment_within_14_days", "level", 90, "{area: [Norr]}"),
    ("intervention_coverage", "absolute_change", 5, "{intervention_type: [tsi], gender: [flicka]}"),
])
def test_goals_the_catalog_allows_load(tmp_path, indicator, kind, value, filter):
    goals.load(write(tmp_path, GOAL.format(indicator=indicator, kind=kind, value=value, filter=filter)))
