"""The integer-programming attacker: what can everything published say about a hidden cell?

For one child-level indicator, one unit (an area and its schools) and one window of time, the
attacker asks the engine for every table the product publishes about the unit and its parents
(the area by school, the municipality by area, school form and operator, each crossed with one
breakdown such as gender), for every period of the window (months, terms, the school year and the
calendar year), with the product's own suppression and rounding, plus the exact goal-level
figures. Where the engine publishes every figure as a sum of its source's cells (a school for
pupils, an area for reports and interventions: ``metrics.sums``,
``Rules.adds_up``, the default under the base 5), those sums tell nothing the cells do not, so
it takes the whole municipality's cells instead, with what a hidden cell adds to the sums
(``sums.known_parts``), and leaves out the years of reports and interventions (sums of their
terms). It then writes down what it knows as linear constraints
over unknown true counts:

* the unknowns are the counts of the smallest groups the tables can tell apart ("atoms": a school,
  or for places outside the unit one area × school form × operator), per breakdown value and per
  month (reports and interventions add up over months) or per period (pupils are counted once per
  period, so their periods are separate systems);
* a published count ``r`` (rounded to the base ``b``) says the true sum lies in
  ``[r − b//2, r + b//2]``; a published count is never 1 to ``min_count − 1`` (those are hidden),
  and a published share's denominator is 0 or at least ``min_denominator``; exact figures (the
  goals, or everything when the base is 1) are equalities;
* a share's numerator is at most its denominator in every atom; a mean's sum of days is a
  non-negative unknown, and a mean whose value is not the published sum over the published count
  (a value computed on exact counts) ties them: ``sum = value × count``;
* a hidden cell is only known to be non-negative (the attacker cannot tell why it is hidden).

A hidden cell that lies inside a published zero (a school with no pupil with high absence that
month, so none among its 1–4 pupils of another gender either) is zero for every reader by the
rules, which show zeros; it is not counted as disclosed.

Each hidden cell's numerator, denominator and complement (denominator − numerator) is then
bounded by integer linear programming (``scipy.optimize.milp``, HiGHS): the smallest and largest
true value consistent with all of it. The cell is *disclosed* when that range is a single value
or lies wholly within 1 to ``min_count − 1``. The truth (exact counts) is a feasible point by
construction, so the search only has to find a second one that leaves the cell ambiguous.

    .venv/bin/python -m bench.attacker [--db PATH] [--indicators a,b] [--areas A,B] [--years 2024,2025] [--levels]

runs the full sweep over every indicator, area, breakdown and window (``tests/test_disclosure.py``
runs a slice of it in CI). What it does not cover is listed in DISCLOSURE.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

from data.domain import absence
from data.warehouse import Warehouse
from metrics import catalog, engine, periods, sums, suppression

ADDITIVE_SOURCES = ("reports", "interventions_started", "interventions_ended")
PLACE_DIMS = ("area", "school", "school_form", "operator")
# Kinds whose counts the attacker models; a rate publishes the report count's numerator against
# public residents and a change the same count in two years: both are report_count's cells.
MODELLED_KINDS = ("share", "count", "mean")


@dataclass(frozen=True)
class Rules:
    """What the attacker knows about how figures are published (DISCLOSURE.md).

    ``additive``: whether every published figure is a sum of the published cells of its source
    (``metrics.sums``, ``catalog.Source.cells``; None: what the engine does, ``engine.adds_up``:
    under a base that protects, every indicator). A
    figure above the cells – an area, a school form, an operator, the municipality, a
    breakdown's total at those levels – then tells a reader nothing the cells do not, and its
    truth may lie further from it than half the base (stand-ins), so the attacker takes only the
    cells (each by breakdown value, and each one's total), every cell of the municipality as its
    own unknown, the period relations and the exact goal figures. A hidden cell's counts that
    are not 1-4 (a school's 300 pupils beside its 3 with high absence) go into the sums rounded,
    so the attacker knows them as published (``sums.known_parts``). Reports and interventions
    add up over time as well: a calendar or school year of them is the sum of its two published
    terms, so the attacker drops the years too."""
    base: int = 5
    min_count: int = 5
    min_denominator: int = 10
    additive: bool | None = None

    def adds_up(self, ind: catalog.Indicator) -> bool:
        if self.additive is not None:
            return self.additive
        return engine.adds_up(ind, True, self.base, suppression.Thresholds(self.min_count, self.min_denominator))


@contextlib.contextmanager
def env(**values: str) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)


def published(wh: Warehouse, rules: Rules, name: str, period, by=(), filters=None) -> pl.DataFrame:
    """What a reader gets: the engine under these publication settings."""
    with env(SAMVERKAN_ROUNDING_BASE=str(rules.base), SAMVERKAN_SUPPRESS_MIN_COUNT=str(rules.min_count),
             SAMVERKAN_SUPPRESS_MIN_DENOMINATOR=str(rules.min_denominator)):
        return engine.evaluate(wh, name, period, by=by, filters=filters)


def truth(wh: Warehouse, name: str, period, by=(), filters=None) -> pl.DataFrame:
    """Exact counts, nothing hidden (the settings that switch protection off)."""
    with env(SAMVERKAN_ROUNDING_BASE="1", SAMVERKAN_SUPPRESS_MIN_COUNT="1", SAMVERKAN_SUPPRESS_MIN_DENOMINATOR="1"):
        return engine.evaluate(wh, name, period, by=by, filters=filters)


# --- the window of time --------------------------------------------------------------------

def window(source: str, autumn_year: int, calendar_only: bool = False) -> list[list[periods.Period]]:
    """Groups of periods that are one system of constraints.

    Reports and interventions add up over months: one system with the 18 months from January of
    ``autumn_year`` to June of the next year, its terms, the calendar year and the school year
    (``calendar_only``: the calendar year's 12 months, its two terms and the year, for CI).
    Pupils (and children with an active intervention) are counted once per period: every period
    of the school year is its own system."""
    sy = periods.school_year(autumn_year)
    terms = [periods.term("VT", autumn_year), periods.term("HT", autumn_year), periods.term("VT", autumn_year + 1)]
    if source in ADDITIVE_SOURCES:
        months = [periods.month(autumn_year, m) for m in range(1, 13)]
        if calendar_only:
            return [[*months, *terms[:2], periods.calendar_year(autumn_year)]]
        months += [periods.month(autumn_year + 1, m) for m in range(1, 7)]
        return [[*months, *terms, periods.calendar_year(autumn_year), sy]]
    months = [periods.month(autumn_year, m) for m in range(8, 13)] + \
             [periods.month(autumn_year + 1, m) for m in range(1, 7)]
    return [[p] for p in (*months, terms[1], terms[2], sy)]


# --- the model -----------------------------------------------------------------------------

@dataclass
class Finding:
    label: str
    part: str  # numerator | denominator | complement
    true: int
    low: int
    high: int

    inside_zero: bool = False  # lies inside a published zero (every part of it is 0 by the rules)
    # zero by definition of the breakdown (``by_definition``): the complement of high absence in
    # the band 'över 50 %' (every pupil there has it), the numerator in '0–15 %'
    by_definition: bool = False

    @property
    def disclosed(self) -> bool:
        if self.inside_zero or self.by_definition:
            return False  # zero is shown as zero: what lies inside it is zero for everyone to see
        return self.low == self.high or (self.low >= 1 and self.high <= 4)


@dataclass
class Tally:
    models: int = 0
    published_cells: int = 0
    targets: int = 0  # hidden values bounded
    small_targets: int = 0  # of those, true value from 1 to 4
    solves: int = 0
    seconds: float = 0.0
    disclosed: list[Finding] = field(default_factory=list)
    ranges: list[Finding] = field(default_factory=list)  # every bounded target (for reports)

    def merge(self, other: Tally) -> None:
        for k in ("models", "published_cells", "targets", "small_targets", "solves", "seconds"):
            setattr(self, k, getattr(self, k) + getattr(other, k))
        self.disclosed += other.disclosed
        self.ranges += other.ranges


class Model:
    """Unknown true counts and the linear constraints that published figures put on them."""

    def __init__(self, atoms: list[dict], values: list[str | None], times: list[str], parts: Sequence[str]):
        self.atoms, self.values, self.times, self.parts = atoms, values, times, tuple(parts)
        self.index: dict[tuple, int] = {}
        for part in self.parts:
            for a in range(len(atoms)):
                for v in values:
                    for t in times:
                        self.index[(part, a, v, t)] = len(self.index)
        self.rows: list[dict[int, float]] = []
        self.low: list[float] = []
        self.high: list[float] = []
        self.upper = np.full(len(self.index), np.inf)

    def expression(self, part: str, where: dict, value: str | None, times: Sequence[str]) -> dict[int, float]:
        """The sum of the unknowns a published row counts: atoms matching ``where`` (place
        dimension -> value), one breakdown value (None: all of them), the given times."""
        atoms = [i for i, a in enumerate(self.atoms) if all(a.get(k) == v for k, v in where.items())]
        vals = self.values if value is None else [value]
        return {self.index[(part, a, v, t)]: 1.0 for a in atoms for v in vals for t in times
                if (part, a, v, t) in self.index}

    def add(self, expr: dict[int, float], low: float, high: float) -> None:
        if expr:
            self.rows.append(expr)
            self.low.append(low)
            self.high.append(high)

    def _matrix(self):
        if getattr(self, "_built", None) is None or self._built[0] != len(self.rows):
            r, cidx, data = [], [], []
            for k, row in enumerate(self.rows):
                for i, w in row.items():
                    r.append(k), cidx.append(i), data.append(w)
            a = coo_array((data, (r, cidx)), shape=(len(self.rows), len(self.index))).tocsr()
            self._built = (len(self.rows), a, np.array(self.low), np.array(self.high))
        return self._built[1:]

    def _run(self, target: dict[int, float], sense: int, low: float, high: float, integral: bool,
             free: np.ndarray | None = None):
        """One (mixed-)integer program over the model plus ``low <= target <= high``. With
        ``free``, every other unknown is held at its true value and taken out of the program
        (its share moved into the rows' bounds), so a local search is a small program."""
        from scipy.sparse import vstack

        n = len(self.index)
        a, lo, hi = self._matrix()
        t = np.zeros(n)
        for i, w in target.items():
            t[i] = w
        cols = np.arange(n) if free is None else np.flatnonzero(free)
        if free is not None:
            held = np.flatnonzero(~free)
            off = a[:, held] @ self.start[held]
            a = a[:, cols].tocsr()
            keep = np.diff(a.tocsr().indptr) > 0
            a, lo, hi = a[keep], (lo - off)[keep], (hi - off)[keep]
            shift = float(t[held] @ self.start[held])
            low, high = low - shift, high - shift
        tc = t[cols]
        row = coo_array((tc[tc != 0], (np.zeros(int((tc != 0).sum()), dtype=int), np.flatnonzero(tc))),
                        shape=(1, len(cols)))
        m = len(cols)
        return milp(sense * tc, integrality=np.ones(m) if integral else np.zeros(m),
                    bounds=Bounds(np.zeros(m), self.upper[cols]),
                    constraints=LinearConstraint(vstack([a, row]).tocsr(), np.append(lo, low), np.append(hi, high)),
                    options={"time_limit": 20, "presolve": True})

    def _coords(self) -> np.ndarray:
        if getattr(self, "_xyz", None) is None:
            keys = list(self.index)
            codes = [{v: i for i, v in enumerate(dict.fromkeys(k[j] for k in keys))} for j in (1, 2, 3)]
            self._xyz = np.array([[codes[j - 1][k[j]] for j in (1, 2, 3)] for k in keys])
        return self._xyz

    def feasible(self, target: dict[int, float], low: float, high: float) -> bool | None:
        """Whether some integer solution puts ``target`` within [low, high]; None: undecided.

        The search first lets only the unknowns on the target's lines move (those differing from
        it in at most one of atom, value and time), keeping every other unknown at its true
        value: a solution found there is a solution of the whole system, and the small search is
        fast. Only when it finds none is the whole system searched (a proof of infeasibility is
        only ever taken from the whole system)."""
        xyz = self._coords()
        varying = [j for j in range(3) if len(np.unique(xyz[:, j])) > 1]
        xyz = xyz[:, varying]
        mine = xyz[list(target)]
        near = np.zeros(len(xyz), dtype=bool)
        for m in np.unique(mine, axis=0):
            near |= (xyz == m).sum(axis=1) >= len(varying) - 1
        if near.sum() < len(xyz):
            res = self._run(target, 1, low, high, integral=True, free=near)
            if res.status == 0:
                return True
        res = self._run(target, 1, low, high, integral=True)
        if res.status == 0:
            return True
        if res.status == 2:
            return False
        return None

    def solve(self, target: dict[int, float], sense: int) -> float | None:
        """min (sense 1) or max (sense −1) of ``target`` over integers; None: no proof in time."""
        res = self._run(target, sense, -np.inf, np.inf, integral=True)
        return None if res.status != 0 else float(round(sense * res.fun))


def _common(a: tuple, b: tuple) -> int:
    """How many of (atom, value, time) two unknowns share."""
    return sum(x == y for x, y in zip(a, b, strict=True))


def _interval(r: int | float, rules: Rules, denominator: bool, kind: str) -> tuple[float, float]:
    """What a published count ``r`` says about the true one: within half the base, and (a count
    of children) never a value that would have been hidden instead.

    Example: base 5, min_count 5: 0 -> 0 (1 and 2 are hidden, not rounded to 0), 5 -> 5..7,
    10 -> 8..12; a share's denominator 10 -> 10..12 (under 10 is hidden)."""
    half = rules.base // 2
    low, high = max(0, r - half), r + half
    if kind == "mean" and not denominator:
        return low, high  # a sum of days: nothing is hidden for being small
    if r == 0:
        return 0, 0
    floor = rules.min_denominator if (denominator and kind in ("share", "mean")) else rules.min_count
    return max(low, floor), high


def _place(row: dict, filters: dict) -> dict:
    where = {k: v[0] for k, v in filters.items() if k in PLACE_DIMS}
    where.update({k: row[k] for k in PLACE_DIMS if k in row and row[k] is not None})
    return where


def _atoms(wh: Warehouse, ind: catalog.Indicator, area: str | None, ps: list[periods.Period], dim: str | None,
           times_of: dict[str, list[str]], extra: dict) -> tuple[list[dict], dict[tuple, int]]:
    """The smallest groups of units the published tables tell apart: each (area, school) pair
    that touches the unit (``area`` None: every pair in the municipality), and outside it one
    group per area, school form and operator; and the true value of every unknown (for the
    search's starting point, never as a constraint)."""
    dims = [d for d in ("area", "school", "school_form", "operator") if d in ind.dims]
    finest = sorted({t for ts in times_of.values() for t in ts})
    df = truth(wh, ind.name, finest, by=[*dims, *([dim] if dim else [])], filters=extra or None)
    df = df.drop_nulls(subset=[*dims, *([dim] if dim else [])])
    df = df.filter(pl.col("numerator").fill_null(0) + pl.col("denominator").fill_null(0) > 0)
    unit_schools = set(df.filter(pl.col("area") == area)["school"].to_list()) \
        if "school" in dims and area is not None else set()
    atoms: dict[tuple, dict] = {}
    values: dict[tuple, float] = defaultdict(float)
    for r in df.iter_rows(named=True):
        if area is None or r.get("area") == area or r.get("school") in unit_schools:
            key = tuple(r[d] for d in dims)
            atoms.setdefault(key, {d: r[d] for d in dims})
        else:
            key = ("rest", r.get("area"), r.get("school_form"), r.get("operator"))
            # many schools: never matched by a school filter
            atoms.setdefault(key, {**{d: r.get(d) for d in dims if d != "school"}, "school": None})
        for part in ("numerator", "denominator"):
            if r[part] is not None:
                values[(part, key, r[dim] if dim else None, r["period"])] += r[part]
    order = {k: i for i, k in enumerate(atoms)}
    return list(atoms.values()), {(p, order[k], v, t): x for (p, k, v, t), x in values.items()}


@dataclass(frozen=True)
class Goal:
    """A goal-level figure the committees see exactly: an indicator under filters."""
    indicator: str
    filters: tuple[tuple[str, str], ...]


def goal_figures(cfg) -> list[Goal]:
    """Every goal and part of the goal file as (indicator, single-valued filters): the figures
    the committees see exactly."""
    out = []
    for g in cfg.goals:
        for goal, parent in [(g, None), *((p, g) for p in g.parts)]:
            r = cfg.resolved(goal, parent)
            flt = {k: v for k, v in r.filter.items() if not isinstance(v, bool) and len(v) == 1}
            out.append(Goal(r.indicator, tuple(sorted((k, str(v[0])) for k, v in flt.items()))))
    return list(dict.fromkeys(out))


def attack(wh: Warehouse, name: str, area: str, dim: str | None, autumn_year: int, rules: Rules,
           goals: Sequence[Goal] = (), extra: dict | None = None, keep_ranges: bool = False,
           only: dict | None = None, calendar_only: bool = False) -> Tally:
    """Bound every hidden cell of ``name`` in ``area`` for one breakdown ``dim`` (None: totals
    only) over the window of ``autumn_year``. ``extra`` are filters every table carries (e.g.
    intervention_committee=sn for the SN goal's population); ``only`` bounds just the hidden
    cells of one place (e.g. ``{"school": "G013"}``), with everything else still known."""
    ind = catalog.get(name)
    tally = Tally()
    extra = dict(extra or {})
    place = [d for d in PLACE_DIMS if d in ind.dims]
    for group in window(ind.source, autumn_year, calendar_only):
        t0 = time.perf_counter()
        _attack_group(wh, ind, area, dim, group, rules, goals, extra, place, tally, keep_ranges, only or {})
        tally.seconds += time.perf_counter() - t0
    return tally


def _queries(ind: catalog.Indicator, area: str, dim: str | None, place: list[str],
             additive: bool = False) -> list[tuple[list[str], dict]]:
    d = [dim] if dim else []
    if additive:  # the cells of the whole municipality (Rules.adds_up: a school, or an area)
        return [(engine.cell_keys(ind) + d, {})]
    out = [(["school", *d] if "school" in place else d, {"area": [area]})]
    out.append(([p for p in ("area", "school_form", "operator") if p in place] + d, {}))
    return out


def _school_queries(wh, ind, area, dim) -> list[tuple[list[str], dict]]:
    """Reports carry their own area: a school's reports can lie in other areas, so each school
    of the unit is also asked for on its own."""
    if ind.source != "reports" or "school" not in ind.dims:
        return []
    schools = wh.sql("SELECT school_id FROM schools WHERE area = ?", params=[area])["school_id"].to_list()
    return [([dim] if dim else [], {"school": [s]}) for s in schools]


def _attack_group(wh, ind, area, dim, group, rules, goals, extra, place, tally, keep_ranges, only) -> None:
    kind = ind.kind
    adds_up = rules.adds_up(ind)
    thresholds = suppression.Thresholds(rules.min_count, rules.min_denominator)
    parts = {"share": ("numerator", "denominator"), "count": ("numerator",),
             "mean": ("numerator", "denominator")}[kind]
    additive = ind.source in ADDITIVE_SOURCES
    # a month of reports or interventions is published only in total (engine._check_public): with
    # a breakdown, the terms are the finest times, and a year is its two terms
    monthly = dim is None or ind.source == "pupils"
    group = [p for p in group if monthly or p.kind != "month"]
    if not group:
        return

    def finest(p: periods.Period) -> list[str]:
        if not additive:
            return [p.code]
        if monthly:
            return [m.code for m in _months(p)]
        return [q.code for q in ([p] if p.kind == "term" else engine.terms_of(ind, p))]

    times_of = {p.code: finest(p) for p in group}
    times = sorted({t for ts in times_of.values() for t in ts})
    atoms, true_x = _atoms(wh, ind, None if adds_up else area, group, dim, times_of, extra)
    if not atoms:
        return
    values = sorted({v for (_, _, v, _) in true_x}) if dim else [None]
    model = Model(atoms, values, times, parts)
    model.start = np.array([true_x.get(k, 0.0) for k in model.index])
    if kind == "share":  # numerator <= denominator in every atom, value and time
        for (part, a, v, t), i in model.index.items():
            if part == "numerator":
                model.add({i: 1.0, model.index[("denominator", a, v, t)]: -1.0}, -np.inf, 0)
    targets: dict[tuple, tuple[str, dict, dict]] = {}
    zeros: set[int] = set()  # unknowns inside a published zero
    tally.models += 1
    queries = _queries(ind, area, dim, place, adds_up)
    if not adds_up:
        queries += _school_queries(wh, ind, area, dim)
    for by, filters in queries:
        f = {**filters, **extra}
        pub = published(wh, rules, ind.name, group, by=by, filters=f or None)
        if adds_up:  # a figure above a school would be a sum of these: it adds nothing
            pub = pub.filter(pl.all_horizontal([pl.col(p).is_not_null() for p in engine.cell_keys(ind)]))
            if additive:  # and so would a year of reports or interventions: the sum of its two terms
                years = [p.code for p in group if p.kind in ("year", "school_year")]
                pub = pub.filter(~pl.col("period").is_in(years))
        tru = truth(wh, ind.name, group, by=by, filters=f or None)
        keys = ["period", *by]
        true_rows = {tuple(r[k] for k in keys): r for r in tru.iter_rows(named=True)}
        for r in pub.iter_rows(named=True):
            if r["coverage"] == "none":
                continue
            where = _place(r, f)
            value = r.get(dim) if dim else None
            ts = times_of[r["period"]]
            exprs = {p: model.expression(p, where, value, ts) for p in parts}
            label = f"{ind.name} {r['period']} {where} {dim}={value}"
            if r["suppressed"]:
                tr = true_rows.get(tuple(r[k] for k in keys))
                if tr is None:
                    continue
                if adds_up:  # what the hidden cell gives the sums above it, rounded
                    for p, known in sums.known_parts(kind, tr["numerator"], tr["denominator"], thresholds).items():
                        if known and p in parts and tr[p] is not None:
                            shown = rules.base * ((2 * int(round(tr[p])) + rules.base) // (2 * rules.base))
                            # a count of 1-4 would have been a stand-in: at least min_count
                            model.add(exprs[p], *_interval(shown, rules, False, "count"))
                if any(where.get(k) != v for k, v in only.items()):
                    continue
                key = tuple(sorted(exprs[parts[0]]))
                targets.setdefault(key, (label, exprs, tr))
                continue
            tally.published_cells += 1
            for p in parts:
                if r[p] is None:  # a mean's sum over no cases
                    continue
                lo, hi = _interval(r[p], rules, p == "denominator", kind)
                model.add(exprs[p], lo, hi)
                if hi == 0:
                    zeros.update(exprs[p])
            if kind == "mean" and r["value"] is not None and r["denominator"]:
                if abs(r["value"] - r["numerator"] / r["denominator"]) > 1e-9 * max(1.0, r["value"]):
                    # the value was computed on the exact counts: sum = value × count
                    tie = dict(exprs["numerator"])
                    for i in exprs["denominator"]:
                        tie[i] = tie.get(i, 0.0) - r["value"]
                    eps = 1e-6 * max(1.0, abs(r["value"])) * max(1, len(exprs["denominator"])) * 50
                    model.add(tie, -eps, eps)
    for g in goals:
        if g.indicator != ind.name:
            continue
        gf = dict(g.filters)
        if {k: v for k, v in gf.items() if k not in PLACE_DIMS} != {k: v[0] for k, v in extra.items()}:
            continue
        for p in group:
            if p.kind not in ("school_year", "term"):
                continue
            with env(SAMVERKAN_ROUNDING_BASE="1"):
                row = engine.evaluate(wh, ind.name, p, filters={k: [v] for k, v in gf.items()}, exact=True).row(0, named=True)
            where = {k: v for k, v in gf.items() if k in PLACE_DIMS}
            for part in parts:
                if row[part] is not None:
                    model.add(model.expression(part, where, None, times_of[p.code]), row[part], row[part])
    for label, exprs, tr in targets.values():
        # a hidden cell's count that the sums publish rounded (a school's 300 pupils beside its 3
        # with high absence) is a shown count, not a hidden one: rounding bounds it as it bounds
        # every shown count (DISCLOSURE.md, Limits)
        known = sums.known_parts(kind, tr["numerator"], tr["denominator"], thresholds) if adds_up else {}
        checks = [(p, exprs[p], tr[p]) for p in parts if tr[p] is not None and not known.get(p)]
        if kind == "share" and tr["numerator"] is not None and tr["denominator"] is not None \
                and not (known.get("numerator") and known.get("denominator")):
            comp = dict(exprs["denominator"])
            for i in exprs["numerator"]:
                comp[i] = comp.get(i, 0.0) - 1.0
            checks.append(("complement", comp, tr["denominator"] - tr["numerator"]))
        for part, expr, true in checks:
            if kind == "mean" and part == "numerator":
                continue  # a sum of days is not a count of children
            finding = _bound(model, expr, int(round(true)), label, part, tally, rules)
            if finding is not None:
                finding.inside_zero = set(expr) <= zeros
                finding.by_definition = by_definition(ind, dim, tr.get(dim) if dim else None, part)
                tally.targets += 1
                tally.small_targets += 1 <= finding.true < rules.min_count
                if finding.disclosed:
                    tally.disclosed.append(finding)
                if keep_ranges:
                    tally.ranges.append(finding)


def by_definition(ind: catalog.Indicator, dim: str | None, value: str | None, part: str) -> bool:
    """Whether a part of a cell is 0 by the definitions alone, for every reader: a share of pupils
    whose absence is more than T % (``absence.more_than_sql``) broken down by absence band has no
    pupil outside its numerator in a band wholly above T (the complement is 0) and none in it in a
    band wholly at or below T (the numerator is 0). Example: high_absence_share in 'över 50 %'."""
    threshold = absence.threshold_of(ind.numerator or "")
    if dim != "absence_band" or threshold is None:
        return False
    band = next((b for b in absence.BANDS if b.label == value), None)
    if band is None:
        return False
    if part == "complement":
        return band.above >= threshold
    if part == "numerator":
        return band.upto is not None and band.upto <= threshold
    return False


def _months(p: periods.Period) -> list[periods.Period]:
    return [periods.month(m.year, m.month) for m in p.months()]


def _bound(model: Model, expr: dict, true: int, label: str, part: str, tally: Tally, rules: Rules) -> Finding | None:
    """Whether the published figures leave ``expr`` ambiguous.

    The truth is feasible, so it is enough to find one other integer solution: for a true value
    of 1–4 one at 0 or at ``min_count`` or more, for any other value one that differs. Only a
    cell that stays pinned is bounded exactly (its smallest and largest value, for the report)."""
    if not expr:
        return None
    small = 1 <= true < rules.min_count
    # the side a witness is most often found on first (a small cell at 0, a large one below)
    sides = [(-np.inf, 0), (rules.min_count, np.inf)] if small else [(-np.inf, true - 1), (true + 1, np.inf)]
    for lo, hi in sides:
        tally.solves += 1
        if model.feasible(expr, lo, hi):
            return Finding(label, part, true, min(true, int(hi)) if np.isinf(lo) else true,
                           true if np.isinf(lo) else max(true, int(lo)))  # a witness: ambiguous
    # no witness (or none within the time limit: then counted as pinned, never as safe)
    tally.solves += 2
    low, high = model.solve(expr, 1), model.solve(expr, -1)
    return Finding(label, part, true, int(true if low is None else low), int(true if high is None else high))


# --- the sweep -----------------------------------------------------------------------------

def breakdowns(name: str) -> list[str | None]:
    ind = catalog.get(name)
    return [None, *(d for d in ind.dims if d not in PLACE_DIMS)]


def indicators() -> list[str]:
    return [i.name for i in catalog.INDICATORS if i.kind in MODELLED_KINDS]


def areas(wh: Warehouse) -> list[str]:
    return wh.sql("SELECT DISTINCT area FROM schools ORDER BY area")["area"].to_list()


def sweep(wh: Warehouse, names: Sequence[str], years: Sequence[int], rules: Rules, goals: Sequence[Goal],
          area_list: Sequence[str] | None = None, progress=None) -> Tally:
    total = Tally()
    for name in names:
        variants = [None]
        if any(g.indicator == name and any(k not in PLACE_DIMS for k, _ in g.filters) for g in goals):
            variants += [{k: [v] for k, v in g.filters if k not in PLACE_DIMS} for g in goals
                         if g.indicator == name and any(k not in PLACE_DIMS for k, _ in g.filters)]
        for extra in variants:
            for y in years:
                # the additive rule's model is the whole municipality at once
                for area in [None] if rules.adds_up(catalog.get(name)) else area_list or areas(wh):
                    for dim in breakdowns(name):
                        t = attack(wh, name, area, dim, y, rules, goals, extra)
                        total.merge(t)
                        if progress:
                            progress(name, extra, y, area, dim, t)
    return total


def main(argv: list[str] | None = None) -> int:
    from data import demo
    from metrics import goals as goal_config

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", help="warehouse (default: build the demo municipality in a temporary folder)")
    p.add_argument("--indicators", help="comma-separated indicator names (default: all modelled)")
    p.add_argument("--years", default="2024,2025", help="autumn years of the windows (default 2024,2025)")
    p.add_argument("--areas", help="comma-separated areas (default: all)")
    p.add_argument("--base", type=int, default=5, help="rounding base the product publishes with (default 5)")
    p.add_argument("--levels", action="store_true",
                   help="model every level as rounded on its own (the rule before metrics.sums; wrong for "
                        "figures that are sums, kept for base 1 and for comparison)")
    args = p.parse_args(argv)
    if args.db:
        wh = Warehouse(Path(args.db))
    else:
        import tempfile
        path = Path(tempfile.mkdtemp()) / "demo.duckdb"
        demo.build(path, demo.DemoSpec())
        wh = Warehouse(path)
    from data import settings
    cfg = goal_config.load(settings.goals_path())
    rules = Rules(base=args.base, additive=False if args.levels else None)
    names = args.indicators.split(",") if args.indicators else indicators()
    years = [int(y) for y in args.years.split(",")]

    def progress(name, extra, y, area, dim, t):
        print(f"{name:32} {str(extra or ''):36} {y} {area or 'kommunen':10} {str(dim):18} cells {t.published_cells:6} "
              f"hidden {t.targets:4} (1–4: {t.small_targets:3}) solves {t.solves:4} {t.seconds:6.1f} s "
              f"disclosed {len(t.disclosed)}", flush=True)
        for f in t.disclosed[:5]:
            print(f"    DISCLOSED {f.label} {f.part}: true {f.true}, range {f.low}–{f.high}", flush=True)

    total = sweep(wh, names, years, rules, goal_figures(cfg), args.areas.split(",") if args.areas else None, progress)
    print(f"\n{total.models} models, {total.published_cells} published cells, {total.targets} hidden values bounded "
          f"({total.small_targets} of them 1–4), {total.solves} solves, {total.seconds:.0f} s; "
          f"disclosed: {len(total.disclosed)}")
    return 1 if total.disclosed else 0


if __name__ == "__main__":
    sys.exit(main())
