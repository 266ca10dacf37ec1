"""The data behind each dashboard view, assembled from the engine (aggregates only).

One function per chart or table, so that the pages stay thin, the data can be tested without
Streamlit, and the benchmark can time every page's data. Every count comes from
``engine.evaluate`` with suppression applied; nothing here subtracts one published number from
another (that could undo suppression).
"""

from __future__ import annotations

import contextvars
import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from data.warehouse import Warehouse
from metrics import attainment, catalog, completeness, engine, periods, stats
from metrics.goals import GoalConfig

Filters = Mapping[str, Sequence[str] | bool]


# --- the registry: each view registered once, for the engine, the precomputation and the page --

@dataclass(frozen=True)
class View:
    """A registered view: what the precomputation (metrics/precompute.py) and the dashboard's
    cache (ui/state.py) need to know about it besides the function itself.

    ``params`` are the view's positional parameters after ``wh`` (``cfg`` aside): they, with
    their defaults filled in, are the arguments a view is stored and cached under. A
    keyword-only parameter (``indicator=`` of ``absence_trend``) is for direct callers only.
    ``goals``: the view takes the goal configuration as ``cfg`` and its result depends on the
    goal file. ``exact``: an entitled role's exact view changes its figures (False for the
    choices in the filters, the file's dates and a goal's own figures, which are exact anyway).
    """
    name: str
    fn: Callable[..., Any]
    goals: bool
    exact: bool
    # What pages show of it before anyone touches a filter: one function per call, giving the
    # call's arguments from the pages' defaults (``Defaults``). The precomputation stores them at
    # every write. (): no page shows it first.
    first: tuple[Callable[[Defaults], tuple], ...] = ()

    @property
    def params(self) -> tuple[inspect.Parameter, ...]:
        return tuple(p for p in list(inspect.signature(self.fn).parameters.values())[1:]
                     if p.name != "cfg" and p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD)

    def args(self, *args: Any, **kwargs: Any) -> tuple:
        """The arguments of a call as stored and cached: every parameter of ``params`` in order,
        defaults filled in. ``share_by.args('intervention_coverage', ['2025/26'])`` ->
        ('intervention_coverage', ['2025/26'], None)."""
        sig = inspect.Signature(list(self.params))
        bound = sig.bind(*args, **kwargs)
        bound.apply_defaults()
        return tuple(bound.arguments[p.name] for p in self.params)

    def compute(self, wh: Warehouse, cfg: GoalConfig | None, *args: Any) -> Any:
        """The view from the engine, for arguments as ``args`` gives them (tuples, as a cache
        key holds them, are passed on as lists)."""
        named = {p.name: list(a) if isinstance(a, tuple) else a
                 for p, a in zip(self.params, args, strict=True)}
        return self.fn(wh, cfg=cfg, **named) if self.goals else self.fn(wh, **named)


REGISTRY: dict[str, View] = {}


def view(fn: Callable | None = None, *, goals: bool = False, exact: bool = True,
         first: Callable[[Defaults], tuple] | Sequence[Callable[[Defaults], tuple]] = ()):
    """Register a view under its function's name (used as ``@view`` or ``@view(goals=True)``);
    the function is returned unchanged, so direct callers and "go to definition" see it as is.
    A second view of the same name is an error, not a silent replacement.

    ``first``: the call a page makes before anyone touches a filter (or several, a tuple of
    them), as its arguments from the pages' defaults: ``first=lambda d: (d.school_year, d.bun)``;
    ``lambda d: ()`` for a view without arguments. The precomputation stores them at every write
    (``precompute.first_views``), so that a page's first request needs no engine."""
    def register(f: Callable) -> Callable:
        if f.__name__ in REGISTRY:
            raise ValueError(f"a view named {f.__name__!r} is already registered")
        calls = tuple(first) if isinstance(first, Sequence) else (first,)
        REGISTRY[f.__name__] = View(f.__name__, f, goals, exact, calls)
        return f
    return register(fn) if fn is not None else register


class NoData(LookupError):
    """A default the pages would choose does not exist yet (no complete school year, no month)."""


