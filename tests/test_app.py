"""AppTest: every page renders on the demo data, and its filters change what is shown."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from metrics import catalog
from ui import format as fmt
from tests.conftest import ROOT, html_tables, shown

APP = str(ROOT / "app.py")
BUN_TITLE = "Andelen elever med hög frånvaro ska minska med minst två procentenheter"
SN_TITLE = "Hög frånvaro ska minska med 20 procent bland barn med insatser"


def start(**query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def metrics(at: AppTest) -> list[tuple[str, str]]:
    return [(m.label, m.value) for m in at.metric]


def test_overview_shows_both_committees_goals(app_env):
    at = start()
    assert not at.exception and not at.error
    # the scorecard first: the demo's story (BUN missed since 2024/25, SN partly since 2024/25)
    card = html_tables(at)[0]
    assert list(card.columns) == ["Mål", "Status", "Basår", "Nu", "Målnivå", "Förändring (95 %-intervall)",
                                  "Kvar till målet", "Preliminärt"]
    # the status since when, marked where the change may be chance (grundskola's −0,1 p.e.)
    assert card["Status"].to_list() == ["✗ Ej uppnått, sedan läsåret 2024/25",
                                       "✗ Ej uppnått – osäkert, sedan läsåret 2024/25",
                                       "✓ Uppnått, sedan läsåret 2023/24", "◐ Delvis uppnått, sedan läsåret 2024/25"]
    assert card["Nu"][0] == "se delmålen" and "av" in card["Nu"][3]  # SN's small population shows its pupils
    assert card["Kvar till målet"][1].startswith("ungefär") and card["Kvar till målet"][1].endswith("färre elever med hög frånvaro")
    assert "%" in card["Förändring (95 %-intervall)"][3] and "p.e." in card["Förändring (95 %-intervall)"][1]
    assert all("höstterminen 2026 t.o.m. oktober" in p for p in card["Preliminärt"])
    titles = [s.value for s in at.subheader]
    assert titles == [BUN_TITLE, SN_TITLE]
    html = " ".join(m.value for m in at.markdown)
    assert "Barn- och utbildningsnämnden" in html and "Socialnämnden" in html
    assert "Ej uppnått" in html and "Delvis uppnått" in html  # status as text, not only colour
    labels = [m.label for m in at.metric]
    assert {"Utgångsvärde", "Nuvarande", "Målnivå"} <= set(labels)
    assert any("Demodata – fiktiv kommun" in w.value for w in at.sidebar.warning)
    # the committees' analyses seeded with the demo are shown
    assert any(shown(i.value).startswith("Demodata:") for i in at.info)
    # every trend chart has its exports, and the page has its HTML report
    labels = [b.label for b in at.get("download_button")]
    assert labels.count("Data (CSV)") == 3 and labels.count("Bild (PNG)") == 3
    assert "Ladda ner sidan som HTML-rapport" in labels


def test_period_filter_changes_the_numbers(app_env):
    at = start()
    before = metrics(at)
    at.selectbox(key="lasar").set_value("2023/24").run()
    after = metrics(at)
    assert after != before
    assert any("Nuvarande: läsåret 2023/24" in c.value for c in at.caption)
    current = [m.value for m in at.metric if m.label == "Nuvarande"]
    assert current[0] == "11,7 %"  # grundskola in the year the goal was met (BUN card first)


def test_url_parameters_prefill_the_filters(app_env):
    at = start(lasar="2024/25", namnd="SN")
    assert at.selectbox(key="lasar").value == "2024/25"
    assert [s.value for s in at.subheader] == [SN_TITLE]
    assert any("Nuvarande: läsåret 2024/25" in c.value for c in at.caption)


def test_writing_an_analysis_shows_it(app_env):
    at = start(lasar="2024/25")
    at.text_area(key="comment-text-sn-hog-franvaro-insats").input("Ny analys från socialnämnden.")
    at.text_input(key="comment-author-sn-hog-franvaro-insats").input("Controller SN")
    at.button[[b.label for b in at.button].index("Spara analys", 1)].click().run()
    assert any(shown(i.value) == "Ny analys från socialnämnden." for i in at.info)


def test_a_broken_goal_file_gives_a_friendly_message(app_env, tmp_path, monkeypatch):
    bad = tmp_path / "goals.yaml"
    bad.write_text("goals: [", encoding="utf-8")
    monkeypatch.setenv("SAMVERKAN_GOALS", str(bad))
    at = start()
    assert not at.exception
    assert any("målfilen är felaktig" in e.value for e in at.error)
    assert any("inte giltig YAML" in c.value for c in at.code)


BAD_RULES = """
mandate_period: {start: 2023, end: 2026}
committees: [{id: BUN, name: Barn- och utbildningsnämnden}]
goals:
  - id: antal
    committee: BUN
    title: Ett antal kan inte bära ett mål
    indicator: report_count
    baseline_period: "2022/23"
    target: {kind: absolute_change, value: -2}
  - id: tecken
    committee: BUN
    title: Stigande frånvaro som mål
    indicator: high_absence_share
    baseline_period: "2022/23"
    target: {kind: absolute_change, value: 2}
    filter: {decision: [ej_bedomd]}
