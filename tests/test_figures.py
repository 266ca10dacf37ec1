"""Chart builders tested on their figures (fig.data), without Streamlit."""

from __future__ import annotations

import polars as pl
import pytest

from ui import charts, figures
from ui import format as fmt


def engine_frame(rows):
    return pl.DataFrame(rows, schema={"period": pl.String, "school_form": pl.String, "numerator": pl.Int64,
                                      "denominator": pl.Int64, "value": pl.Float64, "ci_low": pl.Float64,
                                      "ci_high": pl.Float64, "suppressed": pl.Boolean}, orient="row")


def test_trend_has_one_line_per_group_and_dashed_targets():
    df = engine_frame([
        ("2022/23", "grundskola", 140, 1000, 0.14, 0.12, 0.16, False),
        ("2023/24", "grundskola", 117, 1000, 0.117, 0.1, 0.13, False),
        ("2022/23", None, 300, 2000, 0.15, 0.13, 0.17, False),
        ("2023/24", None, None, None, None, None, None, True),
    ])
    fig = charts.trend_from_frame(df, "school_form", "Titel", targets={"grundskola": 0.12})
    line, target = fig.data  # the total rows are not drawn when there is a breakdown
    assert line.name == "Grundskola" and list(line.y) == pytest.approx([14.0, 11.7])
    assert list(line.error_y.array) == pytest.approx([2.0, 1.3])
    assert target.line.dash == "dash" and list(target.y) == pytest.approx([12.0, 12.0])
    assert fig.layout.title.text == "Titel" and fig.layout.yaxis.ticksuffix == " %"


def test_ranked_orders_largest_first_and_marks_suppressed():
    df = pl.DataFrame({"gender": ["flicka", "pojke", "annat", None], "value": [0.15, 0.20, None, 0.17],
                       "ci_low": [0.1, 0.15, None, 0.16], "ci_high": [0.2, 0.25, None, 0.18]})
    fig = charts.ranked_from_frame(df, "gender", "Per kön")
    dots, hidden = fig.data
    assert list(dots.y) == ["Annat kön", "Flickor", "Pojkar"]  # plotted bottom-up: largest at the top
    assert list(dots.x)[1:] == pytest.approx([15.0, 20.0])
    assert list(hidden.text) == [".."] and list(hidden.y) == ["Annat kön"]
    assert fig.layout.shapes[0].x0 == pytest.approx(17.0)  # the whole municipality


def test_school_funnel_numbers_every_school_in_swedish_order_with_a_plain_legend_and_key():
    df = pl.DataFrame({"school_name": ["Östra", "Alfa", "Ängen", "Berga"], "numerator": [60, 10, 12, None],
                       "denominator": [200, 100, 120, None], "value": [0.30, 0.10, 0.10, None],
                       "overall": [0.14] * 4, "position": ["över", "inom", "inom", "visas ej"]})
    fig, export, display = figures.school_funnel(df, "Skolor")
    names = [t.name for t in fig.data]
    assert "Tydligt högre än kommunen i stort" in names and "Skillnaden kan bero på slumpen" in names
    assert not any("%-gräns" in n or "förväntat" in n for n in names)  # no statistics jargon in the legend
    over = next(t for t in fig.data if t.name.startswith("Tydligt högre"))
    within = next(t for t in fig.data if t.name.startswith("Skillnaden"))
    # Swedish alphabetical order: Alfa 1, Berga 2, Ängen 3, Östra 4; every drawn school has its number
    assert list(over.text) == ["4"] and list(over.y) == pytest.approx([30.0])
    assert sorted(within.text) == ["1", "3"] and set(within.customdata) == {"Alfa", "Ängen"}
    assert display.columns[:2] == ["Nr", "Skolenhet"]
    assert display.rows()[0][:3] == ("1", "Alfa", "10,0 %") and display["Nr"].to_list() == ["1", "2", "3", "4"]
    assert display["Andel"].to_list() == ["10,0 %", "..", "10,0 %", "30,0 %"]
    assert export["Jämfört med kommunen"].to_list() == ["Skillnaden kan bero på slumpen", "Visas ej",
                                                        "Skillnaden kan bero på slumpen",
                                                        "Tydligt högre än kommunen i stort"]
    assert fig.layout.meta["footnote"] == "Skolornas nummer: 1 Alfa, 2 Berga, 3 Ängen, 4 Östra"
    assert charts.summary(fig) == ("3 skolor jämförda med hela kommunen (14,0 %): 1 tydligt högre än kommunen "
                                   "i stort (4 Östra) och 2 där skillnaden kan bero på slumpen. 1 värde visas "
                                   "inte (för få för att visas, eller saknas).")