@dataclass(frozen=True)
class Defaults:
    """What the pages choose before anyone touches a filter (ui/filters.py): the latest complete
    school year, the newest calendar year and month, municipal schools, no area or school. A
    view's ``first`` builds its calls from these; one that needs a default the file lacks is
    left out (``NoData``)."""
    newest_school_years: tuple[str, ...]  # newest first, as ``school_years`` gives them
    newest_years: tuple[int, ...]
    newest_months: tuple[str, ...]

    @classmethod
    def of(cls, wh: Warehouse) -> Defaults:
        return cls(tuple(school_years(wh)), tuple(years(wh)), tuple(months(wh)))

    @staticmethod
    def _need(values: tuple) -> tuple:
        if not values:
            raise NoData
        return values

    @property
    def school_year(self) -> str:
        """The latest complete school year: '2025/26'."""
        return self._need(self.newest_school_years)[0]

    @property
    def school_years(self) -> list[str]:
        """Every complete school year, oldest first (a trend's periods)."""
        return sorted(self._need(self.newest_school_years))

    @property
    def year(self) -> str:
        """The newest calendar year: '2026'."""
        return str(self._need(self.newest_years)[0])

    @property
    def years(self) -> list[int]:
        """Every calendar year, oldest first."""
        return sorted(self._need(self.newest_years))

    @property
    def month(self) -> str:
        """The newest month: '2026-10'."""
        return self._need(self.newest_months)[0]

    @property
    def bun(self) -> dict:
        """The BUN pages' default place filters: municipal schools."""
        return BUN_DEFAULT_FILTERS


def registered(fn: Callable) -> View:
    """The registration of a view function (KeyError: not a registered view)."""
    v = REGISTRY[fn.__name__]
    if v.fn is not fn:
        raise KeyError(fn.__name__)
    return v


# --- what there is to choose from ----------------------------------------------------------

@view(exact=False, first=lambda d: ())
def schools(wh: Warehouse) -> pl.DataFrame:
    """The school register (public information: no pupil data)."""
    return wh.sql("SELECT school_id, school_name, school_form, area, operator FROM schools "
                  "ORDER BY area, school_name")


@view(exact=False, first=lambda d: ())
def areas(wh: Warehouse) -> list[str]:
    return schools(wh)["area"].unique().sort().to_list()


@view(exact=False, first=lambda d: ())
def dataset_info(wh: Warehouse) -> dict:
    """What the file holds, for the sidebar and every caption: meta, each source's first and last
    date as the rows say (a ledger promising more is a gap, listed apart) and the gaps."""
    spans = {kind: engine.data_span(wh, source) for kind, source in
             (("absence", "pupils"), ("reports", "reports"), ("interventions", "interventions_active"))}
    return {"meta": wh.meta(), "until": {k: s[1] if s else None for k, s in spans.items()},
            "from": {k: s[0] if s else None for k, s in spans.items()},
            "gaps": [g.text for g in completeness.gaps(wh)]}


def absence_span(wh: Warehouse) -> tuple[date | None, date | None]:
    first, last = wh.fetchone("SELECT min(month), last_day(max(month)) FROM absence")
    return first, last


@view(exact=False, first=lambda d: ())
def school_years(wh: Warehouse, *, complete_only: bool = True) -> list[str]:
    """School years with absence data, newest first (the one in progress only if asked)."""
    first, last = absence_span(wh)
    if first is None:
        return []
    sy = periods.last_complete_school_year(last) if complete_only else periods.school_year_of(last)
    out = []
    while sy.end >= first:
        out.append(sy.code)
        sy = sy.shift_years(-1)
    return out


@view(exact=False, first=lambda d: ())
def absence_periods(wh: Warehouse) -> list[str]:
    """School years and terms with absence data, newest first: 2025/26, VT2026, HT2025, …"""
    first, last = absence_span(wh)
    if first is None:
        return []
    out = []
    for code in school_years(wh, complete_only=False):
        sy = periods.parse(code)
        out.append(code)
        for term in (periods.term("VT", sy.end.year), periods.term("HT", sy.start.year)):
            if term.start <= last and term.end >= first:
                out.append(term.code)
    return out


