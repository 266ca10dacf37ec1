"""A deterministic, fictional demo municipality ("Demodata – fiktiv kommun").

Everything is drawn from ``numpy.random.default_rng(seed)``: the same seed gives identical tables.
Sizes and ratios are calibrated to the figures in shared/DOMAIN.md (Helsingborg-sized, ~20,000
pupils; concern reports growing about 13 % a year, as Helsingborg's +65 % in five years and
Stockholm's +60 % in three; ~52 % of all reports and ~61 % of the school system's leading to an
investigation; preschool reports about a third of school reports). The goal story of the
Helsingborg 2025 audit is built in exactly:

* BUN (its own, municipal schools): high absence falls 2.3 pp in grundskola and gymnasieskola in
  2023/24 against the 2022/23 baseline (met), but grundskola is only 0.4 and 0.1 pp below
  baseline in 2024/25 and 2025/26 (not met). Independent schools are 1.5 pp lower throughout.
* SN: among F-9 pupils in municipal schools with an intervention of SN's own active, the share
  falls 16.4 % relative to baseline by 2025/26 against a target of -20 % (progress 0.82, partly).

To make those shares exact rather than subject to sampling noise, the pupils with high absence
are chosen per school year and stratum (exactly round(share x n) of them, by weighted sampling
so that grades 7-9, some areas and girls in upper grades have more), and each pupil's monthly
noise is normalised within blocks of months (Aug-Oct, Nov-Dec, Jan-Mar, Apr-Jun), so every term,
every school year and the in-progress autumn give each stratum exactly its share.

The demo also exercises the rules a real municipality's data trigger (see SMALL_SCHOOL_AREAS,
MOVER_SHARE, TERM_SWITCH_SHARE, GAP_MONTH): small schools, pupils who move school in both
directions between municipal and independent schools (a stratum is the school of the latest
month, so the school years stay exact), pupils whose high-absence status differs between terms,
and one school-month missing in the school year in progress.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import polars as pl

from data import demo_registers, external, store, warehouse
from data.domain import periods

DEMO_LABEL = "Demodata – fiktiv kommun"
MUNICIPALITY = "Demo kommun (fiktiv)"

# Share of pupils with more than 15 % absence per school year (keyed by the autumn year).
BUN_GRUNDSKOLA = {2019: 0.130, 2020: 0.142, 2021: 0.148, 2022: 0.140, 2023: 0.117,
                  2024: 0.136, 2025: 0.139, 2026: 0.138}
BUN_GYMNASIESKOLA = {2019: 0.195, 2020: 0.210, 2021: 0.215, 2022: 0.204, 2023: 0.181,
                     2024: 0.182, 2025: 0.180, 2026: 0.179}
# Independent schools' share is this much lower every year (they are outside both goals).
INDEPENDENT_OFFSET = 0.015
# Among F-9 pupils in municipal schools with an SN intervention active during the school year.
SN_INTERVENTION = {2019: 0.440, 2020: 0.450, 2021: 0.435, 2022: 0.420, 2023: 0.405,
                   2024: 0.378, 2025: 0.351, 2026: 0.353}

AREAS = ("Centrum", "Norr", "Söder", "Öster", "Väster", "Kustbygden", "Åsen", "Dalen",
         "Hamnen", "Slätten", "Skogen", "Bäcken")
# Relative absence level per area: the story has two areas clearly above the others.
AREA_FACTOR = (0.75, 0.85, 1.0, 1.1, 1.45, 1.7, 0.9, 1.2, 1.3, 0.8, 1.0, 1.15)
SCHOOL_NAME_STEMS = ("Björk", "Ek", "Lind", "Al", "Rönn", "Ask", "Hassel", "Lönn", "Sälg",
                     "Tall", "Gran", "Asp", "Idegran", "Hägg", "Oxel", "Vide", "Fläder", "Avenbok",
                     "Bok", "Alm", "Körsbär", "Kastanj", "Poppel", "Pil")

# Months of a school year and their length relative to a full month (holidays, half months).
SCHOOL_MONTHS = (8, 9, 10, 11, 12, 1, 2, 3, 4, 5, 6)
MONTH_FACTOR = {8: 0.45, 9: 1.0, 10: 0.9, 11: 1.0, 12: 0.7, 1: 0.8, 2: 0.9, 3: 1.0,
                4: 0.85, 5: 0.9, 6: 0.35}
# Noise is normalised within these blocks so that term and partial-autumn shares are exact.
MONTH_BLOCK = {8: 0, 9: 0, 10: 0, 11: 1, 12: 1, 1: 2, 2: 2, 3: 2, 4: 3, 5: 3, 6: 3}

REPORTER_WEIGHTS = {
    "skola": 0.15, "forskola": 0.05, "elevhalsa": 0.02, "polis": 0.30,
    "halso_och_sjukvard": 0.10, "socialtjanst": 0.12, "privatperson": 0.12, "anonym": 0.04,
    "annan": 0.10,
}
REPORTER_AGES = {  # (min, max) age of the child the category reports about
    "skola": (6, 19), "forskola": (1, 5), "elevhalsa": (6, 19), "polis": (8, 20),
}
INTERVENTION_COMMITTEE = {
    "skolsocialt_team": "gemensam", "skolfam": "gemensam", "starka": "sn", "tsi": "gemensam",
    "foraldraskapsstod": "sn", "narvaroteam": "bun", "sip": "gemensam",
    "utan_behovsprovning": "sn", "annan": "sn",
}
INTERVENTION_WEIGHTS = {
    "skolsocialt_team": 0.10, "skolfam": 0.03, "starka": 0.08, "tsi": 0.10,
    "foraldraskapsstod": 0.19, "narvaroteam": 0.12, "sip": 0.10, "utan_behovsprovning": 0.18,
    "annan": 0.10,
}
SCHOOL_AGE_ONLY = ("skolsocialt_team", "skolfam", "narvaroteam")

# The rules the demo must exercise (DOMAIN.md; issue 21), besides the goal story:
# * small schools: a village school ("Byskolan") in these areas takes SMALL_SCHOOL_WEIGHT of a
#   normal school's pupils (about 40), so its grades and genders are small groups;
SMALL_SCHOOL_AREAS = (1, 5)
SMALL_SCHOOL_WEIGHT = 0.06
# * school moves both ways: this share of children moves once during grundskola, in January,
#   from a municipal school to an independent one or to a municipal school in another area, or
#   from an independent school to the municipal schools of their area (the school-year rule then
#   counts them in the new school, the autumn term in the old one);
MOVER_SHARE = 0.03
# * high absence that differs between terms: in every stratum this share of the high-absence
#   pupils is low in the autumn and high in the spring, and as many others high in the autumn and
#   low in the spring, so the whole year's status (minutes summed first) differs from a term's;
TERM_SWITCH_SHARE = 0.05
# * a missing school-month: the first municipal grundskola has no rows for September of the
#   school year in progress (the preliminary result is flagged; no official goal year is touched).
GAP_MONTH = 9


@dataclass(frozen=True)
class DemoSpec:
    """Size and time span of a demo municipality. Defaults: Helsingborg-sized."""

    seed: int = 20261023
    first_school_year: int = 2019  # data start in August of this year
    last_month: date = date(2026, 10, 1)  # data end: the last day of this month
    areas: int = 6
    grundskolor_per_area: int = 4
    preschools_per_area: int = 2
    gymnasieskolor: int = 5
    cohort_size: int = 1800  # children per birth year living in the municipality
    in_school_share: float = 0.87  # share of them in the municipality's school data
    reports_first_year: int = 4800  # concern reports in the first full calendar year
    report_growth: float = 0.13  # per year (Helsingborg +65 % in five years, Stockholm +60 % in three)
    intervention_starts_per_year: int = 900

    @classmethod
    def city(cls, scale: float = 1.0, seed: int = 20261023) -> DemoSpec:
        """A large city for benchmarks: at scale 1 ("stad") about 130,000 pupils, ~200 schools,
        12 areas, ten school years of monthly absence (~13 million rows), ~180,000 reports and
        ~60,000 interventions. Other scales multiply the children and events (0.1, 3, …); the
        number of schools grows with the square root so that schools stay realistic in size."""
        root = scale ** 0.5
        return cls(
            seed=seed, first_school_year=2016, areas=12,
            grundskolor_per_area=max(2, round(12 * root)), preschools_per_area=max(1, round(3 * root)),
            gymnasieskolor=max(2, round(20 * root)), cohort_size=max(50, round(11_500 * scale)),
            reports_first_year=max(100, round(15_500 * scale)),
            intervention_starts_per_year=max(20, round(5_600 * scale)))

    @property
    def data_until(self) -> date:
        y, m = self.last_month.year, self.last_month.month
        nxt = date(y + (m == 12), m % 12 + 1, 1)
        return date.fromordinal(nxt.toordinal() - 1)


def _key(seed: int, kind: str, i: int) -> str:
    # A pseudonym-shaped key (16 hex digits), deterministic across processes (no hash()).
    return hashlib.sha256(f"samverkan-demo:{seed}:{kind}:{i}".encode()).hexdigest()[:16]


def _target(table: dict[int, float], year: int) -> float:
    return table[min(max(year, min(table)), max(table))]


def _weighted_pick(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """Boolean mask choosing exactly k items, without replacement, with probability ~ weights.

    Gumbel-top-k: the k largest log(w) + Gumbel noise are a weighted sample without replacement.
    """
    n = len(weights)
    mask = np.zeros(n, dtype=bool)
    k = int(min(max(k, 0), n))
    if k == 0:
        return mask
    keys = np.log(weights) + rng.gumbel(size=n)
    mask[np.argpartition(-keys, k - 1)[:k]] = True
    return mask


def _schools(spec: DemoSpec, rng: np.random.Generator) -> pl.DataFrame:
    rows = []
    stems = list(SCHOOL_NAME_STEMS)
    rng.shuffle(stems)
    n = 0
    for a in range(spec.areas):
        area = AREAS[a]
        for j in range(spec.grundskolor_per_area):
            stem = stems[n % len(stems)]
            n += 1
            independent = j == spec.grundskolor_per_area - 1 and a % 3 != 2
            name = f"Friskolan {stem}" if independent else f"{stem}skolan"
            if n > len(stems):
                name += f" {area}"
            rows.append((f"G{a + 1:02d}{j + 1}", name, "grundskola", area,
                         "fristaende" if independent else "kommunal"))
        if a in SMALL_SCHOOL_AREAS:  # a small village school: grades and genders are small groups
            rows.append((f"G{a + 1:02d}{spec.grundskolor_per_area + 1}", f"Byskolan {area}", "grundskola", area,
                         "kommunal"))
        for j in range(spec.preschools_per_area):
            rows.append((f"F{a + 1:02d}{j + 1}", f"Förskolan {['Solen', 'Månen', 'Stjärnan', 'Regnbågen'][j % 4]} {area}",
                         "forskola", area, "kommunal" if j % 3 != 1 else "fristaende"))
    gym_names = ("Kunskapsgymnasiet", "Hamngymnasiet", "Tekniska gymnasiet", "Vårdgymnasiet",
                 "Friskolegymnasiet", "Parkgymnasiet", "Nordgymnasiet", "Sydgymnasiet")
    for j in range(spec.gymnasieskolor):
        rows.append((f"Y{j + 1:02d}", gym_names[j % len(gym_names)] + ("" if j < len(gym_names) else f" {j}"),
                     "gymnasieskola", AREAS[j % spec.areas],
                     "fristaende" if j % 4 == 3 else "kommunal"))
    return pl.DataFrame(rows, schema=["school_id", "school_name", "school_form", "area", "operator"],
                        orient="row")


def _children(spec: DemoSpec, rng: np.random.Generator, schools: pl.DataFrame) -> pl.DataFrame:
    """Every child who is 0-20 at some point in the data span, with home area and schools."""
    last_year = spec.last_month.year
    births = np.arange(spec.first_school_year - 20, last_year + 1)
    # Cohorts grow slightly over time (the municipality grows).
    sizes = [int(spec.cohort_size * (1 + 0.006 * (b - births[0]))) for b in births]
    birth = np.repeat(births, sizes)
    n = len(birth)
    gender = rng.choice(np.array(["flicka", "pojke", "annat"]), size=n, p=[0.49, 0.503, 0.007])
    area_w = np.array([1.0 + 0.15 * (i % 3) for i in range(spec.areas)])
    area_idx = rng.choice(spec.areas, size=n, p=area_w / area_w.sum())
    in_school = rng.random(n) < spec.in_school_share

    grund = schools.filter(pl.col("school_form") == "grundskola")
    g_ids = np.array(grund["school_id"].to_list())
    g_area = np.array([AREAS.index(a) for a in grund["area"].to_list()])
    g_indep = np.array([o == "fristaende" for o in grund["operator"].to_list()])
    school = np.empty(n, dtype=object)
    # 85 % go to a municipal school in their area, the rest to an independent school anywhere.
    choose_indep = rng.random(n) < 0.15
    indep_ids = g_ids[g_indep]
    g_small = np.array([name.startswith("Byskolan") for name in grund["school_name"].to_list()])
    size_w = np.where(g_small, SMALL_SCHOOL_WEIGHT, 1.0)
    for a in range(spec.areas):
        local = (g_area == a) & ~g_indep
        sel = (area_idx == a)
        school[sel] = rng.choice(g_ids[local], size=int(sel.sum()), p=size_w[local] / size_w[local].sum())
    if len(indep_ids):
        school[choose_indep] = rng.choice(indep_ids, size=int(choose_indep.sum()))
    # School moves (MOVER_SHARE): the school year of the move (in January) and the new school.
    move_year = np.full(n, -1, dtype=np.int64)
    new_school = np.full(n, None, dtype=object)
    movers = np.flatnonzero(rng.random(n) < MOVER_SHARE)
    move_grade = rng.integers(1, 10, size=len(movers))
    to_indep = rng.random(len(movers)) < 0.5
    pick = rng.random(len(movers))
    indep_of = dict(zip(g_ids, g_indep, strict=True))
    for i, grade, indep, u in zip(movers, move_grade, to_indep, pick, strict=True):
        if indep_of[school[i]]:  # from an independent school to the municipal schools of the home area
            pool = g_ids[(g_area == area_idx[i]) & ~g_indep & ~g_small]
        elif indep and len(indep_ids):
            pool = indep_ids
        else:  # to a municipal school in another area
            pool = g_ids[(g_area != area_idx[i]) & ~g_indep & ~g_small]
        if len(pool):
            move_year[i] = birth[i] + 6 + grade
            new_school[i] = pool[int(u * len(pool))]
    gym_ids = np.array(schools.filter(pl.col("school_form") == "gymnasieskola")["school_id"].to_list())
    gym_w = np.linspace(1.4, 0.6, len(gym_ids))
    gym = rng.choice(gym_ids, size=n, p=gym_w / gym_w.sum()).astype(object)
    gym[rng.random(n) > 0.9] = None  # studies elsewhere or not at all
    return pl.DataFrame({
        "child": np.arange(n),
        "child_key": [_key(spec.seed, "child", i) for i in range(n)],
        "birth_year": birth,
        "gender": gender,
        "area": np.array(AREAS)[area_idx],
        "in_school": in_school,
        "grund_school": school.tolist(),
        "gym_school": gym.tolist(),
        "move_year": move_year,
        "new_school": new_school.tolist(),
    }, schema_overrides={"new_school": pl.String})


def _school_year_range(spec: DemoSpec) -> range:
    return range(spec.first_school_year, spec.last_month.year + (spec.last_month.month >= 8))


def _pupil_years(spec: DemoSpec, children: pl.DataFrame) -> pl.DataFrame:
    """One row per pupil and school year: grade, school."""
    frames = []
    kids = children.filter(pl.col("in_school"))
    for y in _school_year_range(spec):
        k = y - 6 - kids["birth_year"]  # 0 = förskoleklass, 9 = grade 9, 10-12 = gymnasium 1-3
        g = kids.with_columns(k=k).filter((pl.col("k") >= 0) & (pl.col("k") <= 12))
        g = g.with_columns(
            school_year=pl.lit(y),
            stage=pl.when(pl.col("k") <= 9).then(pl.lit("grundskola")).otherwise(pl.lit("gymnasieskola")),
            grade=pl.when(pl.col("k") == 0).then(pl.lit("F"))
            .when(pl.col("k") <= 9).then(pl.col("k").cast(pl.String))
            .otherwise((pl.col("k") - 9).cast(pl.String)),
        )
        # A mover is in the old school before the school year of the move and in its autumn, in
        # the new one from its January on; not in a school year whose spring has no data yet.
        spring = date(y + 1, 1, 1) <= spec.last_month
        moved = (pl.col("move_year") >= 0) & ((pl.col("move_year") < y) | ((pl.col("move_year") == y) & spring))
        grund_spring = pl.when(moved).then(pl.col("new_school")).otherwise(pl.col("grund_school"))
        grund_autumn = pl.when(moved & (pl.col("move_year") < y)).then(pl.col("new_school")).otherwise(pl.col("grund_school"))
        g = g.with_columns(
            school_id=pl.when(pl.col("k") <= 9).then(grund_spring).otherwise(pl.col("gym_school")),
            school_id_autumn=pl.when(pl.col("k") <= 9).then(grund_autumn).otherwise(pl.col("gym_school")),
        ).filter(pl.col("school_id").is_not_null())
        frames.append(g.select("child", "child_key", "gender", "area", "school_year", "stage",
                               "grade", "k", "school_id", "school_id_autumn"))
    return pl.concat(frames)


def _interventions(spec: DemoSpec, rng: np.random.Generator, children: pl.DataFrame,
                   pupil_years: pl.DataFrame) -> pl.DataFrame:
    # Start a year and a half before the data so that the first school year has a steady state.
    start0 = np.datetime64(f"{spec.first_school_year - 1}-01-01")
    end_all = np.datetime64(spec.data_until)
    days = int((end_all - start0).astype(int)) + 1
    total = int(spec.intervention_starts_per_year * days / 365.25)
    start = start0 + rng.integers(0, days, size=total).astype("timedelta64[D]")
    start_year = start.astype("datetime64[Y]").astype(int) + 1970
    birth = children["birth_year"].to_numpy()
    in_school = children["in_school"].to_numpy()
    # 60 % of starts concern school-age children (6-18) in the school data, the rest anyone 0-20.
    school_age = rng.random(total) < 0.6
    child = np.empty(total, dtype=np.int64)
    by_birth = {int(b): np.flatnonzero(birth == b) for b in np.unique(birth)}
    by_birth_school = {int(b): np.flatnonzero((birth == b) & in_school) for b in np.unique(birth)}
    ages = np.where(school_age, rng.integers(6, 19, size=total), rng.integers(0, 21, size=total))
    for i in range(total):
        pool = (by_birth_school if school_age[i] else by_birth).get(int(start_year[i] - ages[i]))
        if pool is None or len(pool) == 0:
            pool = by_birth[int(birth.max())]
        child[i] = pool[rng.integers(0, len(pool))]
    age = start_year - birth[child]
    types = np.array(list(INTERVENTION_WEIGHTS))
    base_w = np.array(list(INTERVENTION_WEIGHTS.values()))
    itype = np.empty(total, dtype=object)
    for i in range(total):
        w = base_w.copy()
        if age[i] < 6 or age[i] > 18:
            w[[list(types).index(t) for t in SCHOOL_AGE_ONLY]] = 0
        # School social teams: a pilot from autumn 2023, broad roll-out in 2026 (004_).
        st = list(types).index("skolsocialt_team")
        w[st] *= 0.0 if start[i] < np.datetime64("2023-08-01") else (1.0 if start_year[i] < 2026 else 2.5)
        itype[i] = rng.choice(types, p=w / w.sum())
    duration = np.clip(rng.lognormal(np.log(220), 0.6, size=total), 30, 1400).astype(int)
    end = start + duration.astype("timedelta64[D]")
    # Data end: an intervention that has not ended by then is ongoing (end_date NULL).
    df = pl.DataFrame({
        "intervention_id": [f"I{i + 1:07d}" for i in range(total)],
        "child": child,
        "intervention_type": itype.tolist(),
        "start_date": start.astype("datetime64[D]"),
        "end_date": end.astype("datetime64[D]"),
    }).sort("start_date", "intervention_id")
    df = df.with_columns(
        intervention_id=pl.format("I{}", pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(7)),
        committee=pl.col("intervention_type").replace_strict(INTERVENTION_COMMITTEE),
        end_date=pl.when(pl.col("end_date") > pl.lit(spec.data_until)).then(None).otherwise(pl.col("end_date")),
        start_year=pl.col("start_date").dt.year()
        - (pl.col("start_date").dt.month() < 8).cast(pl.Int32),
    )
    # The school where known: the pupil's school in the school year the intervention starts.
    py = pupil_years.select("child", pl.col("school_year").alias("start_year"), "school_id")
    df = df.join(py, on=["child", "start_year"], how="left")
    keys = children.select("child", "child_key")
    return df.join(keys, on="child", how="left").select(
        "intervention_id", "child_key", "intervention_type", "committee", "start_date", "end_date",
        "school_id", "child")


def _absence(spec: DemoSpec, rng: np.random.Generator, pupil_years: pl.DataFrame,
             schools: pl.DataFrame, interventions: pl.DataFrame) -> pl.DataFrame:
    return pl.concat(frame for _y, frame in _absence_years(spec, rng, pupil_years, schools, interventions))


def _absence_years(spec: DemoSpec, rng: np.random.Generator, pupil_years: pl.DataFrame,
                   schools: pl.DataFrame, interventions: pl.DataFrame) -> Iterator[tuple[int, pl.DataFrame]]:
    """(school year, its monthly absence rows), one school year at a time (the benchmark streams
    them to files so that a ×10 city never has to be held in memory at once)."""
    school_info = schools.select("school_id", "operator")
    school_factor = {sid: float(f) for sid, f in zip(
        schools["school_id"].to_list(), rng.lognormal(0.0, 0.22, size=schools.height), strict=True)}
    for y in _school_year_range(spec):
        py = pupil_years.filter(pl.col("school_year") == y).join(school_info, on="school_id")
        win_start, win_end = date(y, 7, 1), min(date(y + 1, 6, 30), spec.data_until)
        autumn_end = min(date(y, 10, 31), spec.data_until)

        def active_in(end: date, name: str, committee: str | None = None,
                      win_start: date = win_start) -> pl.DataFrame:
            chosen = interventions if committee is None else interventions.filter(pl.col("committee") == committee)
            return (chosen
                    .filter((pl.col("start_date") <= end)
                            & (pl.col("end_date").is_null() | (pl.col("end_date") >= win_start)))
                    .select("child").unique().with_columns(pl.lit(True).alias(name)))

        py = (py.join(active_in(win_end, "active"), on="child", how="left")
              .join(active_in(win_end, "active_sn", "sn"), on="child", how="left")
              .join(active_in(autumn_end, "active_sn_autumn", "sn"), on="child", how="left")
              .with_columns(pl.col("active", "active_sn", "active_sn_autumn").fill_null(False)))
        py = py.sort("child")
        n = py.height
        stage = py["stage"].to_numpy()
        k = py["k"].to_numpy()
        act = py["active"].to_numpy()
        act_sn = py["active_sn"].to_numpy()
        act_sn_autumn = py["active_sn_autumn"].to_numpy()
        muni = (py["operator"] == "kommunal").to_numpy()
        girl = (py["gender"] == "flicka").to_numpy()
        area_f = np.array([AREA_FACTOR[AREAS.index(a)] for a in py["area"].to_list()])
        school_f = np.array([school_factor[s] for s in py["school_id"].to_list()])
        grade_f = np.select([k <= 3, k <= 6, k == 7, k == 8, k == 9],
                            [0.7, 0.85, 1.35, 1.6, 1.8], default=1.0 + 0.1 * (k - 10))
        weight = area_f * school_f * grade_f * np.where(girl & (k >= 7), 1.2, 1.0)
        weight = weight * np.where(act, 3.0, 1.0)  # any intervention: more absence

        high = np.zeros(n, dtype=bool)
        grund_m = (stage == "grundskola") & muni  # BUN's goal: its own, municipal schools
        stratum_a = grund_m & act_sn  # the SN goal's population: SN's own interventions
        # Nested: those active already in July-October (the population of an in-progress
        # autumn comparison) get the target share too, so both comparisons tell one story.
        share_a = _target(SN_INTERVENTION, y)
        a_autumn = stratum_a & act_sn_autumn
        k_autumn = round(share_a * a_autumn.sum())
        k_a = max(round(share_a * stratum_a.sum()), k_autumn)
        high[a_autumn] = _weighted_pick(rng, weight[a_autumn], k_autumn)
        a_later = stratum_a & ~act_sn_autumn
        high[a_later] = _weighted_pick(rng, weight[a_later], k_a - k_autumn)
        rest = grund_m & ~stratum_a
        k_g = round(_target(BUN_GRUNDSKOLA, y) * grund_m.sum()) - k_a
        high[rest] = _weighted_pick(rng, weight[rest], k_g)
        gym_m = (stage == "gymnasieskola") & muni
        high[gym_m] = _weighted_pick(rng, weight[gym_m], round(_target(BUN_GYMNASIESKOLA, y) * gym_m.sum()))
        # Independent schools (not in either goal): somewhat lower absence, no story of their own.
        for form, table in (("grundskola", BUN_GRUNDSKOLA), ("gymnasieskola", BUN_GYMNASIESKOLA)):
            ind = (stage == form) & ~muni
            high[ind] = _weighted_pick(rng, weight[ind], round((_target(table, y) - INDEPENDENT_OFFSET) * ind.sum()))

        # Latent absence share, kept clear of the 15 % threshold so rounding cannot flip it.
        p = np.where(high, 0.156 + 0.75 * rng.beta(0.9, 5.5, size=n),
                     0.143 * rng.beta(1.8, 2.6, size=n))
        invalid_q = np.where(high, rng.beta(2.0, 5.0, size=n), rng.beta(1.4, 9.0, size=n))

        months = [m for m in SCHOOL_MONTHS
                  if date(y + (m < 8), m, 1) <= spec.last_month]
        base = np.select([k <= 3, k <= 6, k <= 9], [3600, 4100, 4400], default=4600)
        part_time = np.where(rng.random(n) < 0.03, 0.8, 1.0)
        sched = np.stack([np.round(base * part_time * MONTH_FACTOR[m] / 5) * 5 for m in months], axis=1)
        autumn = np.array([m >= 8 for m in months])
        strata = (a_autumn, a_later, rest, gym_m, (stage == "grundskola") & ~muni, (stage == "gymnasieskola") & ~muni)
        p_autumn, p_spring = _term_shares(rng, p, high, sched, autumn, strata)
        eps = np.clip(rng.gamma(8.0, 1 / 8.0, size=(n, len(months))), 0.4, 1.8)
        blocks = np.array([MONTH_BLOCK[m] for m in months])
        for b in np.unique(blocks):
            cols = blocks == b
            norm = (sched[:, cols] * eps[:, cols]).sum(axis=1) / sched[:, cols].sum(axis=1)
            eps[:, cols] /= norm[:, None]
        share = np.where(autumn[None, :], p_autumn[:, None], p_spring[:, None])
        absent = np.minimum(sched, np.round(share * sched * eps))
        invalid = np.minimum(absent, np.round(absent * invalid_q[:, None]
                                              * rng.uniform(0.6, 1.4, size=absent.shape)))
        month_dates = np.array([np.datetime64(date(y + (m < 8), m, 1)) for m in months])
        # a mover's autumn months are in the old school, the spring months in the new one
        school = np.where(autumn[None, :], py["school_id_autumn"].to_numpy()[:, None],
                          py["school_id"].to_numpy()[:, None])
        frame = pl.DataFrame({
            "pupil_key": np.repeat(py["child_key"].to_numpy(), len(months)),
            "school_id": school.ravel(),
            "grade": np.repeat(py["grade"].to_numpy(), len(months)),
            "gender": np.repeat(py["gender"].to_numpy(), len(months)),
            "month": np.tile(month_dates, n),
            "scheduled_minutes": sched.ravel().astype(np.int32),
            "absent_minutes": absent.ravel().astype(np.int32),
            "invalid_absent_minutes": invalid.ravel().astype(np.int32),
        })
        gap = _gap(spec, schools)
        if gap is not None and y == _school_year_range(spec)[-1]:
            frame = frame.filter(~((pl.col("school_id") == gap[0]) & (pl.col("month") == gap[1])))
        yield y, frame


def _gap(spec: DemoSpec, schools: pl.DataFrame) -> tuple[str, date] | None:
    """(school, month) missing from the absence data (GAP_MONTH): the first municipal grundskola,
    in the school year in progress; None when that month is not in the data yet."""
    y = _school_year_range(spec)[-1]
    month = date(y + (GAP_MONTH < 8), GAP_MONTH, 1)
    if month > spec.last_month or date(y + 1, 6, 30) <= spec.data_until:
        return None  # not yet in the data, or the last school year is complete (an official year)
    first = schools.filter((pl.col("school_form") == "grundskola") & (pl.col("operator") == "kommunal")
                           ).sort("school_id")["school_id"][0]
    return first, month


def _term_shares(rng: np.random.Generator, p: np.ndarray, high: np.ndarray, sched: np.ndarray,
                 autumn: np.ndarray, strata) -> tuple[np.ndarray, np.ndarray]:
    """Each pupil's absence share in the autumn and in the spring (TERM_SWITCH_SHARE): by default
    both are the year's latent share ``p``. In every stratum an equal number ``m`` of high-absence
    pupils get 10 % in the autumn and of other pupils 17 %, with the spring share chosen so that
    the school year's share (scheduled minutes summed first) is still exactly ``p``. Each
    stratum's count of high-absence pupils is then unchanged in the year, in each term and in
    the autumn so far, while these pupils change status between the terms.

    Example: a pupil with 20 % over the year and 45 % of the minutes in the autumn has 10 % in the
    autumn and (0.20 - 0.45 * 0.10) / 0.55 = 28.2 % in the spring."""
    p_autumn, p_spring = p.copy(), p.copy()
    s_autumn = sched[:, autumn].sum(axis=1)
    s_spring = sched[:, ~autumn].sum(axis=1)
    if not s_spring.any():  # only autumn months yet: the switches still keep every count
        s_spring = np.ones_like(s_autumn)
    for stratum in strata:
        up = np.flatnonzero(stratum & high & (p <= 0.4))
        down = np.flatnonzero(stratum & ~high & (p >= 0.09))
        m = round(TERM_SWITCH_SHARE * min(len(up), len(down)))
        if m == 0:
            continue
        for idx, autumn_share in ((rng.choice(up, m, replace=False), 0.10),
                                  (rng.choice(down, m, replace=False), 0.17)):
            total = p[idx] * (s_autumn[idx] + s_spring[idx])
            p_autumn[idx] = autumn_share
            p_spring[idx] = np.clip((total - autumn_share * s_autumn[idx]) / s_spring[idx], 0.0, 1.0)
    return p_autumn, p_spring


def _reports(spec: DemoSpec, rng: np.random.Generator, children: pl.DataFrame,
             pupil_years: pl.DataFrame, schools: pl.DataFrame) -> pl.DataFrame:
    first = np.datetime64(date(spec.first_school_year, 8, 1))
    last = np.datetime64(spec.data_until)
    day = np.arange(first, last + np.timedelta64(1, "D"))
    year = day.astype("datetime64[Y]").astype(int) + 1970
    month = day.astype("datetime64[M]").astype(int) % 12 + 1
    season = np.select([month == 7, month == 8, month == 12, month == 6], [0.55, 0.9, 0.85, 0.9], 1.08)
    per_day = spec.reports_first_year / 365.25 * (1 + spec.report_growth) ** (year - spec.first_school_year - 1) * season
    counts = rng.poisson(per_day)
    received = np.repeat(day, counts)
    n = len(received)
    r_year = received.astype("datetime64[Y]").astype(int) + 1970
    cats = np.array(list(REPORTER_WEIGHTS))
    cat = rng.choice(cats, size=n, p=np.array(list(REPORTER_WEIGHTS.values())))
    lo = np.array([REPORTER_AGES.get(c, (0, 20))[0] for c in cat])
    hi = np.array([REPORTER_AGES.get(c, (0, 20))[1] for c in cat])
    # Teenagers are reported about most: a triangular age profile peaking at 14.
    age = np.clip(np.round(rng.triangular(lo - 0.49, np.clip(14, lo, hi), hi + 0.49)), lo, hi).astype(int)
    birth = children["birth_year"].to_numpy()
    by_birth = {int(b): np.flatnonzero(birth == b) for b in np.unique(birth)}
    in_school = children["in_school"].to_numpy()
    child = np.empty(n, dtype=np.int64)
    for i in range(n):
        pool = by_birth[int(r_year[i] - age[i])]
        if cat[i] in ("skola", "elevhalsa"):
            pool = pool[in_school[pool]]
        child[i] = pool[rng.integers(0, len(pool))]
    t = (r_year - spec.first_school_year) / 7.0  # 0 .. 1 over the span: things improve slowly
    school_sys = np.isin(cat, ["skola", "forskola", "elevhalsa"])
    near_end = received > last - np.timedelta64(14, "D")
    u = rng.random(n)
    unassessed = np.where(near_end, u < 0.8, u < 0.003)
    ongoing = ~unassessed & (rng.random(n) < 0.06)
    # of all reports (investigation_share_all): ~61 % of the school system's, ~52 % of all (000_, 001_)
    p_inv = np.where(school_sys, 0.65, 0.535)
    opened = rng.random(n) < p_inv
    decision = np.where(unassessed, "ej_bedomd", np.where(
        ongoing, "pagaende_utredning", np.where(opened, "utredning_inleds", "utredning_inleds_ej")))
    p14 = 0.82 + 0.08 * t
    scale = -14.5 / np.log(1 - p14)
    delay = np.minimum(np.round(rng.exponential(scale)), 90).astype(int)
    delay = np.where(ongoing, rng.integers(0, 4, size=n), delay)
    decision_date = received + delay.astype("timedelta64[D]")
    # A decision that would fall after the data end has not been made yet.
    late = (decision_date > last) & ~unassessed
    decision = np.where(late, "ej_bedomd", decision)
    assessed = decision != "ej_bedomd"
    p_fb = np.where(school_sys, 0.55 + 0.25 * t, 0.7)
    fb = assessed & (rng.random(n) < p_fb)
    fb_date = decision_date + rng.integers(0, 11, size=n).astype("timedelta64[D]")
    fb = fb & (fb_date <= last)
    feedback_given = np.where(cat == "anonym", None, fb).tolist()
    meeting = rng.random(n) < np.where(school_sys, 0.28 + 0.2 * t, 0.05)
    attended = np.where(meeting, rng.random(n) < np.where(school_sys, 0.75, 0.6), False)

    kids = children.select("child", "child_key", "gender", "area", "birth_year")
    df = pl.DataFrame({
        "child": child,
        "received_date": received,
        "reporter_category": cat,
        "decision": decision,
        "decision_date": np.where(assessed, decision_date, np.datetime64("NaT")),
        "feedback_given": feedback_given,
        "feedback_date": np.where(fb, fb_date, np.datetime64("NaT")),
        "meeting_held": meeting,
        "reporter_attended": attended,
        "school_year": r_year - (month_of(received) < 8),
    }).join(kids, on="child", how="left")
    df = df.with_columns(
        age=(pl.col("received_date").dt.year() - pl.col("birth_year")).clip(0, 20),
        reporter_attended=pl.when(pl.col("meeting_held")).then(pl.col("reporter_attended")).otherwise(None),
    )
    # School where known: the pupil's school for school reporters, a preschool in the home area
    # for preschool reporters.
    py = pupil_years.select("child", "school_year", pl.col("school_id").alias("pupil_school"))
    df = df.join(py, on=["child", "school_year"], how="left")
    pre = schools.filter(pl.col("school_form") == "forskola").group_by("area").agg(
        pl.col("school_id").min().alias("preschool"))
    df = df.join(pre, on="area", how="left").with_columns(
        school_id=pl.when(pl.col("reporter_category").is_in(["skola", "elevhalsa"])).then(pl.col("pupil_school"))
        .when(pl.col("reporter_category") == "forskola").then(pl.col("preschool"))
        .otherwise(None))
    df = df.sort("received_date", "child").with_columns(
        report_id=pl.format("R{}-{}", pl.col("received_date").dt.year(),
                            pl.int_range(1, pl.len() + 1).over(pl.col("received_date").dt.year())
                            .cast(pl.String).str.zfill(6)))
    return df.select("report_id", "child_key", "received_date", "gender", "age", "reporter_category",
                     "school_id", "area", "decision", "decision_date", "feedback_given",
                     "feedback_date", "meeting_held", "reporter_attended")


def month_of(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[M]").astype(int) % 12 + 1


def _population(spec: DemoSpec, children: pl.DataFrame) -> pl.DataFrame:
    bands = [(0, 5), (6, 12), (13, 15), (16, 20)]
    frames = []
    for year in range(spec.first_school_year, spec.last_month.year + 1):
        age = year - children["birth_year"]
        c = children.with_columns(age=age).filter((pl.col("age") >= 0) & (pl.col("age") <= 20))
        for lo, hi in bands:
            g = (c.filter(pl.col("age").is_between(lo, hi)).group_by("area").len("residents")
                 .with_columns(year=pl.lit(year), age_from=pl.lit(lo), age_to=pl.lit(hi)))
            frames.append(g)
    return pl.concat(frames).select(
        pl.col("year").cast(pl.Int32), "area", pl.col("age_from").cast(pl.Int32),
        pl.col("age_to").cast(pl.Int32), pl.col("residents").cast(pl.Int32)).sort("year", "area", "age_from")


def generate(spec: DemoSpec | None = None) -> dict[str, pl.DataFrame]:
    """All warehouse tables of the demo municipality (without meta and ledger)."""
    spec = spec or DemoSpec()
    rng = np.random.default_rng(spec.seed)
    schools = _schools(spec, rng)
    children = _children(spec, rng, schools)
    pupil_years = _pupil_years(spec, children)
    interventions = _interventions(spec, rng, children, pupil_years)
    absence = _absence(spec, rng, pupil_years, schools, interventions)
    reports = _reports(spec, rng, children, pupil_years, schools)
    population = _population(spec, children)
    return {
        "schools": schools,
        "population": population,
        "absence": absence.sort("month", "school_id", "pupil_key"),
        "reports": reports,
        "interventions": interventions.drop("child"),
    }


def build(path: Path, spec: DemoSpec | None = None) -> dict[str, int]:
    """Build the demo warehouse at ``path`` (atomically replacing what is there)."""
    spec = spec or DemoSpec()
    tables = generate(spec)
    now = datetime.now(UTC).replace(tzinfo=None)
    period = f"{spec.first_school_year}-08..{spec.last_month:%Y-%m}"

    def fill(con):
        counts = {}
        for name, df in tables.items():
            counts[name] = df.height
            if name == "absence":
                warehouse.replace_absence(con, df)
                continue
            con.register("_src", df)
            cols = ", ".join(df.columns)
            con.execute(f"INSERT INTO {name} ({cols}) SELECT {cols} FROM _src")
            con.unregister("_src")
        warehouse.refresh_pupil_periods(con)
        external.load_examples(con)  # the comparisons page's peers: made-up values in the sources' shapes
        con.executemany("INSERT INTO meta VALUES (?, ?)", list(_demo_meta(spec, now).items()))
        for i, (name, rows) in enumerate(counts.items()):
            con.execute(
                "INSERT INTO import_ledger (import_id, kind, source, file_name, period, rows_added, "
                "data_until, imported_by, imported_at) VALUES (?, ?, 'demo', NULL, ?, ?, ?, ?, ?)",
                [f"demo-{i}", name, period, rows,
                 spec.data_until if name in ("absence", "reports", "interventions") else None,
                 "cli.py demo", now])
        return counts

    return warehouse.write(Path(path), fill, fresh=True)


def _demo_meta(spec: DemoSpec, now: datetime) -> dict[str, str]:
    return {"dataset_label": DEMO_LABEL, "municipality": MUNICIPALITY, "is_demo": "1",
            "demo_seed": str(spec.seed), "built_at": now.isoformat(timespec="seconds")}


def label_as_demo(path: Path, spec: DemoSpec, files: Iterable[Path]) -> None:
    """Mark a warehouse loaded from ``stream_import_files`` as the demo generator's fictional
    data, as ``build`` does: its ledger rows for exactly those ``files`` (by content hash) get the
    source 'demo', so that the ledger says demo (``warehouse.provenance``) and the dashboard
    labels it so and runs in demo mode. Raises ValueError when the ledger holds any other import:
    real data is never relabelled."""
    meta = _demo_meta(spec, datetime.now(UTC).replace(tzinfo=None))
    hashes = [hashlib.sha256(Path(f).read_bytes()).hexdigest() for f in files]

    def fill(con):
        other = con.execute("SELECT count(*) FROM import_ledger WHERE source <> 'demo' AND file_hash NOT IN "
                            "(SELECT unnest(?::VARCHAR[]))", [hashes]).fetchall()[0][0]
        if other:
            raise ValueError(f"{other} importer i databasen kommer inte från demogeneratorn; den märks inte som demo.")
        con.execute("UPDATE import_ledger SET source = 'demo' WHERE file_hash IN (SELECT unnest(?::VARCHAR[]))",
                    [hashes])
        con.execute("DELETE FROM meta WHERE key IN (SELECT unnest(?::VARCHAR[]))", [list(meta)])
        con.executemany("INSERT INTO meta VALUES (?, ?)", list(meta.items()))

    warehouse.write(Path(path), fill)


IMPORT_NAMES = {"absence": {"pupil_key": "pupil_id"}, "reports": {"child_key": "child_id"},
                "interventions": {"child_key": "child_id"}}


def write_import_files(tables: dict[str, pl.DataFrame], folder: Path) -> dict[str, Path]:
    """The tables as canonical import files (IMPORT.md): UTF-8, semicolon-separated."""
    folder.mkdir(parents=True, exist_ok=True)
    return {name: _write_import_file(name, df, folder / f"{name}.csv") for name, df in tables.items()}


def stream_import_files(spec: DemoSpec, folder: Path) -> dict[str, list[Path]]:
    """The same municipality as ``generate(spec)``, written as import files without holding the
    absence of more than one school year in memory: ``absence`` is one file per school year
    ('absence-2016.csv' for 2016/17), the other kinds one file each. For the ×10 benchmark."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(spec.seed)  # consumed in generate()'s order: the same data
    schools = _schools(spec, rng)
    children = _children(spec, rng, schools)
    pupil_years = _pupil_years(spec, children)
    interventions = _interventions(spec, rng, children, pupil_years)
    out: dict[str, list[Path]] = {"absence": []}
    for y, frame in _absence_years(spec, rng, pupil_years, schools, interventions):
        out["absence"].append(_write_import_file("absence", frame.sort("month", "school_id", "pupil_key"),
                                                 folder / f"absence-{y}.csv"))
        del frame
    reports = _reports(spec, rng, children, pupil_years, schools)
    population = _population(spec, children)
    for name, df in (("schools", schools), ("population", population), ("reports", reports),
                     ("interventions", interventions.drop("child"))):
        out[name] = [_write_import_file(name, df, folder / f"{name}.csv")]
    return out


def _write_import_file(name: str, df: pl.DataFrame, path: Path) -> Path:
    """One table as a canonical import file: UTF-8, semicolon-separated, months as '2024-09'."""
    df = df.rename(IMPORT_NAMES.get(name, {}))
    if name == "absence":
        df = df.with_columns(pl.col("month").dt.strftime("%Y-%m"))
    for col, dtype in df.schema.items():
        if dtype == pl.Boolean:
            df = df.with_columns(pl.col(col).replace_strict({True: "ja", False: "nej"}, return_dtype=pl.String))
    df.write_csv(path, separator=";")
    return path


def build_with_examples(path: Path, store_url: str, seed: int) -> dict[str, int]:
    """The demo warehouse plus the example committee analyses for its latest school year and the
    last complete one (the year the committee brief reports on)."""
    spec = DemoSpec(seed=seed)
    counts = build(path, spec)
    d = spec.data_until
    autumn = warehouse.school_year(d)
    for year in (autumn, autumn - 1):
        store.seed_demo_comments(store_url, periods.school_year_code(year))
    demo_registers.seed(store_url)
    return counts
