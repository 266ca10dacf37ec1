"""Validations run at start-up and in CI: the settings (typed, with ranges), the indicator catalog
(names, sources, SQL columns, goal rules), the one filter rule of the engine and the goal file, the
one status rule of goals and their parts, and the settings-driven method notes."""

from __future__ import annotations

import dataclasses
import re
from fractions import Fraction

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

import cli
from data import settings
from data.warehouse import PARTITION_SQL, SCHEMA_SQL
from metrics import attainment, catalog, engine, goals, periods
from ui import definitions_page

# --- settings ---------------------------------------------------------------------------------


def test_the_settings_in_effect_in_the_test_session_are_valid():
    assert settings.problems() == []
    settings.check()


@pytest.mark.parametrize("env, raw, allowed", [
    ("SAMVERKAN_ROUNDING_BASE", "0", "ett heltal från 1 och uppåt"),
    ("SAMVERKAN_ROUNDING_BASE", "fem", "ett heltal från 1 och uppåt"),
    ("SAMVERKAN_SUPPRESS_MIN_COUNT", "-3", "ett heltal från 1 och uppåt"),
    ("SAMVERKAN_SUPPRESS_MIN_DENOMINATOR", "0", "ett heltal från 1 och uppåt"),
    ("SAMVERKAN_SMTP_PORT", "70000", "ett heltal från 1 till 65535"),
    ("SAMVERKAN_SMTP_SECURITY", "tls", "'starttls', 'ssl' eller 'none'"),
    ("SAMVERKAN_AUTH", "of", "tomt eller 'off'"),
    ("SAMVERKAN_IMPORT_MAX_MB", "0", "ett heltal från 1 och uppåt"),
    ("SAMVERKAN_RETENTION_YEARS", "-1", "tomt eller ett heltal från 0 och uppåt"),
    ("SAMVERKAN_DEMO_SEED", "1.5", "ett heltal från 0 och uppåt"),
    # what Python's int() would take but nobody means: 50, +5, an Arabic-Indic 5
    ("SAMVERKAN_ROUNDING_BASE", "5_0", "ett heltal från 1 och uppåt"),
    ("SAMVERKAN_ROUNDING_BASE", "+5", "ett heltal från 1 och uppåt"),
    ("SAMVERKAN_ROUNDING_BASE", "\u0665", "ett heltal från 1 och uppåt"),
])
def test_an_invalid_setting_is_refused_naming_the_setting_its_value_and_what_is_allowed(monkeypatch, env, raw, allowed):
    monkeypatch.setenv(env, raw)
    assert settings.problems() == [f"{env} = '{raw}' är inte tillåtet: ska vara {allowed}."]
    with pytest.raises(settings.SettingError, match=env):
        settings.check()


def test_the_rounding_base_is_refused_below_one_not_clamped(monkeypatch):
    monkeypatch.setenv("SAMVERKAN_ROUNDING_BASE", "0")
    with pytest.raises(settings.SettingError, match="SAMVERKAN_ROUNDING_BASE = '0'"):
        settings.rounding_base()
    monkeypatch.setenv("SAMVERKAN_ROUNDING_BASE", " 10 ")  # as int() read it before
    assert settings.rounding_base() == 10


def test_every_invalid_setting_is_listed_at_once(monkeypatch):
    monkeypatch.setenv("SAMVERKAN_ROUNDING_BASE", "0")
    monkeypatch.setenv("SAMVERKAN_SMTP_PORT", "x")
    with pytest.raises(settings.SettingError) as err:
        settings.check()
    assert "SAMVERKAN_ROUNDING_BASE = '0'" in str(err.value) and "SAMVERKAN_SMTP_PORT = 'x'" in str(err.value)


def test_empty_and_unset_optional_settings_are_valid(monkeypatch):
    monkeypatch.setenv("SAMVERKAN_RETENTION_YEARS", "")
    monkeypatch.setenv("SAMVERKAN_AUTH", "OFF")  # compared without case, as before
    assert settings.problems() == []
    assert settings.retention_years() is None and settings.auth_off()


def test_the_cli_refuses_to_start_on_an_invalid_setting(monkeypatch, capsys):
    monkeypatch.setenv("SAMVERKAN_ROUNDING_BASE", "0")
    assert cli.main(["metric", "--list"]) == 2
    err = capsys.readouterr().err
    assert "SAMVERKAN_ROUNDING_BASE = '0' är inte tillåtet: ska vara ett heltal från 1 och uppåt." in err


