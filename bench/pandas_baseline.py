"""The naive baseline: the benchmark's metric set computed with pandas, the way an analyst would.

Load the tables, then loop over school years and years with boolean masks and groupby. Kept as
the reference the engine is compared with (speed) and checked against (same numbers).
"""

from __future__ import annotations

import pandas as pd

SCHOOL_SYSTEM = ("skola", "forskola", "elevhalsa")


def load(con) -> dict[str, pd.DataFrame]:
    """The tables as pandas frames (a DuckDB connection to the warehouse file)."""
    return {t: con.execute(f"SELECT * FROM {t}").df() for t in ("absence", "schools", "reports", "interventions")}


def _school_year_bounds(code: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    y = int(code[:4])
    return pd.Timestamp(y, 7, 1), pd.Timestamp(y + 1, 6, 30)


def high_absence(t: dict[str, pd.DataFrame], school_years: list[str]) -> dict:
    """{(school_year, school_form): (high, pupils)} and the SN goal's {(school_year): (high, pupils)}."""
    absence = t["absence"].merge(t["schools"][["school_id", "school_form", "operator"]], on="school_id")
    absence["month"] = pd.to_datetime(absence["month"])
    iv = t["interventions"].copy()
    iv["start_date"] = pd.to_datetime(iv["start_date"])
    iv["end_date"] = pd.to_datetime(iv["end_date"])
    by_form, sn = {}, {}
    for code in school_years:
        start, end = _school_year_bounds(code)
        rows = absence[(absence["month"] >= start) & (absence["month"] <= end)]
        rows = rows.sort_values("month")
        pupils = rows.groupby(["pupil_key", "school_form"]).agg(
            scheduled=("scheduled_minutes", "sum"), absent=("absent_minutes", "sum"),
            operator=("operator", "last")).reset_index()
        pupils = pupils[pupils["scheduled"] > 0]
        pupils["high"] = pupils["absent"] * 100 > 15 * pupils["scheduled"]
        for form, g in pupils.groupby("school_form"):
            by_form[(code, form)] = (int(g["high"].sum()), len(g))
        active = iv[(iv["start_date"] <= end) & (iv["end_date"].isna() | (iv["end_date"] >= start))]
        pop = pupils[(pupils["school_form"] == "grundskola") & (pupils["operator"] == "kommunal")
                     & pupils["pupil_key"].isin(set(active["child_key"]))]
        sn[code] = (int(pop["high"].sum()), len(pop))
    return {"by_form": by_form, "sn": sn}


def reports(t: dict[str, pd.DataFrame], years: list[int]) -> dict:
    """{(year, reporter_category): (opened, assessed)} and {year: count}."""
    r = t["reports"].copy()
    r["year"] = pd.to_datetime(r["received_date"]).dt.year
    out, counts = {}, {}
    for y in years:
        ry = r[r["year"] == y]
        counts[y] = len(ry)
        for cat, g in ry.groupby("reporter_category"):
            assessed = g[g["decision"].isin(["utredning_inleds", "utredning_inleds_ej"])]
            out[(y, cat)] = (int((assessed["decision"] == "utredning_inleds").sum()), len(assessed))
    return {"investigation": out, "counts": counts}


def interventions_active(t: dict[str, pd.DataFrame], years: list[int]) -> dict:
    """{(year, type): children with an active intervention}."""
    iv = t["interventions"].copy()
    iv["start_date"] = pd.to_datetime(iv["start_date"])
    iv["end_date"] = pd.to_datetime(iv["end_date"])
    out = {}
    for y in years:
        start, end = pd.Timestamp(y, 1, 1), pd.Timestamp(y, 12, 31)
        a = iv[(iv["start_date"] <= end) & (iv["end_date"].isna() | (iv["end_date"] >= start))]
        for kind, g in a.groupby("intervention_type"):
            out[(y, kind)] = g["child_key"].nunique()
    return out


def metric_set(t: dict[str, pd.DataFrame], school_years: list[str], years: list[int]) -> dict:
    return {"absence": high_absence(t, school_years), "reports": reports(t, years),
            "interventions": interventions_active(t, years)}