@view(exact=False, first=lambda d: ())
def years(wh: Warehouse) -> list[int]:
    """Calendar years with concern reports, newest first."""
    first, last = wh.fetchone("SELECT min(received_date), max(received_date) FROM reports")
    if first is None:
        return []
    return list(range(last.year, first.year - 1, -1))


@view(exact=False, first=lambda d: ())
def months(wh: Warehouse) -> list[str]:
    """Months with any data, newest first, as '2026-10'."""
    first, last = wh.fetchone(
        "SELECT least(min(month), (SELECT min(received_date) FROM reports)), "
        "greatest(max(month), (SELECT max(received_date) FROM reports)) FROM absence")
    if first is None:
        return []
    out = []
    p = periods.month(last.year, last.month)
    while p.end >= first:
        out.append(p.code)
        p = p.shift_months(-1)
    return out


# --- barn- och utbildningsnämnden ----------------------------------------------------------

# What the BUN page opens on (ui/filters.py; the precomputed first views use it too): BUN's own,
# municipal schools, the population of its goal.
BUN_DEFAULT_FILTERS = {"operator": ["kommunal"]}

@view(first=lambda d: (d.school_years, d.bun))
def absence_trend(wh: Warehouse, school_year_codes: Sequence[str], filters: Filters | None = None, *,
                  indicator: str = "high_absence_share") -> pl.DataFrame:
    """The indicator per school year and school form (oldest first), with totals."""
    return engine.evaluate(wh, indicator, sorted(school_year_codes), by=["school_form"], filters=filters)


@view(first=(lambda d: (d.school_year, "area", d.bun), lambda d: (d.school_year, "gender", d.bun)))
def absence_breakdown(wh: Warehouse, period: str, dim: str, filters: Filters | None = None, *,
                      indicator: str = "high_absence_share") -> pl.DataFrame:
    return engine.evaluate(wh, indicator, period, by=[dim], filters=filters)


@view(first=lambda d: (d.school_year, d.bun))
def absence_distribution(wh: Warehouse, period: str, filters: Filters | None = None) -> pl.DataFrame:
    """Pupils per absence band and school form, with each band's share of the school form.

    The share is computed from published counts only (a suppressed count gives no share).
    """
    df = engine.evaluate(wh, "pupil_count", period, by=["school_form", "absence_band"], filters=filters)
    df = df.filter(pl.col("absence_band").is_null() | pl.col("absence_band").is_in(catalog.ABSENCE_BANDS))
    totals = df.filter(pl.col("absence_band").is_null()).select(
        "school_form", pl.col("numerator").alias("_total"))
    out = (df.filter(pl.col("absence_band").is_not_null())
           .join(totals, on="school_form", how="left", nulls_equal=True)
           .with_columns(share=pl.when(pl.col("_total") > 0).then(pl.col("numerator") / pl.col("_total")))
           .drop("_total"))
    order = {b: i for i, b in enumerate(catalog.ABSENCE_BANDS)}
    return out.with_columns(_o=pl.col("absence_band").replace_strict(order, return_dtype=pl.Int32)) \
        .sort("school_form", "_o", nulls_last=True).drop("_o")


def funnel_limits(p: float, n: int, z: float) -> tuple[float, float]:
    """Control limits for a share with n cases around the overall share p (normal approximation)."""
    half = z * math.sqrt(p * (1 - p) / n) if n > 0 else float("nan")
    return max(0.0, p - half), min(1.0, p + half)


Z_998 = 3.090232306167813  # two-sided 99.8 %