"""


def test_goal_rule_problems_are_shown_on_the_page_as_the_cli_gives_them(app_env, tmp_path, monkeypatch, capsys):
    import cli

    bad = tmp_path / "goals.yaml"
    bad.write_text(BAD_RULES, encoding="utf-8")
    monkeypatch.setenv("SAMVERKAN_GOALS", str(bad))
    assert cli.main(["status"]) == 2
    err = capsys.readouterr().err
    for expected in ("goals → 0 → indicator: 'report_count' kan inte bära ett mål",
                     "goals → 1 → filter → decision: indikatorn 'high_absence_share' kan inte filtreras",
                     "goals → 1 → target → value: 2 är ingen förbättring"):
        assert expected in err
    at = start()
    assert not at.exception
    page_text = at.code[0].value
    assert page_text.strip() in err  # the very same message
    assert "Oväntat fel" not in err and not any("Något gick fel" in e.value for e in at.error)


def page(path: str, **query) -> AppTest:
    at = start(**query)
    at.switch_page(path).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def chart_title(spec: dict) -> str | None:
    """A chart's title: the page shows it as text above the chart (charts.on_screen), which
    keeps it in the chart's meta; a chart drawn elsewhere has it as its plotly title."""
    layout = spec["layout"]
    return layout.get("meta", {}).get("title") or layout.get("title", {}).get("text")


def chart_titles(at: AppTest) -> list[str]:
    import json

    titles = [chart_title(json.loads(c.proto.spec)) for c in at.get("plotly_chart")]
    shown = {m.value for m in at.markdown}
    assert all(f"**{fmt.literal(t)}**" in shown for t in titles if t), "a chart's title is not shown above it"
    return titles


def test_bun_page_drills_down_from_area_to_school_to_grade(app_env):
    at = page("pages/bun.py")
    assert [s.value for s in at.subheader][0] == "Per område – läsåret 2025/26"
    titles = chart_titles(at)
    assert titles[:2] == ["Andel elever med hög frånvaro per läsår – hela kommunen, kommunala skolor",
                          "Hög frånvaro per område, läsåret 2025/26 – hela kommunen, kommunala skolor"]
    at.selectbox(key="omrade").set_value("Norr").run()
    assert [s.value for s in at.subheader][0] == "Norr: per skolenhet – läsåret 2025/26"
    assert chart_titles(at)[0] == "Andel elever med hög frånvaro per läsår – område Norr, kommunala skolor"
    school = at.selectbox(key="skola").options[1]
    at.selectbox(key="skola").set_value(school).run()
    assert [s.value for s in at.subheader][0] == f"{school}: per årskurs – läsåret 2025/26"
    # the trend says which school it shows (not the municipality's title)
    assert chart_titles(at)[0] == f"Andel elever med hög frånvaro per läsår – {school} (Norr)"
    # the per-grade chart's reference line is the school's own total, and is not called the municipality's
    import json

    grades = next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
                  if (chart_title(json.loads(c.proto.spec)) or "").startswith("Hög frånvaro per årskurs"))
    lines = [a["text"] for a in grades["layout"].get("annotations", []) if a.get("text") in ("Hela kommunen", "Totalt för urvalet")]
    assert lines == ["Totalt för urvalet"], lines
    assert "hela kommunen" not in grades["layout"]["meta"]["summary"]
    # a grade is named as one in the chart and its sentence ('Högst Årskurs 9 (…)'), never a bare number
    assert all(y.startswith("Årskurs ") for y in grades["data"][0]["y"])
    assert re.match(r"Högst Årskurs \w+ \(", grades["layout"]["meta"]["summary"])
    # five for the drill-down, then where the change came from and the status × change grid
    assert len(at.get("plotly_chart")) == 7