def test_every_chart_has_a_one_sentence_summary_made_from_its_data():
    trend = charts.trend_from_frame(engine_frame([
        ("2022/23", "grundskola", 140, 1000, 0.14, 0.12, 0.16, False),
        ("2023/24", "grundskola", 117, 1000, 0.117, 0.1, 0.13, False),
        ("2022/23", "gymnasieskola", 190, 1000, 0.19, 0.17, 0.21, False),
        ("2023/24", "gymnasieskola", None, None, None, None, None, True),
    ]), "school_form", "Trend", targets={"grundskola": 0.12})
    assert charts.summary(trend) == ("Grundskola från 14,0 % (2022/23) till 11,7 % (2023/24), målnivå 12,0 %; "
                                     "gymnasieskola 19,0 % (2022/23). 1 värde visas inte (för få för att "
                                     "visas, eller saknas).")
    assert charts.alt_text(trend).startswith("Trend. Grundskola från 14,0 %")
    ranked = charts.ranked_shares(["Norr", "Söder", "Väster"], [0.15, 0.091, None], [None] * 3, [None] * 3,
                                  "Per område", reference=0.12)
    assert charts.summary(ranked) == ("Högst Norr (15,0 %), lägst Söder (9,1 %); hela kommunen 12,0 %. 1 värde "
                                      "visas inte (för få för att visas, eller saknas).")
    bars = charts.grouped_bars(["Skolfam", "TSI"], {"Barn med aktiv insats": [12345, 40],
                                                    "Nya insatser": [7, None]}, "Insatser", "Antal", percent=False)
    assert charts.summary(bars) == ("Barn med aktiv insats – Skolfam: 12\xa0345 och TSI: 40; Nya insatser – Skolfam: 7. "
                                    "1 värde visas inte (för få för att visas, eller saknas).")
    funnel = charts.report_funnel(["Inkomna anmälningar", "Utredning inleds"], [6104, None], "Tratt")
    assert charts.summary(funnel) == "Antal anmälningar i varje steg: inkomna anmälningar 6\xa0104 och utredning inleds visas inte."
    lines = charts.lines(["2024", "2025 t.o.m. oktober"], {"Per 1 000": [41.25, 39.0]}, "Per år", "Anmälningar per 1 000")
    assert charts.summary(lines) == "Anmälningar per 1 000 från 41,2 (2024) till 39 (2025 t.o.m. oktober)."


def test_distribution_bars_follow_the_band_order():
    dist = pl.DataFrame({"period": ["x"] * 4, "school_form": ["grundskola"] * 4,
                         "absence_band": ["0–15 %", "över 15–25 %", "över 25–50 %", "över 50 %"],
                         "numerator": [80, 10, 7, 3], "share": [0.8, 0.1, 0.07, None],
                         "suppressed": [False, False, False, True]})
    fig, export, display = figures.distribution(dist, "Fördelning")
    (bars,) = fig.data
    assert list(bars.x) == ["0–15 %", "över 15–25 %", "över 25–50 %", "över 50 %"]
    assert list(bars.y)[:3] == pytest.approx([80.0, 10.0, 7.0]) and bars.y[3] is None
    assert list(bars.text)[3] == ".."
    assert display["Andel"].to_list()[0] == "80,0 %"


def test_report_funnel_keeps_stage_order_and_swedish_numbers():
    df = pl.DataFrame({"stage": ["received", "assessed"], "label": ["Inkomna", "Bedömda"],
                       "count": [12345, None], "suppressed": [False, True]})
    fig, export, display = figures.report_funnel(df, "Tratt")
    (bars,) = fig.data
    assert list(bars.y) == ["Bedömda", "Inkomna"]  # received at the top
    assert list(bars.text) == ["..", "12\u202f345"]
    assert display["Antal anmälningar"].to_list() == ["12\xa0345", ".."]