@view(first=lambda d: (d.school_year, d.bun))
def school_comparison(wh: Warehouse, period: str, filters: Filters | None = None, *,
                      indicator: str = "high_absence_share") -> pl.DataFrame:
    """Schools' shares with intervals and funnel limits around the overall share.

    ``position`` says whether a school lies above or below the 99.8 % funnel limit for its size
    ('över'/'under') or within it ('inom') — so a small school is not called an outlier on noise.
    Suppressed schools are kept with ``position`` 'visas ej'.
    """
    df = engine.evaluate(wh, indicator, period, by=["school"], filters=filters)
    overall = df.filter(pl.col("school").is_null())
    p = overall["value"][0] if overall.height else None
    rows = df.filter(pl.col("school").is_not_null())
    lo95, hi95, lo998, hi998, pos = [], [], [], [], []
    for r in rows.iter_rows(named=True):
        n = r["denominator"]
        if p is None or n is None or n == 0 or r["value"] is None:
            lo95.append(None), hi95.append(None), lo998.append(None), hi998.append(None)
            pos.append("visas ej")
            continue
        a, b = funnel_limits(p, n, stats.Z95)
        c, d = funnel_limits(p, n, Z_998)
        lo95.append(a), hi95.append(b), lo998.append(c), hi998.append(d)
        pos.append("över" if r["value"] > d else ("under" if r["value"] < c else "inom"))
    return rows.with_columns(
        overall=pl.lit(p, pl.Float64), limit95_low=pl.Series(lo95, dtype=pl.Float64),
        limit95_high=pl.Series(hi95, dtype=pl.Float64), limit998_low=pl.Series(lo998, dtype=pl.Float64),
        limit998_high=pl.Series(hi998, dtype=pl.Float64), position=pl.Series(pos, dtype=pl.String),
    ).sort("value", descending=True, nulls_last=True)


# --- socialnämnden -------------------------------------------------------------------------

FUNNEL_STAGES = (
    # (stage, Swedish label, indicator, which number, filter on the breakdown)
    ("received", "Inkomna anmälningar", "report_count", "numerator", None),
    ("assessed", "Förhandsbedömda", "investigation_share", "denominator", None),
    ("opened", "Utredning inleds", "investigation_share", "numerator", None),
    ("not_opened", "Utredning inleds ej", "report_count", "numerator", "utredning_inleds_ej"),
    ("ongoing", "Pågående utredning", "report_count", "numerator", "pagaende_utredning"),
    ("unassessed", "Ej bedömda ännu", "report_count", "numerator", "ej_bedomd"),
    ("within_14", "Bedömda inom 14 dagar", "assessment_within_14_days", "numerator", None),
    ("feedback", "Återkoppling till anmälare i skolväsendet", "feedback_share", "numerator", None),
)


@view(first=lambda d: (d.year, {}))
def report_funnel(wh: Warehouse, period: str, filters: Filters | None = None) -> pl.DataFrame:
    """The concern-report funnel: received → assessed → decision → within 14 days → feedback."""
    decisions = engine.evaluate(wh, "report_count", period, by=["decision"], filters=filters)
    by_decision = {r["decision"]: r for r in decisions.iter_rows(named=True)}
    cache: dict[str, dict] = {}
    rows = []
    for stage, label, name, field, decision in FUNNEL_STAGES:
        if decision is not None:
            r = by_decision.get(decision) or {"numerator": 0, "suppressed": False}
        else:
            if name not in cache:
                cache[name] = engine.evaluate(wh, name, period, filters=filters).row(0, named=True)
            r = cache[name]
        rows.append({"stage": stage, "label": label, "count": r[field] if not r["suppressed"] else None,
                     "suppressed": r["suppressed"]})
    return pl.DataFrame(rows, schema={"stage": pl.String, "label": pl.String, "count": pl.Int64,
                                      "suppressed": pl.Boolean})


@view(first=lambda d: (d.years,))
def reports_per_year(wh: Warehouse, year_list: Sequence[int], *,
                     filters: Filters | None = None) -> pl.DataFrame:
    """Reports per calendar year: count and per 1,000 residents aged 0-20."""
    ps = [str(y) for y in sorted(year_list)]
    count = engine.evaluate(wh, "report_count", ps, filters=filters).select(
        "period", pl.col("value").alias("reports"), pl.col("suppressed").alias("reports_suppressed"),
        "coverage", "covered_from", "covered_until")
    rate = engine.evaluate(wh, "report_rate_per_1000", ps,
                           filters={k: v for k, v in (filters or {}).items() if k == "area"}).select(
        "period", pl.col("value").alias("per_1000"), pl.col("denominator").alias("residents"))
    return count.join(rate, on="period", how="left")


@view(first=(lambda d: ("intervention_coverage", d.school_years, None),  # the SN page's trend
              lambda d: ("investigation_share", d.year, "reporter_category")))  # and its ranking
