"""Engine frames turned into what people read: Swedish headings, labels and formatted values.

``export_frame`` keeps numbers numeric (for Excel/CSV); ``display_frame`` formats them as text
exactly as the page shows them (``13,4 %``, ``12 345``, ``..``).
"""

from __future__ import annotations

import html

import polars as pl

from metrics import catalog, periods
from ui import format as fmt

TOTAL = "Totalt"
NUMBER_HEADINGS = {"numerator": "Täljare", "denominator": "Nämnare", "value": "Värde",
                   "ci_low": "Konfidensintervall, nedre", "ci_high": "Konfidensintervall, övre"}


def period_label(code: str, coverage: str | None = "complete", covered_from=None, covered_until=None) -> str:
    """A period as shown in charts and tables, marked when the data covers it only partly:
    '2026 t.o.m. oktober', '2019 fr.o.m. augusti', '2026-11 (inga data)'."""
    if coverage == "none":
        return f"{code} (inga data)"
    if coverage != "partial":
        return code
    if covered_until is not None:
        return f"{code} t.o.m. {periods.MONTHS_SV[covered_until.month - 1]}"
    if covered_from is not None:
        return f"{code} fr.o.m. {periods.MONTHS_SV[covered_from.month - 1]}"
    return f"{code} (ofullständigt)"


def period_labels(df: pl.DataFrame) -> dict[str, str]:
    """Period code -> label for an engine frame (its coverage columns), e.g. for chart axes."""
    if "coverage" not in df.columns:
        return {}
    rows = df.select("period", "coverage", "covered_from", "covered_until").unique("period", keep="first")
    return {r["period"]: period_label(r["period"], r["coverage"], r["covered_from"], r["covered_until"])
            for r in rows.iter_rows(named=True)}


def with_period_labels(df: pl.DataFrame) -> pl.DataFrame:
    """The frame's period column replaced by labels that mark partial periods."""
    labels = period_labels(df)
    return df.with_columns(pl.col("period").replace(labels)) if labels else df


def dim_label(dim: str, value: str | None) -> str:
    if value is None:
        return TOTAL
    return catalog.VALUE_LABELS.get(dim, {}).get(value, value)


def _dims(df: pl.DataFrame) -> list[str]:
    return [c for c in df.columns if c in catalog.DIMENSIONS]


def labelled(df: pl.DataFrame) -> pl.DataFrame:
    """Breakdown codes replaced by Swedish labels, totals named 'Totalt'; school names used."""
    out = df
    for d in _dims(df):
        if d == "school" and "school_name" in df.columns:
            out = out.with_columns(pl.when(pl.col("school").is_null()).then(pl.lit(TOTAL))
                                   .otherwise(pl.col("school_name")).alias("school")).drop("school_name")
            continue
        mapping = catalog.VALUE_LABELS.get(d, {})
        out = out.with_columns(pl.col(d).replace(mapping).fill_null(TOTAL))
    return out


def export_frame(df: pl.DataFrame, indicator: str) -> pl.DataFrame:
    """Swedish headings, labels, numeric values (empty where suppressed) and 'Visas ej'."""
    ind = catalog.get(indicator)
    out = labelled(with_period_labels(df))
    keep = [c for c in out.columns if c in catalog.DIMENSIONS or c == "period"]
    nums = (["numerator", "denominator"] if ind.spec.table_counts else []) + ["value"] \
        + (["ci_low", "ci_high"] if ind.spec.interval else [])
    incomplete = "missing" in out.columns and out["missing"].is_not_null().any()
    exact = "exact" in out.columns and out["exact"].any()
    out = out.select(*keep, *nums, "suppressed", *(["missing"] if incomplete else []), *(["exact"] if exact else []))
    rename = {"period": "Period", "suppressed": "Visas ej", "missing": "Underlaget", "exact": "Exakt (målets värde)"}
    if exact:
        out = out.with_columns(pl.col("exact").replace_strict({True: "ja", False: "nej"}, return_dtype=pl.String))
    rename.update({d: catalog.DIMENSIONS[d].label for d in keep if d in catalog.DIMENSIONS})
    rename.update({c: NUMBER_HEADINGS[c] for c in nums})
    if not ind.spec.table_counts:  # the value is the count itself
        rename["value"] = ind.label
    return out.with_columns(pl.col("suppressed").replace_strict({True: "ja", False: "nej"},
                                                                 return_dtype=pl.String)).rename(rename, strict=False)


def percent_columns(indicator: str) -> tuple[str, ...]:
    ind = catalog.get(indicator)
    if ind.format != "percent":
        return ()
    return tuple(NUMBER_HEADINGS[c] for c in ("value", "ci_low", "ci_high"))


