"""One code path that turns any catalog indicator into numbers.

``evaluate(wh, "high_absence_share", "2024/25", by=["school_form"])`` returns a polars frame:
``period``, the breakdown columns (null = total; ``school_name`` beside ``school``),
``numerator``, ``denominator``, ``value``, ``ci_low``, ``ci_high`` (95 % Wilson, shares only) and
``suppressed``. Several periods can be evaluated in one query (``period`` may be a list).

Every breakdown comes with its totals (GROUP BY CUBE). Published figures under the base 5 are
sums of the source's published cells (``_published_sums``, ``metrics.sums``; DISCLOSURE.md, rule
3). Only aggregates leave this module.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from datetime import date

import polars as pl

from data import settings
from data.domain.absence import band_sql
from data.warehouse import Warehouse, has_term_to_date, pupil_pick, term_to_date_code
from metrics import catalog, completeness, periods, sums, suppression
from metrics.catalog import Indicator
from metrics.periods import Period, school_year_of

Filters = Mapping[str, Sequence[str] | bool]


# Pupils: periods that are whole terms, school years or a term to date (the preliminary goal
# comparisons' 'HT2025 t.o.m. november') are read from pupil_periods (summed at write time); other
# periods (months, other date ranges, calendar years) sum the monthly rows here.
# Both branches give the same columns: see test_engine's raw-versus-materialised test.
_PUPILS_RAW = """
_pm(period, month) AS (VALUES {rows}),
_m AS (
    -- an equi-join on the enumerated months, and a literal list DuckDB can prune row groups by
    SELECT _pm.period, a.pupil_key, a.school_id, a.grade, a.gender, a.month,
           a.scheduled_minutes, a.absent_minutes, a.invalid_absent_minutes, s.school_form
    FROM {absence} a
    JOIN _pm ON a.month = _pm.month
    JOIN schools s ON s.school_id = a.school_id
    WHERE a.month IN ({months})
),
_pu_raw AS (
    -- Sum each pupil's minutes over the whole period first; thresholds are applied later. One
    -- row per pupil: school, form, grade and gender by the school-move rule (``data.warehouse.pupil_pick``).
    SELECT period, pupil_key, pick.school_form, pick.school, pick.grade, pick.gender,
           scheduled, absent, invalid, n_invalid, n_months
    FROM (
        SELECT period, pupil_key, {pick} AS pick,
               sum(scheduled_minutes)::BIGINT AS scheduled, sum(absent_minutes)::BIGINT AS absent,
               sum(invalid_absent_minutes)::BIGINT AS invalid,
               count(invalid_absent_minutes) AS n_invalid, count(*) AS n_months
        FROM _m a GROUP BY period, pupil_key)
),"""

_ACTIVE = """
_act AS (
    SELECT DISTINCT _p.period, i.child_key
    FROM interventions i
    JOIN _p ON i.start_date <= _p.p_end AND (i.end_date IS NULL OR i.end_date >= _p.p_start)
    WHERE {which}
),"""
_NO_ACTIVE = """
_act AS (SELECT NULL::VARCHAR AS period, NULL::VARCHAR AS child_key WHERE false),"""

_PUPILS_UNIT = """
unit AS (
    SELECT _pu.*, s.area, s.operator, (_act.child_key IS NOT NULL) AS with_intervention,
           -- bands from data.domain.absence (exclusive below: exactly 15.0 % is in the lowest band)
           {band} AS absence_band
    FROM _pu
    JOIN schools s ON s.school_id = _pu.school
    LEFT JOIN _act ON _act.period = _pu.period AND _act.child_key = _pu.pupil_key
)""".replace("{band}", band_sql())

MATERIALISED_KINDS = ("term", "school_year")


def stored_code(p: Period, term_to_date: bool) -> str | None:
    """The pupil_periods code that holds the pupils' sums for ``p``, or None (sum the monthly
    rows). Pupil absence is monthly, so a range counts by its months: one whose months are the
    first months of a term is that term to date (``term_to_date``: the warehouse stores them,
    ``data.warehouse.has_term_to_date``), or the whole term. For example 2025-07-01..2025-11-30 and
    2025-07-01..2025-11-15 -> '2025-07-01..2025-11-30'; 2025-08-01..2025-11-30 -> None (no July)."""
    if p.only:
        return None
    if p.kind in MATERIALISED_KINDS:
        return p.code
    ms = p.months()
    if not (term_to_date and p.kind == "range" and ms):
        return None
    term = periods.term_of(ms[0])
    whole = term.months()
    if ms != whole[:len(ms)]:
        return None
    return term.code if len(ms) == len(whole) else term_to_date_code(term.start, ms[-1])


def _all_years(table: str, years: Iterable[int]) -> str:
    return table


def _pupils_sql(ps: Sequence[Period], materialised: bool, with_intervention: str | None,
                term_to_date: bool = False, source: Callable[[str, Iterable[int]], str] = _all_years) -> str:
    """``with_intervention``: the SQL condition on interventions that make a pupil 'with
    intervention' (None: the join is not needed). ``materialised``: read pupil_periods where it
    holds the period (``stored_code``); ``term_to_date``: it holds terms to date too.
    ``source(table, school_years)``: the SQL to read a partitioned table's rows of those school
    years from (``Warehouse.source``; default the whole table)."""
    codes = {p: stored_code(p, term_to_date) for p in ps} if materialised else {}
    stored = [p for p in ps if codes.get(p)]
    raw = [p for p in ps if p not in stored]
    ctes, branches = [], []
    if raw:
        pairs = [(p.code, m) for p in raw for m in p.months()] or [(raw[0].code, None)]
        rows = ", ".join(f"('{code}', DATE '{m.isoformat()}')" if m else f"('{code}', NULL::DATE)"
                         for code, m in pairs)
        months = ", ".join(sorted({f"DATE '{m.isoformat()}'" for _, m in pairs if m})) or "NULL"
        pick = pupil_pick("a.school_form")  # in _m the school form is a column of the alias a
        absence = source("absence", {school_year_of(m).start.year for _, m in pairs if m})
        ctes.append(_PUPILS_RAW.format(rows=rows, months=months, pick=pick, absence=absence))
        branches.append("SELECT * FROM _pu_raw")
    cols = "pupil_key, school_form, school, grade, gender, scheduled, absent, invalid, n_invalid, n_months"
    if same := [p for p in stored if codes[p] == p.code]:
        branches.append(f"SELECT period, {cols} FROM {source('pupil_periods', {school_year_of(p.start).start.year for p in same})} "
                        f"WHERE period IN ({', '.join(repr(p.code) for p in same)})")
    for p in stored:
        if codes[p] != p.code:  # a range read under its stored code
            branches.append(f"SELECT '{p.code}' AS period, {cols} "
                            f"FROM {source('pupil_periods', [school_year_of(p.start).start.year])} WHERE period = '{codes[p]}'")
    ctes.append("_pu AS (" + "\nUNION ALL\n".join(branches) + "),")
    # the join to interventions is only made when the indicator or a filter needs it
    ctes.append(_ACTIVE.format(which=with_intervention) if with_intervention else _NO_ACTIVE)
    return "".join(ctes) + _PUPILS_UNIT


_REPORTS = """
unit AS (
    -- as_of: the reports' data date (a report's 14 days have passed when received_date + 14 <= as_of)
    SELECT _p.period, r.* EXCLUDE (area, gender, school_id), {as_of} AS as_of,
           coalesce(r.area, s.area, 'okänt') AS area,
           coalesce(r.gender, 'okänt') AS gender,
           coalesce(r.school_id, 'okänd') AS school,
           coalesce(s.school_form, 'okänd') AS school_form,
           coalesce(s.operator, 'okänd') AS operator,
           CASE WHEN r.age IS NULL THEN 'okänd' WHEN r.age <= 5 THEN '0–5'
                WHEN r.age <= 12 THEN '6–12' WHEN r.age <= 15 THEN '13–15' ELSE '16–20' END AS age_band
    FROM reports r
    JOIN _p ON r.received_date BETWEEN _p.p_start AND _p.p_end
    LEFT JOIN schools s ON s.school_id = r.school_id
)"""

_INTERVENTIONS = """
unit AS (
    SELECT _p.period, i.* EXCLUDE (school_id),
           coalesce(i.school_id, 'okänd') AS school,
           coalesce(s.area, 'okänt') AS area,
           coalesce(s.school_form, 'okänd') AS school_form
    FROM interventions i
    JOIN _p ON {cond}
    LEFT JOIN schools s ON s.school_id = i.school_id
)"""

_INTERVENTION_COND = {
    "interventions_active": "i.start_date <= _p.p_end AND (i.end_date IS NULL OR i.end_date >= _p.p_start)",
    "interventions_started": "i.start_date BETWEEN _p.p_start AND _p.p_end",
    "interventions_ended": "i.end_date BETWEEN _p.p_start AND _p.p_end",
}

# coverage: 'complete' | 'partial' | 'incomplete' | 'none' (the data covers the period wholly,
# partly, wholly but with a school-month or month missing inside it that touches the row, not at
# all: no values then); covered_from / covered_until: where the data starts or ends inside a
# partial period (else null); missing: what the row lacks, in Swedish ('frånvarodata saknas för
# Granskolan, september 2026'), else null. See ``coverage`` and ``_missing``.
OUTPUT_COLUMNS = ("numerator", "denominator", "value", "ci_low", "ci_high", "suppressed", "coverage",
                  "covered_from", "covered_until", "missing")


_EXACT_VIEW: ContextVar[bool] = ContextVar("samverkan_exact_view", default=False)


@contextlib.contextmanager
def exact_view() -> Iterator[None]:
    """Within this block every evaluation gives exact counts with nothing hidden: the internal
    material of the analysts, data stewards and the admin ("Exakta värden – internt underlag,
    röjandekontrollera före publicering"). The caller checks the role and records the view in
    the audit log; the query space (standard periods, one value per filter) stays the same.

    Example: ``with engine.exact_view(): evaluate(wh, "investigation_share_all", "2014",
    by=["area"])`` gives Farsta's 808 of 1 424 (56,7 %) where the published table says 810 of
    1 425."""
    token = _EXACT_VIEW.set(True)
    try:
        yield
    finally:
        _EXACT_VIEW.reset(token)


@contextlib.contextmanager
def protected_view() -> Iterator[None]:
    """Within this block every evaluation is published figures again, even inside
    ``exact_view``: the committee brief is a public record and is always protected."""
    token = _EXACT_VIEW.set(False)
    try:
        yield
    finally:
        _EXACT_VIEW.reset(token)


class MetricError(ValueError):
    """A request the engine cannot answer (unknown breakdown or filter); Swedish message."""


def _interventions_counted(ind: Indicator, filters: Filters | None) -> str | None:
    """The condition on interventions that make a pupil 'with intervention', or None when
    neither the indicator nor a filter needs it. Values were checked against the catalog's code
    list (``_filter_sql``), so they are safe as literals.

    Example: ``{"intervention_committee": ["sn"]}`` -> ``i.committee IN ('sn')``."""
    chosen = [(ind.filter_spec(k), v) for k, v in (filters or {}).items()]
    chosen = [(f, v) for f, v in chosen if f is not None and f.intervention_column]
    if not ind.reads("with_intervention") and "with_intervention" not in (filters or {}) and not chosen:
        return None
    conds = [f"i.{f.intervention_column} IN ({', '.join(repr(str(x)) for x in v)})" for f, v in chosen if v]
    return " AND ".join(conds) or "TRUE"


def _unit_sql(source: str, ps: Sequence[Period], materialised: bool, with_intervention: str | None = "TRUE",
              as_of: str = "NULL::DATE", term_to_date: bool = False,
              tables: Callable[[str, Iterable[int]], str] = _all_years) -> str:
    if source == "pupils":
        return _pupils_sql(ps, materialised, with_intervention, term_to_date, tables)
    if source == "reports":
        return _REPORTS.format(as_of=as_of)
    return _INTERVENTIONS.format(cond=_INTERVENTION_COND[source])


def _term_to_date(wh: Warehouse, ind: Indicator) -> bool:
    """Whether the served warehouse stores the terms to date per pupil (False for one written by
    an earlier release until its next write)."""
    if ind.source != "pupils" or not wh.has_table("meta"):
        return False
    return wh.memo("term_to_date", lambda: has_term_to_date(wh))


def _as_of_sql(wh: Warehouse, ind: Indicator) -> str:
    """The source's data date as a SQL literal, for indicators that need it (the 14-day rule)."""
    if not ind.reads("as_of"):
        return "NULL::DATE"
    d = data_until(wh, ind.source)
    return f"DATE '{d.isoformat()}'" if d else "NULL::DATE"


def _periods_sql(ps: Sequence[Period]) -> str:
    rows = ", ".join(f"('{p.code}', DATE '{p.start.isoformat()}', DATE '{p.end.isoformat()}')" for p in ps)
    return f"_p(period, p_start, p_end) AS (VALUES {rows})"


def _filter_sql(ind: Indicator, filters: Filters | None) -> tuple[str, list]:
    """The WHERE condition and parameters of ``filters`` on the unit, after the catalog's filter
    rule (``catalog.filter_problems``, shared with the goal file): the first problem the engine
    cannot compute past is refused (``FilterProblem.refused_by_engine``)."""
    for problem in catalog.filter_problems(ind, dict(filters or {})):
        key = problem.key
        if not problem.refused_by_engine:
            continue
        if problem.kind == "unknown":
            raise MetricError(
                f"Indikatorn '{ind.name}' kan inte filtreras på '{key}'. "
                f"Möjliga filter: {', '.join(sorted(ind.filters))}.")
        if problem.kind == "interventions":
            raise MetricError(
                f"Filtret '{key}' väljer vilka insatser som räknas när det avgörs om en elev har en "
                f"insats, men indikatorn '{ind.name}' använder inte insatser. Lägg till filtret "
                f"with_intervention (sant) eller välj en indikator om barn med insats.")
        raise MetricError(f"Filtret '{key}' har okända värden ({', '.join(problem.bad)}). "
                          f"Möjliga: {', '.join(problem.allowed)}.")
    clauses, params = [], []
    for key, values in (filters or {}).items():
        spec = ind.filter_spec(key)
        if spec is not None and spec.intervention_column:
            continue  # applied to the interventions, not the unit (_interventions_counted)
        if isinstance(values, bool):
            clauses.append(f"{key} = ?")
            params.append(values)
            continue
        values = [str(v) for v in values]
        if not values:
            continue
        clauses.append(f"{key} IN ({', '.join('?' for _ in values)})")
        params.extend(values)
    return (" AND ".join(clauses) or "TRUE"), params


def _aggregates(ind: Indicator) -> tuple[str, str]:
    counted = "DISTINCT child_key" if ind.distinct_children else "*"
    return (ind.spec.numerator_sql(ind.numerator, f"({ind.denominator})", counted),
            ind.spec.denominator_sql(f"({ind.denominator})", counted))


def _counts_sql(wh: Warehouse, ind: Indicator, ps: Sequence[Period], by: Sequence[str],
                filters: Filters | None, materialised: bool = True, fixed: Sequence[str] = ()) -> tuple[str, list]:
    """The one query behind an indicator's counts, and its parameters (the filter values).

    ``fixed``: columns grouped without totals before the breakdown's CUBE (the cells of
    ``_published_sums``: ``GROUP BY period, area, school, …, CUBE(gender)``)."""
    where, params = _filter_sql(ind, filters)
    num_agg, den_agg = _aggregates(ind)
    cubed = [d for d in by if d not in fixed]
    select_dims = "".join(f"{d}, " for d in [*fixed, *cubed])
    group = "GROUP BY " + ", ".join(["period", *fixed] + ([f"CUBE({', '.join(cubed)})"] if cubed else []))
    sql = (
        f"WITH {_periods_sql(ps)}, "
        f"{_unit_sql(ind.source, ps, materialised and wh.has_table('pupil_periods'), _interventions_counted(ind, filters), _as_of_sql(wh, ind), _term_to_date(wh, ind), wh.source)}\n"
        f"SELECT period, {select_dims}{num_agg} AS numerator, {den_agg} AS denominator\n"
        f"FROM unit WHERE ({ind.where}) AND ({where})\n{group}"
    )
    return sql, params


_DENOMINATOR_NOTE = {
    "population": ["-- nämnare: invånare 0–20 år ur tabellen population för det år perioden börjar"],
    "previous_year": ["-- nämnare: samma fråga för samma period ett år tidigare"],
}


def explain(wh: Warehouse, name: str, period: str | Period | Sequence[str | Period], by: Sequence[str] = (),
            filters: Filters | None = None) -> str:
    """The SQL ``evaluate`` runs for these arguments, with its parameters, and what is done to the
    counts afterwards (an analyst who can read the query can trust the number)."""
    ind = catalog.get(name)
    ps = [periods.parse(p) for p in ([period] if isinstance(period, str | Period) else period)]
    by = list(dict.fromkeys(by))
    base = settings.rounding_base()
    t = suppression.Thresholds(*settings.suppression_thresholds())
    sums_of_cells = adds_up(ind, not _EXACT_VIEW.get(), base, t)
    if sums_of_cells:  # the cells (``_published_sums``), for each term of a year of reports
        keys = cell_keys(ind)
        qs = list(dict.fromkeys(q for p in ps for q in terms_of(ind, p)))
        sql, params = _counts_sql(wh, ind, qs, [d for d in by if d not in keys], filters, fixed=keys)
    else:
        sql, params = _counts_sql(wh, ind, ps, by, filters)
    out = [f"-- {ind.name}: {ind.label}", f"-- parametrar (?): {params}" if params else "-- inga parametrar", sql]
    out.extend(_DENOMINATOR_NOTE.get(ind.spec.denominator_source, []))
    if _EXACT_VIEW.get():
        out.append("-- sedan: inget döljs och inget avrundas (exakta värden – internt underlag, "
                   "röjandekontrollera före publicering)")
    elif sums_of_cells:
        place = "skolenhet" if "school" in cell_keys(ind) else "område"
        out.append(f"-- sedan, för varje cell (en {place}): undertryckning på de exakta antalen "
                   f"({t.min_count}, {t.min_denominator}), "
                   f"avrundning till närmaste {base}; varje rad över cellerna är summan av deras "
                   "publicerade värden (ett dolt antal med ett fast ersättningsvärde)"
                   + ("" if ind.source == "pupils" else ", ett år summan av dess två terminer")
                   + "; värdet ur de avrundade summorna (DISCLOSURE.md)")
    else:
        out.append(f"-- sedan: undertryckning på de exakta antalen ({', '.join(map(str, settings.suppression_thresholds()))}), "
                   f"avrundning till närmaste {base} och värdet ur de avrundade antalen "
                   "(DISCLOSURE.md)")
    return "\n".join(out)


def _counts(wh: Warehouse, ind: Indicator, ps: Sequence[Period], by: Sequence[str],
            filters: Filters | None, materialised: bool = True, fixed: Sequence[str] = ()) -> pl.DataFrame:
    sql, params = _counts_sql(wh, ind, ps, by, filters, materialised, fixed)
    df = wh.sql(sql, params=params or None)
    schema = {"period": pl.String, **{d: pl.String for d in [*fixed, *by]},
              "numerator": pl.Float64 if ind.spec.numerator_is_sum else pl.Int64, "denominator": pl.Int64}
    df = df.cast({k: v for k, v in schema.items() if k in df.columns})
    if fixed:  # cells: no grand total of their own
        return df
    return _with_totals(df, ind, ps, by)


def _with_totals(df: pl.DataFrame, ind: Indicator, ps: Sequence[Period], by: Sequence[str]) -> pl.DataFrame:
    schema = {"numerator": pl.Float64 if ind.spec.numerator_is_sum else pl.Int64}
    # Every requested period gets a grand-total row, also when it has no data (0 / 0).
    totals = pl.DataFrame({"period": [p.code for p in ps]}).with_columns(
        [pl.lit(None, pl.String).alias(d) for d in by])
    missing = totals.join(df.select("period", *by), on=["period", *by], how="anti", nulls_equal=True)
    if missing.height:
        fill = missing.with_columns(numerator=pl.lit(0, schema["numerator"]),
                                    denominator=pl.lit(0 if _counts_denominator(ind) else None, pl.Int64))
        df = pl.concat([df, fill.select(df.columns)], how="vertical")
    return df


def _counts_denominator(ind: Indicator) -> bool:
    """Whether the query itself counts a denominator (a share's or a mean's)."""
    return not ind.spec.denominator_sql("TRUE", "*").startswith("NULL")


def _population(wh: Warehouse, ps: Sequence[Period], by: Sequence[str],
                areas: Sequence[str] | None = None) -> pl.DataFrame:
    """Residents aged 0-20 per period (the calendar year the period starts), per area if asked;
    ``areas`` (a filter) restricts the total to those areas."""
    years = sorted({p.start.year for p in ps})
    pop = wh.sql(
        "SELECT year, area, sum(residents)::BIGINT AS residents FROM population "
        "WHERE age_from >= 0 AND age_to <= 20 AND year IN (SELECT unnest(?::INTEGER[])) "
        "GROUP BY year, area", params=[years])
    by_area = pop.filter(pl.col("area").is_not_null())
    whole = pop.filter(pl.col("area").is_null()).select("year", pl.col("residents").alias("whole"))
    if areas:  # the filtered areas' own residents, never the whole municipality's
        by_area = by_area.filter(pl.col("area").is_in(list(areas)))
        whole = whole.clear()
    summed = by_area.group_by("year").agg(pl.col("residents").sum().alias("summed"))
    total = (pl.DataFrame({"year": years}, schema={"year": pl.Int32})
             .join(whole.cast({"year": pl.Int32}), on="year", how="left")
             .join(summed.cast({"year": pl.Int32}), on="year", how="left")
             .select("year", pl.coalesce("whole", "summed").alias("residents"), pl.lit(None, pl.String).alias("area")))
    rows = pl.concat([by_area.cast({"year": pl.Int32}).select("year", "residents", "area"), total]) if "area" in by else total
    per_period = pl.DataFrame({"period": [p.code for p in ps], "year": [p.start.year for p in ps]},
                              schema={"period": pl.String, "year": pl.Int32})
    return per_period.join(rows, on="year", how="left").drop("year")


def _dim_label(name: str) -> str:
    """A breakdown's or filter's Swedish name for messages: 'reporter_category' -> 'anmälarkategori'."""
    dim = catalog.DIMENSIONS.get(name)
    return dim.label.lower() if dim else name


def _check_public(ind: Indicator, ps: Sequence[Period], filters: Filters | None, by: Sequence[str] = ()) -> None:
    """The query space for figures about children (DISCLOSURE.md): standard periods only, at
    most one value per filter (a hierarchy slice, never a free set of schools), and a month of
    reports or interventions only in total, by area (its cells by reporter category and the like
    are a handful each, and beside the term's they could narrow one down)."""
    months = [p.code for p in ps if p.kind == "month"]
    finer = [d for d in [*by, *(filters or {})] if d not in catalog.SOURCES[ind.source].cells]
    if ind.source != "pupils" and months and finer:
        raise MetricError(
            f"En månad ({', '.join(months)}) redovisas för orosanmälningar och insatser bara som total, per område – "
            f"inte per {', '.join(dict.fromkeys(_dim_label(d) for d in finer))}: en månads anmälningar i varje grupp "
            f"är för få och skulle "
            f"kunna jämföras med terminens så att enskilda barn avslöjas. Välj en termin (HT2024), ett läsår "
            f"(2024/25) eller ett kalenderår (2024) för uppdelningen.")
    ranges = [p.code for p in ps if p.kind == "range"]
    if ranges:
        raise MetricError(
            f"Datumintervall ({', '.join(ranges)}) redovisas inte för '{ind.name}': två överlappande "
            f"intervall skulle kunna avslöja enskilda barn. Ange en månad (2024-09), termin (HT2024), "
            f"ett läsår (2024/25) eller ett kalenderår (2024).")
    for key, values in (filters or {}).items():
        if not isinstance(values, bool) and len(list(values)) > 1:
            raise MetricError(
                f"Filtret '{key}' har flera värden ({', '.join(map(str, values))}). Filtrera på ett värde "
                f"i taget, eller dela upp på '{key}' med --by: egna urval av enheter kan jämföras så "
                f"att enskilda barn avslöjas.")


def adds_up(ind: Indicator, published: bool, base: int, t: suppression.Thresholds) -> bool:
    """Whether the published figures of ``ind`` are sums of its source's published cells
    (``metrics.sums``, ``catalog.Source.cells``): published figures under a base that protects a
    line on its own (``suppression.rounding_protects``). Children with an active intervention
    are counted once per area and added up over areas too: a child with interventions in two
    areas in a period counts in both (2 of 1 095 in the demo's spring term 2025)."""
    return published and suppression.rounding_protects(base, t) and bool(catalog.SOURCES[ind.source].cells)


def cell_keys(ind: Indicator) -> list[str]:
    """The place columns of the indicator's published cells: ['area', 'school', 'school_form',
    'operator'] for pupils, ['area'] for concern reports and interventions."""
    return list(catalog.SOURCES[ind.source].cells)


def _published_sums(wh: Warehouse, ind: Indicator, ps: Sequence[Period], by: Sequence[str],
                    filters: Filters | None, materialised: bool, span, cover, t: suppression.Thresholds,
                    base: int) -> pl.DataFrame:
    """The published table as sums of the source's cells (``catalog.Source.cells``): each school
    for pupils, each area for reports and interventions, by the breakdown's other columns with
    their totals, protected and rounded on the exact counts, then added up to every row the
    breakdown asks for (``metrics.sums``)."""
    keys = cell_keys(ind)
    cells = [d for d in by if d not in keys]
    parts = {p.code: terms_of(ind, p) for p in ps}
    qs = list(dict.fromkeys(q for p in ps for q in parts[p.code]))
    span_cover = {**cover, **{q.code: coverage(span, q, ind.source) for q in qs}}
    atoms = _counts(wh, ind, qs, cells, filters, materialised, fixed=keys)
    atoms = _denominators(wh, ind, qs, cells, filters, materialised, span, span_cover, atoms, fixed=keys)
    contributions = sums.contributions(atoms, ind.kind, t, base)
    # a year of reports or interventions is the sum of its two terms' published cells
    contributions = pl.concat([contributions.filter(pl.col("period") == q.code).with_columns(period=pl.lit(p.code))
                               for p in ps for q in parts[p.code]], how="vertical")
    df = sums.sums(contributions, ind.kind, [p.code for p in ps], by, cells, t, base)
    if ind.spec.denominator_source == "population":
        df = _denominators(wh, ind, ps, by, filters, materialised, span, cover, df)
    return _whole_years_only(ind, ps, span, cover, df)


def terms_of(ind: Indicator, p: Period) -> list[Period]:
    """The periods whose cells add up to ``p``'s: its two terms for a calendar or school
    year of reports or interventions (dated events: the terms, January-June and July-December,
    hold every day of the year once), else ``p`` itself (a pupil, or a child with an active
    intervention, is counted once a period, so they never add up over time).
    2024 -> [VT2024, HT2024]; 2024/25 -> [HT2024, VT2025]."""
    if ind.source == "pupils" or ind.distinct_children or p.only:
        return [p]
    if p.kind == "year":
        return [periods.term("VT", p.start.year), periods.term("HT", p.start.year)]
    if p.kind == "school_year":
        return list(periods.school_year_terms(p.start.year))
    return [p]


def _denominators(wh: Warehouse, ind: Indicator, ps: Sequence[Period], by: Sequence[str],
                  filters: Filters | None, materialised: bool, span, cover, df: pl.DataFrame,
                  fixed: Sequence[str] = ()) -> pl.DataFrame:
    """The denominator where it does not come from the query: residents (a rate; not for the
    cells, ``fixed``, whose sums are divided by them), or the same count a year earlier (a change)."""
    spec = ind.spec
    if spec.denominator_source == "population" and not fixed:
        return df.drop("denominator").join(
            _population(wh, ps, by, (filters or {}).get("area")).rename({"residents": "denominator"}),
            on=["period", *by], how="left", nulls_equal=True)
    if spec.denominator_source != "previous_year":
        return df
    # a period the data only partly covers is compared with the same months a year earlier
    # (2026 to October against January-October 2025), never with the whole earlier period
    prev = _previous(ps, cover)
    before = _counts(wh, ind, prev, by, filters, materialised, fixed).select(
        pl.col("period").replace_strict({q.code: p.code for p, q in zip(ps, prev, strict=True)}),
        *fixed, *by, pl.col("numerator").alias("denominator"))
    df = df.drop("denominator").join(before, on=["period", *fixed, *by], how="full",
                                     nulls_equal=True, coalesce=True)
    return df.with_columns(pl.col("numerator").fill_null(0), pl.col("denominator").fill_null(0))


def _previous(ps: Sequence[Period], cover) -> list[Period]:
    return [(p.clip(cover[p.code][2]) if cover[p.code][2] else p).shift_years(-1) for p in ps]


def _whole_years_only(ind: Indicator, ps: Sequence[Period], span, cover, df: pl.DataFrame) -> pl.DataFrame:
    """No change against a year the data does not wholly cover (2020 against 2019 from August)."""
    if ind.spec.denominator_source != "previous_year":
        return df
    prev = _previous(ps, cover)
    whole_before = [p.code for p, q in zip(ps, prev, strict=True) if coverage(span, q, ind.source)[0] == "complete"]
    return df.with_columns(denominator=pl.when(pl.col("period").is_in(whole_before)).then(pl.col("denominator")))


def evaluate(wh: Warehouse, name: str, period: str | Period | Sequence[str | Period],
             by: Sequence[str] = (), filters: Filters | None = None, *, suppress: bool = True,
             thresholds: suppression.Thresholds | None = None, materialised: bool = True,
             exact: bool = False, each_alone: bool = False) -> pl.DataFrame:
    """Evaluate indicator ``name`` for one or more periods, broken down by ``by`` with totals.

    Published figures (``exact=False``, every page, export and the CLI): standard periods and
    single-valued filters only, small counts suppressed on the exact counts, then every count –
    and a mean's sum of days – rounded to ``SAMVERKAN_ROUNDING_BASE`` and every value (share,
    rate, mean, change, interval) computed from the rounded counts. Where rounding protects a
    line (``suppression.rounding_protects``: the base 5) that is done to the source's cells (a
    school, or an area for reports and interventions) and every row above them is the sum of
    what the cells publish (``adds_up``, ``metrics.sums``); otherwise each row is rounded on its
    own, with secondary suppression. Inside ``exact_view()`` (internal material for entitled
    roles) the same query space gives exact counts with nothing hidden. ``exact=True`` is for goal
    evaluation only (whole school forms and the municipality, as the goal file defines them):
    exact counts, any period.

    ``materialised=False`` sums the monthly absence rows even for whole terms and school years
    (the reference the stored pupil_periods are tested against).

    ``each_alone=True`` (with ``exact=True``: goal parts) makes every row of the breakdown what a
    query filtered to its value would give: small-count suppression per row, none across rows
    (the parts are published one by one, never as a table with a total)."""
    ind = catalog.get(name)
    ps = [periods.parse(p) for p in ([period] if isinstance(period, str | Period) else period)]
    by = list(dict.fromkeys(by))
    bad = [d for d in by if d not in ind.dims]
    if bad:
        raise MetricError(
            f"Indikatorn '{name}' kan inte delas upp på {', '.join(bad)}. "
            f"Möjliga uppdelningar: {', '.join(ind.dims)}.")
    if not exact:
        if each_alone:
            raise MetricError("each_alone gäller bara målnivå (exact=True).")
        _check_public(ind, ps, filters, by)
    spec = ind.spec
    span = data_span(wh, ind.source)
    cover = {p.code: coverage(span, p, ind.source) for p in ps}
    internal = _EXACT_VIEW.get() and not exact
    base = 1 if exact or internal else settings.rounding_base()
    t = thresholds or suppression.Thresholds(*settings.suppression_thresholds())
    if adds_up(ind, suppress and not internal and not exact, base, t):
        # above the source's cells (a school), every published figure is a sum of the published cells
        df = _published_sums(wh, ind, ps, by, filters, materialised, span, cover, t, base)
        hidden = df["suppressed"]
        df = df.drop("suppressed")
    else:
        df = _counts(wh, ind, ps, by, filters, materialised)
        df = _denominators(wh, ind, ps, by, filters, materialised, span, cover, df)
        df = _whole_years_only(ind, ps, span, cover, df)
        hidden = pl.Series("suppressed", [False] * df.height, dtype=pl.Boolean)
        if suppress and not internal:  # decided on the exact counts
            hidden = suppression.flags(df, ind.kind, [] if each_alone else by, t, group_cols=["period"], base=base)
        # every value from the published counts: a value from exact counts beside rounded ones
        # would give the exact counts back (a mean's sum / mean = its number of cases)
        df = df.with_columns([suppression.rounded(pl.col(c), base) for c in spec.rounded])
    df = df.with_columns(spec.value())
    df = suppression.blank(df, hidden)
    # A period without any data has no value ('..'), not 0 or -100 %; a partial one says so.
    df = df.with_columns(
        coverage=pl.col("period").replace_strict({k: v[0] for k, v in cover.items()}, return_dtype=pl.String),
        covered_from=pl.col("period").replace_strict({k: v[1] for k, v in cover.items()}, return_dtype=pl.Date),
        covered_until=pl.col("period").replace_strict({k: v[2] for k, v in cover.items()}, return_dtype=pl.Date))
    none = pl.col("coverage") == "none"
    df = df.with_columns([pl.when(none).then(None).otherwise(pl.col(c)).alias(c)
                          for c in ("numerator", "denominator", "value", "ci_low", "ci_high")])
    df = _missing(wh, ind, ps, by, filters, df)
    if "school" in by:
        names = wh.sql("SELECT school_id AS school, school_name FROM schools")
        df = df.join(names, on="school", how="left").with_columns(
            school_name=pl.when(pl.col("school") == "okänd").then(pl.lit("Okänd skolenhet"))
            .otherwise(pl.col("school_name")))
    order = {p.code: i for i, p in enumerate(ps)}
    df = df.with_columns(pl.col("period").replace_strict(order, return_dtype=pl.Int32).alias("_o"))
    df = df.sort(["_o", *by], nulls_last=True).drop("_o")
    lead = ["period", *by] + (["school_name"] if "school" in by else [])
    return df.select(*lead, *OUTPUT_COLUMNS).cast({"denominator": pl.Int64})


# Breakdowns and filters that are attributes of a school: a gap in one school touches only the
# rows (and filtered totals) whose school it can be. Any other dimension (grade, gender, …)
# cannot tell, so a gap touches all its rows.
_SCHOOL_ATTRIBUTES = {"school": "school_id", "area": "area", "school_form": "school_form", "operator": "operator"}


def _missing(wh: Warehouse, ind: Indicator, ps: Sequence[Period], by: Sequence[str], filters: Filters | None,
             df: pl.DataFrame) -> pl.DataFrame:
    """Completeness on every row, not only on goals: the gaps of ``metrics.completeness`` (a
    school-month, or a whole month, missing inside the data's span) that touch a row's period
    and could hold the row's pupils or reports. Such a row gets ``missing`` (what is missing, in
    Swedish) and, when its period is otherwise wholly covered, ``coverage`` 'incomplete'.

    Example: Granskolan (Norr) lacks September 2026: the rows for 2026/27 of Granskolan, of
    area Norr, of grundskola and the total are marked; Söder's row and gymnasieskola's are not."""
    table = completeness.TABLE_OF_SOURCE[ind.source]
    gaps = [g for g in completeness.gaps(wh) if g.source == table and g.ledger_until is None]
    if gaps:
        schools = wh.memo("engine.school_attributes", lambda: {
            r["school_id"]: r for r in wh.sql("SELECT school_id, school_form, area, operator FROM schools")
            .iter_rows(named=True)})
        by_period = {p.code: p for p in ps}
        chosen = {k: set(map(str, v)) for k, v in (filters or {}).items()
                  if k in _SCHOOL_ATTRIBUTES and not isinstance(v, bool) and v}

        def could_hold(g, row: dict) -> bool:
            if g.school is None:  # a whole month is missing: every row
                return True
            attrs = schools.get(g.school, {})
            if any(str(attrs.get(_SCHOOL_ATTRIBUTES[k])) not in v for k, v in chosen.items()):
                return False
            return all(row[d] is None or row[d] == attrs.get(_SCHOOL_ATTRIBUTES[d])
                       for d in by if d in _SCHOOL_ATTRIBUTES)

        texts = []
        for row in df.select("period", *by).iter_rows(named=True):
            p = by_period[row["period"]]
            found = [g.text for g in gaps if p.start <= g.month <= p.end and (not p.only or g.month in p.only)
                     and could_hold(g, row)]
            texts.append("; ".join(dict.fromkeys(found)) or None)
        df = df.with_columns(missing=pl.Series(texts, dtype=pl.String))
    else:
        df = df.with_columns(missing=pl.lit(None, pl.String))
    return df.with_columns(coverage=pl.when((pl.col("coverage") == "complete") & pl.col("missing").is_not_null())
                           .then(pl.lit("incomplete")).otherwise(pl.col("coverage")))


def data_span(wh: Warehouse, source: str) -> tuple[date, date] | None:
    """The first and last date a source has data for (None: no data), once per served file.

    Absence: the first day of its first month to the last day of its last month; the ledger is
    not believed beyond the rows (a ledger later than the data is a gap, ``metrics.completeness``).
    Reports and interventions: from the first date to the last date or the ledger's date,
    whichever is later (no reports in the last days before a delivery is possible)."""
    def compute() -> tuple[date, date] | None:
        if source == "pupils":
            first, last = wh.fetchone("SELECT min(month), last_day(max(month)) FROM absence")
            return (first, last) if first else None
        if source == "reports":
            first, last = wh.fetchone("SELECT min(received_date), max(received_date) FROM reports")
            kind = "reports"
        else:
            first, last = wh.fetchone("SELECT min(start_date), greatest(max(start_date), max(end_date)) "
                                      "FROM interventions")
            kind = "interventions"
        if first is None:
            return None
        ledger = wh.fetchone("SELECT max(data_until) FROM import_ledger WHERE kind = ?", [kind])
        return first, max(d for d in (last, ledger[0] if ledger else None) if d is not None)
    return wh.memo(f"data_span.{source}", compute)


def data_until(wh: Warehouse, source: str) -> date | None:
    """The last date with data for a source: absence's last month end, reports' last receipt
    (or the ledger's date when later)."""
    span = data_span(wh, source)
    return span[1] if span else None


def coverage(span: tuple[date, date] | None, p: Period, source: str = "") -> tuple[str, date | None, date | None]:
    """How much of a period the data covers: (coverage, covered_from, covered_until).

    coverage is 'complete', 'partial' or 'none'; covered_from is the first date with data when
    the data starts inside the period, covered_until the last date when it ends inside it.
    Absence has no school in July, so data from August covers a school year starting in July.

    Example: reports from 2019-08-01 to 2026-10-31 -> 2019 is ('partial', 2019-08-01, None),
    2026 is ('partial', None, 2026-10-31), 2026-11 is ('none', None, None)."""
    if span is None or p.end < span[0] or p.start > span[1]:
        return "none", None, None
    start = p.start
    if source == "pupils" and start.month == 7 and start.day == 1:
        start = date(start.year, 8, 1)  # July is no school month
    first_month = date(span[0].year, span[0].month, 1)
    covered_from = span[0] if first_month > start else None
    covered_until = span[1] if p.end > span[1] else None
    if covered_from or covered_until:
        return "partial", covered_from, covered_until
    return "complete", None, None