def test_key_indicator_changes_are_in_percentage_points():
    df = pl.DataFrame({"indicator": ["high_absence_share", "report_count"], "label": ["Hög", "Antal"],
                       "format": ["percent", "integer"], "polarity": ["lower_better", "neutral"],
                       "value": [0.13, 597.0], "previous_month": [0.135, 616.0],
                       "same_month_last_year": [None, 572.0], "change_month": [-0.005, -19.0],
                       "change_year": [None, 25.0], "suppressed": [False, False]})
    export, display = figures.key_indicators(df)
    # a month without data says so in words; '..' is only ever a hidden value
    assert display.row(0) == ("Hög", "13,0 %", "13,5 %", "\u22120,5 p.e.", "inga data", "beräknas inte")
    assert display.row(1) == ("Antal", "597", "616", "\u221219", "572", "+25")


def test_goal_trend_exports_the_series_and_the_target():
    from metrics.attainment import GoalResult, Measure

    series = [Measure("2022/23", "läsåret 2022/23", 0.14, 140, 1000, 0.12, 0.16),
              Measure("2023/24", "läsåret 2023/24", None, None, None, suppressed=True)]
    r = GoalResult(id="g", committee=["BUN"], title="t", description="", indicator="high_absence_share",
                   target=None, status="no_data", progress=None, significant=None, on_track=None,
                   target_value=0.12, series=series)
    fig, export, display = figures.goal_trend(r, "Andel elever med hög frånvaro per läsår")
    assert fig.layout.title.text == "Andel elever med hög frånvaro per läsår"
    assert list(fig.data[0].y) == pytest.approx([14.0]) and list(fig.data[1].y) == pytest.approx([12.0, 12.0])
    assert export.row(0) == ("2022/23", 140, 1000, 0.14, 0.12, 0.16, 0.12, "nej")
    assert export.row(1) == ("2023/24", None, None, None, None, None, 0.12, "ja")
    assert display["Andel"].to_list() == ["14,0 %", ".."]


def test_annotations_are_drawn_at_their_school_year_and_shown_literally():
    from datetime import date

    from data.registers import Annotation
    from metrics.attainment import Measure
    from ui import charts, goal_text

    series = [Measure(f"{y}/{(y + 1) % 100:02d}", f"läsåret {y}/{(y + 1) % 100:02d}", 0.14, 140, 1000)
              for y in range(2019, 2026)]
    events = [Annotation(key="a", on=date(2023, 8, 21), text="Pilot <b>startar</b>"),
              Annotation(key="b", on=date(2024, 3, 1), text="Ny rutin"),  # spring 2024: school year 2023/24
              Annotation(key="c", on=date(2030, 1, 1), text="Utanför diagrammet")]
    marks = goal_text.school_year_marks(events)
    assert marks == {"2023/24": ["Pilot <b>startar</b>", "Ny rutin"], "2029/30": ["Utanför diagrammet"]}
    fig = charts.goal_trend(series, 0.12, "Test", marks=marks)
    assert [s.x0 for s in fig.layout.shapes] == ["2023/24"]  # the year outside the chart is left out
    (note,) = fig.layout.annotations
    assert note.text == "Pilot &lt;b&gt;startar&lt;/b&gt;<br>Ny rutin"  # user text is not markup


def test_a_part_of_a_year_is_not_drawn_on_the_line_of_whole_years(demo_wh):
    """The demo's reports run from August 2019 to October 2026: those two years have 5 and 10
    months of reports, and a line from 2019 to 2020, or from 2025 to 2026, would show a jump and a
    fall that are only the missing months."""
    from metrics import views

    df = views.reports_per_year(demo_wh, list(range(2019, 2027)))
    fig = figures.reports_per_year(df, "Orosanmälningar per 1 000 invånare 0–20 år")[0]
    whole, part = fig.data
    assert list(whole.x) == ["2019 fr.o.m. augusti", "2020", "2021", "2022", "2023", "2024", "2025",
                             "2026 t.o.m. oktober"]
    assert whole.y[0] is None and whole.y[-1] is None and all(v is not None for v in whole.y[1:-1])
    assert part.y[0] is not None and part.y[-1] is not None and all(v is None for v in part.y[1:-1])
    rates = dict(zip(df["period"], df["per_1000"], strict=True))
    assert charts.summary(fig) == (
        f"Hela år: från {fmt.decimal(rates['2020'])} (2020) till {fmt.decimal(rates['2025'])} (2025); del av år, "
        f"inte jämförbart med hela år: 2019 fr.o.m. augusti: {fmt.decimal(rates['2019'])}, "
        f"2026 t.o.m. oktober: {fmt.decimal(rates['2026'])}.")


