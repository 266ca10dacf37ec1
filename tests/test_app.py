"""AppTest: every page renders on the demo data, and its filters change what is shown."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

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
    titles = [s.value for s in at.subheader]
    assert titles == [BUN_TITLE, SN_TITLE]
    html = " ".join(m.value for m in at.markdown)
    assert "Barn- och utbildningsnämnden" in html and "Socialnämnden" in html
    assert "Ej uppnått" in html and "Delvis uppnått" in html  # status as text, not only colour
    labels = [m.label for m in at.metric]
    assert {"Utgångsvärde", "Nuvarande", "Målnivå"} <= set(labels)
    assert any("Demodata – fiktiv kommun" in w.value for w in at.sidebar.warning)
    # the committees' analyses seeded with the demo are shown
    assert any(i.value.startswith("Demodata:") for i in at.info)


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
    assert any(i.value == "Ny analys från socialnämnden." for i in at.info)


def test_a_broken_goal_file_gives_a_friendly_message(app_env, tmp_path, monkeypatch):
    bad = tmp_path / "goals.yaml"
    bad.write_text("goals: [", encoding="utf-8")
    monkeypatch.setenv("SAMVERKAN_GOALS", str(bad))
    at = start()
    assert not at.exception
    assert any("Något gick fel" in e.value for e in at.error)
