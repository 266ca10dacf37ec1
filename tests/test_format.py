import plotly.graph_objects as go
import pytest

from metrics.attainment import Measure
from ui import charts
from ui import format as fmt


def test_swedish_numbers():
    assert fmt.pct(0.134) == "13,4 %"
    assert fmt.pct(0.15, 0) == "15 %"
    assert fmt.number(12345) == "12\xa0345"
    assert fmt.decimal(158.809) == "158,8"
    assert fmt.pp(-0.023) == "\u22122,3 procentenheter"  # the true minus sign
    assert fmt.signed_pct(-0.164) == "\u221216,4 %"
    # '..' means only "hidden by disclosure control"; a value that does not exist says so in words
    assert fmt.pct(None) == fmt.number(None) == "inga data"
    assert fmt.shown(None, True, fmt.pct) == ".." and fmt.shown(None, False, fmt.pct) == "inga data"
    assert fmt.shown(0.134, False, fmt.pct) == "13,4 %"
    assert fmt.indicator_value(0.5, "investigation_share") == "50,0 %"
    assert fmt.indicator_value(6104, "report_count") == "6\xa0104"


def test_goal_trend_figure():
    series = [Measure("2021/22", "läsåret 2021/22", 0.148, 148, 1000),
              Measure("2022/23", "läsåret 2022/23", None, None, None, suppressed=True),
              Measure("2023/24", "läsåret 2023/24", 0.117, 117, 1000)]
    fig = charts.goal_trend(series, 0.12)
    assert isinstance(fig, go.Figure)
    line, target = fig.data
    assert list(line.x) == ["2021/22", "2023/24"]  # the suppressed year is left out
    assert list(line.y) == pytest.approx([14.8, 11.7])
    assert list(target.y) == pytest.approx([12.0, 12.0]) and target.line.dash == "dash"
    assert fig.layout.separators == ",\u202f" and fig.layout.yaxis.ticksuffix == " %"


def test_a_change_short_of_the_target_never_reads_as_the_target():
    # -1.96 and -1.97 pp round to "-2,0" at one decimal, like the target of -2.0 pp
    assert fmt.distinct_from(-0.0196, -0.02, fmt.pp) == "\u22121,96 procentenheter"
    assert fmt.distinct_from(-0.0197, -0.02, fmt.pp) == "\u22121,97 procentenheter"
    assert fmt.distinct_from(-0.021, -0.02, fmt.pp) == "\u22122,1 procentenheter"  # one decimal suffices
    assert fmt.distinct_from(-0.02, -0.02, fmt.pp) == "\u22122,0 procentenheter"  # exactly on target
    assert fmt.distinct_from(-0.1996, -0.2, fmt.signed_pct) == "\u221219,96 %"


def test_a_change_that_reads_as_zero_has_no_sign():
    from ui import format as fmt

    assert fmt.pp(0.0004) == "0,0 procentenheter" and fmt.pp(-0.0004) == "0,0 procentenheter"
    assert fmt.pp(0.0006) == "+0,1 procentenheter" and fmt.pp(-0.023) == "\u22122,3 procentenheter"
    assert fmt.signed_pct(-0.0004) == "0,0 %" and fmt.signed_pct(-0.164) == "\u221216,4 %"