def test_notes_say_rounded_only_when_the_counts_are():
    """Under rounding base 1 or an exact view no count is rounded, and the notes must not say so."""
    from ui import figures as fig
    from ui import tables as tab

    assert "månadsvärden och avrundade" in fig.key_legend(rounded=True)
    assert "och avrundade" not in fig.key_legend(rounded=False) and "månadsvärden," in fig.key_legend(rounded=False)
    assert tab.exact_rows_note(rounded=True).endswith("övriga antal är avrundade.")
    assert tab.exact_rows_note(rounded=False).endswith("övriga antal är också exakta.")


def test_the_report_funnel_leaves_room_for_the_longest_bars_label():
    """At tablet width the label outside a bar that filled the axis was cut ('8 3…' for 8 314)."""
    from ui import charts as ch

    fig = ch.report_funnel(["Inkomna anmälningar", "Förhandsbedömda"], [8314, 7427], "Orosanmälningar")
    low, high = fig.layout.xaxis.range
    assert low == 0 and high >= 8314 * 1.15
    empty = ch.report_funnel(["Inkomna anmälningar"], [None], "Orosanmälningar")
    assert tuple(empty.layout.xaxis.range) == (0, 1)


def test_a_chart_on_the_page_has_its_title_as_text_that_wraps():
    """Plotly never wraps a title (at tablet width it ran off the edge): the page shows the title
    as text above an untitled copy; the figure keeps it for images, the report and the brief."""
    from ui import charts

    title = "Hög frånvaro per område, läsåret 2025/26 – hela kommunen, kommunala skolor <b>x</b>"
    fig = charts.grouped_bars(["A", "B"], {"Andel": [0.1, 0.2]}, title, "Andel")
    text, shown = charts.on_screen(fig)
    assert text == title  # as written, not as plotly's escaped markup
    assert not shown.layout.title.text and shown.layout.margin.t == fig.layout.margin.t - 16
    assert shown.layout.meta["title"] == title and shown.layout.meta["summary"] == charts.summary(fig)
    # the figure keeps its title, and the chart's accessible name (show_chart gives the
    # original's) still begins with it
    assert fig.layout.title.text and charts.alt_text(fig).startswith(title)
    untitled = charts.grouped_bars(["A"], {"Andel": [0.1]}, "", "Andel")
    assert charts.on_screen(untitled) == ("", untitled)


def test_long_category_names_lie_beside_horizontal_bars():
    """At tablet width tilted long names under upright bars ran into each other and the legend
    ('Insatser per typ'): long names get horizontal bars, first at the top; short ones do not."""
    from ui import charts

    names = ["Skolfam", "Insats utan individuell behovsprövning", "TSI – tidiga samordnade insatser"]
    fig = charts.grouped_bars(names, {"Barn med aktiv insats": [10, 245, None], "Nya insatser": [5, 120, 3]},
                              "Insatser per typ", "Antal", percent=False)
    assert {t.orientation for t in fig.data} == {"h"}
    assert list(fig.data[0].y) == names and list(fig.data[0].x) == [10, 245, None]
    assert fig.layout.yaxis.autorange == "reversed" and fig.layout.xaxis.title.text == "Antal"
    assert list(fig.data[0].text) == ["", "", ".."]  # the hidden value is still marked
    short = charts.grouped_bars(["0–15 %", "över 50 %"], {"Grundskola": [0.8, 0.01]}, "Band", "Andel")
    assert short.data[0].orientation == "v" and list(short.data[0].x) == ["0–15 %", "över 50 %"]
