"""METRICS.md, generated from the indicator catalog (``python cli.py docs``).

The text of each indicator lives once, in ``metrics/catalog.py``; the dashboard's definitions
page and this document both read it. ``tests/test_docs.py`` fails when METRICS.md is stale.
"""

from __future__ import annotations

from metrics import catalog, suppression


def metrics_markdown() -> str:
    t = suppression.Thresholds()
    out = [
        "# Indicators (METRICS.md)",
        "",
        "Generated from `metrics/catalog.py` by `python cli.py docs`; do not edit by hand "
        "(a test fails when this file and the catalog disagree). The indicator texts are Swedish, "
        "as the dashboard shows them.",
        "",
        "## How every indicator is computed",
        "",
        "- **One code path** (`metrics/engine.py`): the source's rows for the period are filtered by "
        "the indicator's population and any user filters, grouped by the breakdown with all totals "
        "(`GROUP BY CUBE`), and the numerator and denominator are counted with "
        "`count(*) FILTER (WHERE denominator AND numerator)` and `count(*) FILTER (WHERE denominator)`.",
        "- **Periods**: month (`2024-09`), term (`HT2024` = 1 July–31 December, `VT2025` = "
        "1 January–30 June), school year (`2024/25` = HT2024 + VT2025), calendar year (`2024`), "
        "date range (`2024-01-01..2024-03-31`; goal evaluation only – published figures take "
        "standard periods, see `DISCLOSURE.md`). Absence is monthly: a month belongs to a period "
        "when its first day does. Dated facts belong to a period when their date lies in it.",
        "- **Absence** is summed per pupil over the whole period before any threshold is applied; "
        "monthly shares are never averaged and pupil-months never counted.",
        "- **Interval**: 95 % Wilson score interval for shares (`ci_low`, `ci_high`); none for "
        "counts, rates and means.",
        f"- **Suppression** (defaults; `SAMVERKAN_SUPPRESS_MIN_COUNT`, "
        f"`SAMVERKAN_SUPPRESS_MIN_DENOMINATOR`): a count from 1 to {t.min_count - 1} is not shown, 0 is "
        f"shown; a share or mean with a denominator below {t.min_denominator} is not shown. "
        "Secondary suppression (hiding further cells until no row or column of a table with totals "
        "has exactly one suppressed cell) applies only where rounding does not protect, i.e. with "
        "`SAMVERKAN_ROUNDING_BASE=1`. Suppressed values are null with `suppressed: true` "
        "(`..` in the dashboard). Suppression is decided on the exact counts.",
        "- **Rounding** (`SAMVERKAN_ROUNDING_BASE`, default 5): after suppression every published "
        "count – and a mean's sum of days – is rounded half up to a multiple of 5 "
        "(`5 * floor((2n + 5) / 10)`), and every value (share, rate, mean, change, interval) is "
        "computed from the rounded counts: a mean is the rounded sum over the rounded number of "
        "cases. Filters take one value each. Goal statuses are computed on exact counts. "
        "`cli.py metric … --exact` (and the dashboard's exact view for analysts, data stewards and "
        "the admin) gives exact counts with nothing hidden, marked as internal and logged. Why, and "
        "the limits: `DISCLOSURE.md`.",
        "- **Zero denominator**: no value (null), not an error.",
        "- **Coverage**: every row says how much of its period the data covers (`coverage`: "
        "`complete`, `partial` with `covered_from`/`covered_until`, or `none`). A period outside the "
        "data has no values (not 0 or −100 %); a partial one is labelled in charts and tables "
        "(\"2026 t.o.m. oktober\"); a change against the year before compares the same months and "
        "is not given against a year the data covers only partly. Absence has no school in July, so "
        "data from August covers a school year. Gaps inside the data (a missing month or school, a "
        "ledger ahead of the data) are found by `metrics/completeness.py` and named wherever a goal "
        "status is shown.",
        "- **One pupil, one unit**: a pupil is counted once per period across schools and school "
        "forms; school, form, grade and gender are those of the latest month in the period (in that "
        "month the school with the most scheduled time; on a tie the highest school id).",
        "- **Interventions and pupils**: `with_intervention` is true when the child had an "
        "intervention active at some time in the period; the filters `intervention_committee` and "
        "`intervention_type` choose which interventions count (they need an indicator or filter that "
        "uses `with_intervention`).",
        "",
        "## Goals",
        "",
        "- **Which indicators can carry a goal**: shares with a direction (lower or higher is better): "
        + ", ".join(f"`{i.name}`" for i in catalog.INDICATORS if i.goal_capable) + ". Counts, rates, "
        "means, changes and shares without a direction cannot; the goal file is refused, with the "
        "place and a hint, as it is for an unknown filter or value and for a target whose sign is no "
        "improvement.",
        "- **Official and preliminary**: the official status compares a complete school year (or "
        "term) with the baseline school year (or the same term of it), by default the last complete "
        "school year; the school year in progress is compared, term to date, with the same months of "
        "the baseline term and reported apart as preliminary. Only the months present in both "
        "periods are compared.",
        "- **Progress** = achieved change / required change, with exact fractions; `partly` from the "
        "configured threshold (0.5); a relative target on a zero baseline has no status. `on_track` "
        "needs three school years from the baseline and never uses data after the evaluated period.",
        "",
        "## Sources",
        "",
    ]
    for s in catalog.SOURCES.values():
        dims = ", ".join(f"`{d}`" for d in s.dims)
        out += [f"### `{s.name}` – {s.unit}", "", s.description, "", f"Breakdowns: {dims}.", ""]
    out += ["## Indicators", ""]
    for ind in catalog.INDICATORS:
        out += [
            f"### `{ind.name}` – {ind.label}",
            "",
            ind.definition,
            "",
            f"- Kind: `{ind.kind}` ({ind.spec.text}); unit: {ind.unit}; "
            f"polarity: {catalog.POLARITIES[ind.polarity]}",
            f"- Source: `{ind.source}`; breakdowns: {', '.join(f'`{d}`' for d in ind.dims)}",
            f"- Population: {ind.population}",
            f"- Numerator: {ind.numerator_text}",
            f"- Denominator: {ind.denominator_text}",
            f"- Computed as: population `{ind.where}`; numerator `{ind.numerator}`; "
            f"denominator `{ind.denominator}`" + ("; children counted once (distinct)" if ind.distinct_children else ""),
            f"- Filters: {', '.join(f'`{f}`' for f in ind.filters)}",
            "- Goals: " + ("can carry a goal" if ind.goal_capable else
                           "cannot carry a goal (" + ("no direction" if ind.spec.goal_capable else
                                                      f"a {ind.kind.value}, not a share") + ")"),
        ]
        if ind.edge_cases:
            out.append(f"- Edge cases: {ind.edge_cases}")
        out.append("")
    return "\n".join(out)