def test_bun_page_draws_the_goal_targets_on_the_goals_population_only(app_env, demo_wh):
    """The BUN page opens on BUN's own (municipal) schools, the goal's population: the target
    lines are drawn from the baseline on, and the rows that are the goal's population and school
    year show the goal's exact figures. On all schools, no target line is drawn."""
    import json

    from metrics import attainment, goals

    def trend(at):
        return json.loads(at.get("plotly_chart")[0].proto.spec)

    at = page("pages/bun.py")
    targets = [t for t in trend(at)["data"] if t["name"].startswith("Målnivå")]
    assert sorted(t["name"] for t in targets) == ["Målnivå, grundskola", "Målnivå, gymnasieskola"]
    assert all(t["x"][0] == "2022/23" for t in targets)  # not before the baseline
    bun = attainment.evaluate_all(demo_wh, goals.load(ROOT / "config" / "goals.yaml"))[0]
    grund = next(t for t in trend(at)["data"] if t["name"] == "Grundskola")
    exact = {m.period: m.value * 100 for m in bun.parts[0].series}
    for x, y in zip(grund["x"], grund["y"], strict=False):
        if x in exact:
            assert y == pytest.approx(exact[x])  # the goal card's exact value, not a rounded one
    assert any("exakt" in c.value for c in at.caption)
    at.selectbox(key="huvudman").set_value("Alla").run()
    assert not [t for t in trend(at)["data"] if t["name"].startswith("Målnivå")]
    assert any("Målnivåerna visas bara" in c.value for c in at.caption)


def test_bun_page_from_a_link(app_env):
    at = page("pages/bun.py", period="höstterminen 2024", omrade="Söder", skolform="Grundskola")
    assert at.selectbox(key="period").value == "HT2024"
    assert [s.value for s in at.subheader][0] == "Söder: per skolenhet – höstterminen 2024"


def test_sn_page_year_changes_the_funnel(app_env):
    at = page("pages/sn.py")
    before = chart_titles(at)
    assert "Orosanmälningar 2026 t.o.m. oktober" in before  # the year in progress says so
    at.selectbox(key="ar").set_value("2019").run()
    assert "Orosanmälningar 2019 fr.o.m. augusti" in chart_titles(at)  # the data starts in August 2019
    at.selectbox(key="ar").set_value("2024").run()
    assert "Orosanmälningar 2024" in chart_titles(at)
    at.selectbox(key="kategori").set_value("Skola").run()
    assert "Orosanmälningar 2024, skola" in chart_titles(at)
    assert any(s.value == "Hög frånvaro ska minska med 20 procent bland barn med insatser" for s in at.subheader)


def test_steering_page_month_and_status_changes(app_env):
    at = page("pages/styrgrupp.py")
    assert [s.value for s in at.subheader] == ["Målen", "Nyckeltal", "Att följa upp – läget i dag", "Nämndernas analyser"]
    # the demo's overdue items and open decisions (from the registers), as of today
    due = next(h.proto.body for h in at.get("html") if "Post" in h.proto.body and "sv-table" in h.proto.body)
    assert "Framarbeta gemensamma juridiska ramverk" in due  # a recommendation not yet answered
    assert any("Öppna beslut" in m.value for m in at.markdown)
    # October 2026: the official status (2025/26) is unchanged; SN's preliminary result moved
    # from not met to partly met (September lacked a school-month)
    assert any("Ingen officiell status har ändrats" in m.value for m in at.success)
    moved = [m.value for m in at.info if "Preliminärt" in m.value]
    assert len(moved) == 1 and "Ej uppnått → Delvis uppnått" in moved[0], moved

    def goal_table() -> str:
        return next(h.proto.body for h in at.get("html") if "sv-table" in h.proto.body and "Grundskolan" in h.proto.body)

    goals_before = goal_table()
    assert "Grundskolan" in goals_before and 'data-label="Officiell status"' in goals_before  # stacks on a tablet
    # every row says whether its official status changed, and the preliminary result's direction
    assert goals_before.count('data-label="Ändrad">Nej<') == 4
    assert "↑ Bättre" in goals_before and "↓ Sämre" in goals_before  # SN better, gymnasieskola worse
    # September 2026: gymnasieskola's and SN's preliminary results moved (a signal, apart from the official)
    at.selectbox(key="manad").set_value("2026-09").run()
    assert any("Ingen officiell status har ändrats" in m.value for m in at.success)
    moved = [m.value for m in at.info if "Preliminärt" in m.value]
    assert len(moved) == 1 and "Gymnasieskolan" in moved[0] and "september" in moved[0], moved
    at.selectbox(key="manad").set_value("2026-06").run()
    assert not at.exception
    assert goal_table() != goals_before