def share_by(wh: Warehouse, indicator: str, period: str | Sequence[str], dim: str | None = None, *,
             filters: Filters | None = None) -> pl.DataFrame:
    """An indicator for one period (or several), by one breakdown or none."""
    return engine.evaluate(wh, indicator, period, by=[dim] if dim else [], filters=filters)


@view(first=lambda d: (d.years,))
def quality_trend(wh: Warehouse, year_list: Sequence[int]) -> pl.DataFrame:
    """Per calendar year: share leading to investigation, assessed within 14 days, feedback."""
    ps = [str(y) for y in sorted(year_list)]
    frames = []
    for name in ("investigation_share", "assessment_within_14_days", "feedback_share", "meeting_share"):
        frames.append(engine.evaluate(wh, name, ps).with_columns(
            indicator=pl.lit(name), label=pl.lit(catalog.get(name).label)))
    return pl.concat(frames)


@view(first=lambda d: (d.year,))
def interventions_by_type(wh: Warehouse, period: str) -> pl.DataFrame:
    """Children with an active intervention and new interventions, per type."""
    active = engine.evaluate(wh, "interventions_active", period, by=["intervention_type"]).select(
        "intervention_type", pl.col("value").alias("children_active"), pl.col("suppressed").alias("active_suppressed"))
    started = engine.evaluate(wh, "interventions_started", period, by=["intervention_type"]).select(
        "intervention_type", pl.col("value").alias("started"), pl.col("suppressed").alias("started_suppressed"))
    return active.join(started, on="intervention_type", how="full", nulls_equal=True, coalesce=True) \
        .sort("intervention_type", nulls_last=True)


# --- the goals ----------------------------------------------------------------------------

@view(goals=True, exact=False, first=lambda d: (None,))
def goal_results(wh: Warehouse, cfg: GoalConfig, period: str | None) -> list[attainment.GoalResult]:
    """Every goal's result for a follow-up year (None: the latest), with its own exact figures
    (``attainment.evaluate_all``)."""
    return attainment.evaluate_all(wh, cfg, period)


# --- styrgruppen: monthly review -----------------------------------------------------------

@dataclass(frozen=True)
class KeyIndicator:
    name: str
    filters: tuple[tuple[str, tuple[str, ...] | bool], ...] = ()
    suffix: str = ""  # e.g. ' – Grundskolan (målets population)'

    @property
    def label(self) -> str:
        return catalog.get(self.name).label + self.suffix


GOAL_POPULATION = "målets population"

# The key indicators that are not a goal's: each on its own, whole population.
KEY_INDICATORS = (
    KeyIndicator("report_count"),
    KeyIndicator("investigation_share"),
    KeyIndicator("assessment_within_14_days"),
    KeyIndicator("feedback_share"),
    KeyIndicator("interventions_active"),
    KeyIndicator("interventions_started"),
)


def goal_key_indicators(cfg: GoalConfig | None) -> tuple[KeyIndicator, ...]:
    """One key indicator per goal without parts and per part, on the goal's own indicator and
    population (its resolved filter), so that what stands next to a goal counts the same
    pupils: 'Andel elever med hög frånvaro – Grundskolan (målets population)'."""
    if cfg is None:
        return ()
    out = []
    for r, part in cfg.leaves():
        if r.indicator:
            flt = tuple((k, v if isinstance(v, bool) else tuple(v)) for k, v in r.filter.items())
            out.append(KeyIndicator(r.indicator, flt, (f" – {r.goal.title}" if part else "") + f" ({GOAL_POPULATION})"))
    return tuple(out)