def test_the_server_refuses_to_start_on_an_invalid_setting():
    """scripts/serve.py (what scripts/run.sh starts) stops before it listens, naming the setting."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "SAMVERKAN_SUPPRESS_MIN_COUNT": "0"}
    done = subprocess.run([sys.executable, str(root / "scripts" / "serve.py"), "--server.headless", "true"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "SAMVERKAN_SUPPRESS_MIN_COUNT = '0' är inte tillåtet" in done.stderr


def test_cli_settings_prints_each_setting_its_value_and_origin_and_hides_secrets(monkeypatch, capsys):
    monkeypatch.setenv("SAMVERKAN_SMTP_PASSWORD", "hemligt-lösen")
    monkeypatch.setenv("SAMVERKAN_PSEUDONYM_KEY", "k" * 40)
    monkeypatch.setenv("SAMVERKAN_STORE_URL", "postgresql+psycopg://samverkan:db-lösen@db.kommun.example/samverkan")
    monkeypatch.delenv("SAMVERKAN_DEMO_SEED", raising=False)
    assert cli.main(["settings"]) == 0
    out = capsys.readouterr().out
    assert "hemligt-lösen" not in out and "k" * 40 not in out and "db-lösen" not in out
    assert "postgresql+psycopg://samverkan:(dolt)@db.kommun.example/samverkan" in out
    lines = {line.split()[0]: line for line in out.splitlines()[2:]}
    assert set(lines) == {s.env for s in settings.SETTINGS}
    assert "(satt, dold)" in lines["SAMVERKAN_SMTP_PASSWORD"] and "miljövariabel" in lines["SAMVERKAN_SMTP_PASSWORD"]
    assert "1" in lines["SAMVERKAN_ROUNDING_BASE"].split() and "miljövariabel" in lines["SAMVERKAN_ROUNDING_BASE"]
    assert "20261023" in lines["SAMVERKAN_DEMO_SEED"] and "standardvärde" in lines["SAMVERKAN_DEMO_SEED"]


def test_cli_settings_shows_an_invalid_setting_and_names_it(monkeypatch, capsys):
    monkeypatch.setenv("SAMVERKAN_SMTP_PORT", "0")
    assert cli.main(["settings"]) == 2
    captured = capsys.readouterr()
    assert "SAMVERKAN_SMTP_PORT" in captured.out
    assert "SAMVERKAN_SMTP_PORT = '0' är inte tillåtet" in captured.err


def test_cli_settings_markdown_is_readmes_table(capsys):
    assert cli.main(["settings", "--markdown"]) == 0
    assert capsys.readouterr().out == settings.markdown_table() + "\n"


# --- the definitions page's method notes ------------------------------------------------------


_DEFAULT_NOTES = (
    "'..' betyder att värdet inte visas: antal 1–4, och andelar och medelvärden med färre än 10 i "
    "nämnaren, visas inte.",
    "Alla antal i tabeller, diagram och nedladdningar är avrundade till närmaste 5 (även summan av "
    "dagar bakom ett medelvärde), och andelar och medelvärden räknas på de avrundade antalen, så "
    "att ingen summa eller skillnad av siffror kan avslöja enskilda barn. Avrundningen görs för varje "
    "skolenhet, och för orosanmälningar och insatser för varje område: större enheter och kommunen visar "
    "summan av dessa avrundade antal, där ett dolt antal räknas med ett fast värde (1–4 som 2,5), och ett "
    "kalenderår eller läsår av orosanmälningar och insatser är summan av dess två terminer. En summa kan "
    "därför avvika några enheter mer från det exakta än ett enskilt avrundat tal – en andel i en liten "
    "grupp, några få per område och termin, flera procentenheter – och delarna i en tabell summerar inte "
    "alltid exakt till totalen; totalen minus de visade raderna är alltså inte det dolda värdet. En summa "
    "som mest skulle bestå av dolda värden visas inte ('..'). Ett barn med aktiv insats i två områden under perioden räknas i båda. Målens "
    "status räknas på exakta antal. Analytiker, dataförvaltare och administratörer kan visa exakta värden "
    "som internt underlag.",
)


def _notes(monkeypatch, count: str, denominator: str, base: str) -> list[str]:
    monkeypatch.setenv("SAMVERKAN_SUPPRESS_MIN_COUNT", count)
    monkeypatch.setenv("SAMVERKAN_SUPPRESS_MIN_DENOMINATOR", denominator)
    monkeypatch.setenv("SAMVERKAN_ROUNDING_BASE", base)
    return definitions_page.method_notes_text()


def test_the_method_notes_under_the_default_settings_read_as_before(monkeypatch):
    notes = _notes(monkeypatch, "5", "10", "5")
    assert notes[3:5] == list(_DEFAULT_NOTES)
    assert len(notes) == len(catalog.METHOD_NOTES) and not any("{" in n for n in notes)


def test_the_method_notes_follow_the_settings_in_effect(monkeypatch):
    notes = " ".join(_notes(monkeypatch, "3", "20", "10"))
    assert "antal 1–2, och andelar och medelvärden med färre än 20 i nämnaren, visas inte" in notes
    assert "avrundade till närmaste 10 " in notes
    assert "1–4" not in notes and "färre än 10" not in notes and "närmaste 5" not in notes
    exact = " ".join(_notes(monkeypatch, "2", "1", "1"))
    assert "antal 1 visas inte." in exact and "avrundas inte" in exact and "närmaste" not in exact


# --- the catalog ------------------------------------------------------------------------------


def test_the_catalog_is_valid():
    assert catalog.validate() == []


def _broken(**changes) -> catalog.Indicator:
    return dataclasses.replace(catalog.BY_NAME["high_absence_share"], **changes)


@pytest.mark.parametrize("entry, message", [
    (_broken(), "Indikatorn 'high_absence_share' finns mer än en gång (namnen ska vara unika)"),
    (_broken(name="x", numerator="absent * 100 > 15 * scheduledd"),
     "Indikatorn 'x' → numerator: kolumnen 'scheduledd' finns inte i källan 'pupils'"),
    (_broken(name="x", where="decision = 'ej_bedomd'"),
     "Indikatorn 'x' → where: kolumnen 'decision' finns inte i källan 'pupils'"),
    (_broken(name="x", denominator="scheduled >"), "Indikatorn 'x' → denominator: SQL-uttrycket 'scheduled >' kan inte tolkas"),
    (_broken(name="x", source="pupil"), "Indikatorn 'x': okänd källa 'pupil'"),
    (_broken(name="x", numerator_noun="fall"), "Indikatorn 'x': kan bära ett mål (lägre är bättre) men saknar numerator_noun"),
    (_broken(name="x", format="integer"), "Indikatorn 'x': kan bära ett mål (lägre är bättre) men visas inte i procent"),
    (_broken(name="absence over 30"), "Indikatorn 'absence over 30': namnet ska bestå av små bokstäver"),
    (_broken(name="x", label=" "), "Indikatorn 'x': saknar label"),
    (_broken(name="x", format="procent"), "Indikatorn 'x': okänt format 'procent'"),  # one message, not two
])
def test_a_broken_catalog_entry_is_named(entry, message):
    problems = catalog.validate(catalog.INDICATORS + (entry,))
    assert len(problems) == 1 and problems[0].startswith(message), problems


def test_a_source_with_an_unknown_dimension_or_filter_is_named():
    pupils = catalog.SOURCES["pupils"]
    broken = {**catalog.SOURCES, "pupils": dataclasses.replace(
        pupils, dims=pupils.dims + ("colour",),
        filters=pupils.filters + (catalog.Filter(name="shoe_size", label="Skostorlek", help=""),))}
    assert catalog.validate(sources=broken) == [
        "Källan 'pupils': uppdelningen 'colour' finns inte bland dimensionerna (" + ", ".join(catalog.DIMENSIONS) + ")",
        "Källan 'pupils': uppdelningen 'colour' är ingen kolumn i källan",
        "Källan 'pupils': filtret 'shoe_size' är ingen kolumn i källan"]


def test_the_cli_refuses_to_start_on_a_broken_catalog(monkeypatch, capsys):
    monkeypatch.setattr(catalog, "INDICATORS", catalog.INDICATORS + (_broken(),))
    assert cli.main(["metric", "--list"]) == 2
    err = capsys.readouterr().err
    assert "Indikatorkatalogen (metrics/catalog.py) är felaktig" in err
    assert "Indikatorn 'high_absence_share' finns mer än en gång" in err


@pytest.mark.parametrize("materialised", [False, True])
def test_each_sources_declared_columns_are_the_engines_unit_columns(materialised):
    # the columns validate() checks SQL against are what the engine's query gives, on an empty warehouse
    con = duckdb.connect()
    con.execute(SCHEMA_SQL)
    con.execute(PARTITION_SQL)
    p = periods.parse("HT2024")
    for name, source in catalog.SOURCES.items():
        sql = f"WITH {engine._periods_sql([p])}, {engine._unit_sql(name, [p], materialised)} SELECT * FROM unit"
        columns = [row[0] for row in con.execute(f"DESCRIBE {sql}").fetchall()]
        assert sorted(columns) == sorted(source.columns), name


def test_sql_columns_are_parsed_not_searched():
    assert catalog.sql_columns("decision = 'as_of' AND school_form IN ('x')") == {"decision", "school_form"}
    ind = catalog.BY_NAME["high_absence_share_intervention"]
    assert ind.reads("school_form") and ind.reads("with_intervention") and not ind.reads("school")
    # the same answers as the substring search gave for the columns the engine asks about
    assert {i.name for i in catalog.INDICATORS if i.reads("with_intervention")} == {
        "high_absence_share_intervention", "intervention_coverage"}
    assert {i.name for i in catalog.INDICATORS if i.reads("as_of")} == {"assessment_within_14_days"}


# --- one filter rule --------------------------------------------------------------------------


@pytest.mark.parametrize("name, flt, engine_message, goal_message", [
    ("report_count", {"colour": ["blue"]}, "kan inte filtreras på 'colour'", "kan inte filtreras på 'colour'"),
    ("high_absence_share", {"intervention_committee": ["sn"]}, "använder inte insatser", "använder inte insatser"),
    ("high_absence_share_intervention", {"intervention_committee": ["socialen"]}, "okända värden (socialen)",
     "okänt värde 'socialen'"),
])
def test_the_engine_and_the_goal_file_refuse_a_filter_by_the_same_rule(demo_wh, name, flt, engine_message, goal_message):
    ind = catalog.BY_NAME[name]
    assert [p.refused_by_engine for p in catalog.filter_problems(ind, flt)] == [True]
    with pytest.raises(engine.MetricError, match=re.escape(engine_message)):
        engine.evaluate(demo_wh, name, "2024/25", filters=flt)
    problems = goals.goal_rule_problems("goals → 0", ind, flt, None)
    assert any(goal_message in p for p in problems), problems


def test_what_only_the_goal_file_refuses():
    # a breakdown value outside its code list, and yes/no written as text (as the CLI passes it)
    ind = catalog.BY_NAME["high_absence_share"]
    found = catalog.filter_problems(ind, {"school_form": ["grundskolan"], "with_intervention": ["true"]})
    assert [(p.kind, p.refused_by_engine) for p in found] == [("values", False), ("bool", False)]
    assert engine._filter_sql(ind, {"school_form": ["grundskolan"], "with_intervention": ["true"]}) == (
        "school_form IN (?) AND with_intervention IN (?)", ["grundskolan", "true"])


# --- one status rule, on exact fractions ------------------------------------------------------


def test_a_part_just_below_the_threshold_keeps_its_goal_below_it():
    # The boundary case whose status changed: exact progress a hair below 1/2 rounds to the float
    # 0.5. The part has always been 'not_achieved' (status_of, exact); the goal's combined status
    # compared the float with 0.5 and said 'partly'. Now both say 'not_achieved'.
    below = Fraction(1, 2) - Fraction(1, 10**18)
    assert float(below) == 0.5 and attainment.status_of(below, 0.5) == "not_achieved"
    status, progress = attainment._combined_status(["partly", "not_achieved"], [0.7, float(below)])
    assert (status, progress) == ("not_achieved", 0.5)
    # and a threshold that is no binary fraction: 3/10 exactly, not the float below it
    below = Fraction(3, 10) - Fraction(1, 10**18)
    assert float(below) == 0.3 and attainment.status_of(below, 0.3) == "not_achieved"
    assert attainment.status_of(Fraction(3, 10), 0.3) == "partly"


_progress = st.fractions(min_value=Fraction(-2), max_value=Fraction(2), max_denominator=10**6)


@given(st.lists(_progress, min_size=1, max_size=4), st.sampled_from([0.25, 0.3, 0.5, 0.75]))
def test_a_goals_status_is_the_status_of_its_smallest_exact_progress(progresses, threshold):
    statuses = [attainment.status_of(p, threshold) for p in progresses]
    status, progress = attainment._combined_status(statuses, [float(p) for p in progresses])
    assert status == attainment.status_of(min(progresses), threshold)
    assert progress == float(min(progresses))


def test_a_goal_with_a_quiet_or_missing_part_keeps_the_old_answers():
    assert attainment._combined_status(["achieved", "baseline"], [1.0, None]) == ("baseline", None)
    assert attainment._combined_status(["achieved", "no_data"], [1.2, None]) == ("no_data", None)
    assert attainment._combined_status(["achieved", "achieved"], [1.5, 1.2]) == ("achieved", 1.2)