def display_frame(df: pl.DataFrame, indicator: str) -> pl.DataFrame:
    """Formatted text as the page shows it: '13,4 %', '12 345', '..' only for suppressed,
    'inga data' where the period has none; a row lacking a school-month says so in 'Underlaget'."""
    ind = catalog.get(indicator)
    out = labelled(with_period_labels(df))
    keep = [c for c in out.columns if c in catalog.DIMENSIONS]
    hidden = out["suppressed"].fill_null(False).to_list()
    # a trend's table says which period each row is (a single period is in the title)
    cols = {"Period": out["period"]} if out["period"].n_unique() > 1 else {}
    cols.update({catalog.DIMENSIONS[d].label: out[d] for d in keep})
    cols[ind.label] = [fmt.shown(v, h, lambda x: fmt.indicator_value(x, indicator))
                       for v, h in zip(out["value"], hidden, strict=True)]
    if ind.spec.interval:
        cols["Intervall (95 %)"] = [
            fmt.SUPPRESSED if h else f"{fmt.pct(lo)}–{fmt.pct(hi)}" if lo is not None and hi is not None else fmt.NO_DATA
            for lo, hi, h in zip(out["ci_low"], out["ci_high"], hidden, strict=True)]
    if ind.spec.table_counts:
        count = (lambda v: fmt.decimal(v, 0)) if ind.spec.numerator_is_sum else fmt.number
        cols["Täljare"] = [fmt.shown(v, h, count) for v, h in zip(out["numerator"], hidden, strict=True)]
        cols["Nämnare"] = [fmt.shown(v, h, fmt.number) for v, h in zip(out["denominator"], hidden, strict=True)]
    if "missing" in out.columns and out["missing"].is_not_null().any():
        cols["Underlaget"] = ["ofullständigt" if m else "" for m in out["missing"]]
    if "exact" in out.columns and out["exact"].any():
        cols["Avrundning"] = ["exakt, som målet" if e else "avrundat" for e in out["exact"]]
    return pl.DataFrame(cols)


RESPONSIVE_CSS = """<style>
.sv-table {border-collapse: collapse; width: 100%; font-size: 0.92rem;}
.sv-table th, .sv-table td {border-bottom: 1px solid #e6e6e6; padding: 6px 8px; text-align: left; vertical-align: top;}
.sv-table th {background: #f6f6f6; font-weight: 600;}
/* a tablet (820 px) and narrower: every row a card of label: value lines, no sideways scrolling */
@media screen and (max-width: 900px) {
  .sv-table thead {display: none;}
  .sv-table tr {display: block; border: 1px solid #dddddd; border-radius: 8px; margin: 0 0 10px; padding: 4px 8px;}
  .sv-table td {display: flex; gap: 8px; border: none; padding: 3px 0;}
  .sv-table td::before {content: attr(data-label); font-weight: 600; min-width: 42%; flex: 0 0 42%;}
}
@media print {
  .sv-table {font-size: 8.5pt; table-layout: auto;}
  .sv-table th, .sv-table td {padding: 3px 4px; word-break: normal; overflow-wrap: normal;}
}
</style>"""


def responsive_html(df: pl.DataFrame) -> str:
    """A display frame as an HTML table that wraps on screen and paper and turns into stacked
    cards at tablet width (every value is escaped)."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in df.columns)
    rows = []
    for r in df.iter_rows():
        cells = "".join(f'<td data-label="{html.escape(c)}">{html.escape(fmt.NO_DATA if v is None else str(v))}</td>'
                        for c, v in zip(df.columns, r, strict=True))
        rows.append(f"<tr>{cells}</tr>")
    return f'{RESPONSIVE_CSS}<table class="sv-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def with_goal_figures(df: pl.DataFrame, results, indicator: str, filters: dict, dim: str) -> pl.DataFrame:
    """Rows that are exactly a goal's population and period carry the goal's exact figures.

    A published table is rounded; a goal's own figures are exact (DISCLOSURE.md), and the same
    population and school year must not read 14,0 % on the goal card and 15,0 % in the table. A
    row matches a goal (or part) on ``indicator`` when ``filters`` plus the row's value of
    ``dim`` is the goal's filter and the row's period is in the goal's school-year series; its
    counts, value and interval are then the goal's, and ``exact`` is true (else false).

    Example: BUN's grundskola part (operator kommunal, school form grundskola): on the trend of
    municipal schools by school form, the grundskola rows of 2019/20–2025/26 become exact."""
    from metrics import attainment

    exact: dict[tuple[str, str], object] = {}
    for r in attainment.flatten(results):
        values = r.filter.get(dim)
        rest = {k: v for k, v in r.filter.items() if k != dim}
        if r.indicator != indicator or r.parts or not isinstance(values, list) or len(values) != 1 or rest != filters:
            continue
        for m in r.series:
            exact[(m.period, values[0])] = m
    rows = []
    for row in df.iter_rows(named=True):
        m = exact.get((row["period"], row.get(dim)))
        if m is not None and row.get("coverage") in ("complete", "incomplete"):
            row = {**row, "numerator": m.numerator, "denominator": m.denominator, "value": m.value,
                   "ci_low": m.ci_low, "ci_high": m.ci_high, "suppressed": m.suppressed, "exact": True}
        else:
            row = {**row, "exact": False}
        rows.append(row)
    return pl.DataFrame(rows, schema={**df.schema, "exact": pl.Boolean}) if rows else df.with_columns(
        exact=pl.lit(False))


def exact_rows_note(rounded: bool) -> str:
    """The note under a table with exact goal rows; ``rounded``: whether the other rows' counts
    are rounded (the published figures with a rounding base above 1, not an exact view)."""
    rest = "övriga antal är avrundade" if rounded else "övriga antal är också exakta"
    return ("Rader märkta ”exakt” är målets population och läsår och visas med målets exakta värden, "
            f"som på målkorten; {rest}.")