@view(goals=True, first=lambda d: (d.month,))
def key_indicators_month(wh: Warehouse, month_code: str, cfg: GoalConfig | None = None) -> pl.DataFrame:
    """Key indicators for a month, the month before and the same month a year earlier: first one
    per goal and part on the goal's population (``goal_key_indicators``; needs ``cfg``), then
    ``KEY_INDICATORS``. Published figures (suppressed and rounded), like every table.

    ``change_month`` and ``change_year`` are differences of values (shares: in fraction points);
    null where either value is missing or suppressed; ``*_suppressed`` say which value is hidden.
    """
    m = periods.parse(month_code)
    prev, last_year = m.shift_months(-1), m.shift_years(-1)
    ps = [m, prev, last_year]
    keys = (*goal_key_indicators(cfg), *KEY_INDICATORS)

    def one(k: KeyIndicator) -> pl.DataFrame:
        return engine.evaluate(wh, k.name, ps, filters={key: (v if isinstance(v, bool) else list(v))
                                                        for key, v in k.filters} or None)

    # Independent queries, run side by side (DuckDB releases the GIL; each thread gets its own
    # cursor). Each runs in a copy of the caller's context, so an exact view stays exact.
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = [pool.submit(contextvars.copy_context().run, one, k) for k in keys]
        frames = [f.result() for f in futures]
    rows = []
    for k, df in zip(keys, frames, strict=True):
        v = {r["period"]: r for r in df.iter_rows(named=True)}
        cur, pm, py = (v[p.code]["value"] if p.code in v else None for p in ps)
        hidden = [bool(v[p.code]["suppressed"]) if p.code in v else False for p in ps]
        rows.append({
            "indicator": k.name, "label": k.label, "format": catalog.get(k.name).format,
            "polarity": catalog.get(k.name).polarity,
            "value": cur, "previous_month": pm, "same_month_last_year": py,
            "change_month": cur - pm if cur is not None and pm is not None else None,
            "change_year": cur - py if cur is not None and py is not None else None,
            "suppressed": any(hidden), "value_suppressed": hidden[0], "previous_suppressed": hidden[1],
            "last_year_suppressed": hidden[2],
        })
    return pl.DataFrame(rows, schema={
        "indicator": pl.String, "label": pl.String, "format": pl.String, "polarity": pl.String,
        "value": pl.Float64, "previous_month": pl.Float64, "same_month_last_year": pl.Float64,
        "change_month": pl.Float64, "change_year": pl.Float64, "suppressed": pl.Boolean,
        "value_suppressed": pl.Boolean, "previous_suppressed": pl.Boolean, "last_year_suppressed": pl.Boolean})


@view(goals=True, exact=False, first=lambda d: (d.month,))
def goal_status_month(wh: Warehouse, cfg: GoalConfig, month_code: str, *,
                      now: list[attainment.GoalResult] | None = None) -> pl.DataFrame:
    """Every goal (and part) as of the end of a month and of the month before, with changes: the
    official status (which changes when a school year completes) and the preliminary result of
    the school year in progress (which moves month by month).

    ``now``: the goals already evaluated as of the month's end (``evaluate_all`` with that
    ``until``, series included), which are then not evaluated again; None evaluates them."""
    m = periods.parse(month_code)
    if now is not None and any(r.as_of != m.end for r in now):
        raise ValueError(f"the goal results given are not as of {m.end}")
    # The two evaluations are independent queries: run them side by side (DuckDB releases the
    # GIL; the warehouse hands each thread its own cursor).
    with ThreadPoolExecutor(max_workers=2) as pool:
        now_f = None if now is not None else pool.submit(contextvars.copy_context().run, attainment.evaluate_all,
                                                         wh, cfg, None, m.end)
        before_f = pool.submit(contextvars.copy_context().run, attainment.evaluate_all, wh, cfg, None,
                               m.shift_months(-1).end, False)
        now = attainment.frame(now if now_f is None else now_f.result())
        before = attainment.frame(before_f.result())
    joined = now.join(before.select("goal_id", pl.col("status").alias("status_before"),
                                    pl.col("current_value").alias("value_before"),
                                    pl.col("progress").alias("progress_before"),
                                    pl.col("preliminary_status").alias("preliminary_status_before"),
                                    pl.col("preliminary_value").alias("preliminary_value_before"),
                                    pl.col("preliminary_change").alias("preliminary_change_before"),
                                    pl.col("preliminary_difference").alias("preliminary_difference_before")),
                      on="goal_id", how="left")
    # preliminary_moved: how the preliminary value moved since the month before, in fraction
    # points (its direction, better or worse, follows the indicator's polarity)
    return joined.with_columns(
        status_changed=pl.col("status") != pl.col("status_before"),
        preliminary_changed=(pl.col("preliminary_status") != pl.col("preliminary_status_before")).fill_null(False),
        preliminary_moved=pl.col("preliminary_value") - pl.col("preliminary_value_before"))