def test_definitions_come_from_the_catalog_and_can_be_searched(app_env):
    at = page("pages/definitioner.py")
    labels = [e.label for e in at.expander]
    assert labels == [i.label for i in catalog.INDICATORS]
    at.text_input(key="sok").input("återkoppling").run()
    assert [e.label for e in at.expander] == ["Andel anmälningar från skolväsendet med återkoppling",
                                              "Dagar till återkoppling"]


def test_the_follow_up_page_adds_an_action_that_the_goal_card_shows(app_env):
    at = page("pages/uppfoljning.py")
    assert [s.value for s in at.subheader][:2] == ["Försenat och förfaller snart", "Åtgärder"]
    table = at.dataframe[0].value
    assert "Närvaroteam i årskurs 7–9 på skolorna i Väster och Kustbygden" in table["Åtgärd"].to_list()
    # no internal keys on screen: no key column, goals by their titles, the picker by titles
    assert "Nyckel" not in table.columns and "Mål (id)" not in table.columns
    assert "Andelen elever med hög frånvaro ska minska med minst två procentenheter" in table["Mål"].to_list()
    picker = at.selectbox(key="pick-atgarder")
    assert picker.options and all(not re.search(r"[0-9a-f]{12}", o) for o in picker.options)  # as shown
    # the goal is chosen from the goal file by its title, never typed
    goal = at.selectbox(key="form-atgarder-ny-goal_id")
    assert goal.options == [  # as shown
        "Andelen elever med hög frånvaro ska minska med minst två procentenheter",
        "Hög frånvaro ska minska med 20 procent bland barn med insatser"]
    goal.set_value("sn-hog-franvaro-insats")
    at.text_input(key="form-atgarder-ny-title").input("Läxhjälp i samverkan med fritidsgårdarna")
    at.selectbox(key="form-atgarder-ny-status").set_value("planerad")
    next(b for b in at.button if b.label == "Lägg till åtgärd").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    # the save is confirmed after the page has been drawn again
    assert [shown(s.value) for s in at.success if "Sparat" in s.value] == [
        "Sparat: åtgärd ”Läxhjälp i samverkan med fritidsgårdarna” är tillagd."]
    assert "Läxhjälp i samverkan med fritidsgårdarna" in at.dataframe[0].value["Åtgärd"].to_list()
    # the goal card on the Översikt lists it under Åtgärder
    at.switch_page("pages/overview.py").run()
    actions = " ".join(m.value for m in at.markdown)
    assert "Läxhjälp i samverkan med fritidsgårdarna" in shown(actions)
    # every register can be opened
    for name in ("uppdrag", "rekommendationer", "moten", "beslut", "handelser"):
        at.switch_page("pages/uppfoljning.py").run()
        at.segmented_control(key="register").set_value(name).run()
        assert not at.exception and len(at.dataframe[0].value) > 0, name


def test_without_a_browser_for_images_the_pages_say_so_and_keep_the_tables(app_env, monkeypatch):
    # the server's chromium is missing (here: BROWSER_PATH names nothing), as on a server where
    # ./scripts/run.sh could not install it
    monkeypatch.setenv("BROWSER_PATH", "/saknas/chromium")
    at = page("pages/bun.py")
    labels = [b.label for b in at.get("download_button")]
    assert "Data (Excel)" in labels and "Bild (PNG)" not in labels and "Bild (SVG)" not in labels
    said = [c.value for c in at.caption if c.value.startswith("Bildexport är inte tillgänglig")]
    assert len(said) == len(at.get("plotly_chart"))  # in each chart's download menu
    assert "./scripts/run.sh" in said[0] and "/saknas/chromium" in said[0]
    assert any(w.value.startswith("Bildexport är inte tillgänglig") for w in at.sidebar.warning)
    at.switch_page("pages/overview.py").run()
    assert "Word (.docx)" not in [b.label for b in at.get("download_button")]  # the brief needs the charts
    monkeypatch.delenv("BROWSER_PATH")
    at.run()
    assert "Word (.docx)" in [b.label for b in at.get("download_button")]


@pytest.mark.parametrize("path", ["pages/overview.py", "pages/bun.py", "pages/sn.py", "pages/styrgrupp.py",
                                  "pages/jamforelser.py", "pages/uppfoljning.py"])
def test_every_page_runs_on_the_published_figures(app_env, monkeypatch, path):
    # the session runs with exact counts (conftest); the product's default base 5 publishes sums
    # of school cells (DISCLOSURE.md, rule 3): every page must run on them and say so
    monkeypatch.setenv("SAMVERKAN_ROUNDING_BASE", "5")
    at = page(path)
    captions = " ".join(c.value for c in at.sidebar.caption)
    assert "avrundade till närmaste 5" in captions and "summan av skolenheternas avrundade antal" in captions
