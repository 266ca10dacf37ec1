"""The municipality beside the country and its peers: the data behind the Jämförelser page.

From the imported external figures (``data.external``: Kolada, SCB TAB638, CSN SUSHSVL10) for
the regions of the comparison file (``data.peers``), and the municipality's own published
figure that sits beside CSN's (gymnasium pupils with high invalid absence, from the engine, so
under the same disclosure control as every page). Aggregates only; no network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from data import external, peers
from data.peers import PeersConfig
from data.warehouse import Warehouse
from metrics import engine, periods

ROLE_LABELS = {"own": "Kommunen", "country": "Riket", "peer": "Jämförelsekommun"}

# Our indicators and their national counterpart: None where there is none, and why (DOMAIN.md).
NATIONAL: dict[str, tuple[str | None, str]] = {
    "high_absence_share": (None, "Det finns ingen nationell statistik över elever med hög frånvaro (mer än 15 %) "
                           "per kommun: Skolverket samlar inte in elevers frånvaro, och SOU 2025:8 har bara "
                           "föreslagit ett nationellt frånvaroregister."),
    "very_high_absence_share": (None, "Samma skäl: ingen nationell frånvarostatistik per elev."),
    "invalid_absence_share": ("CSN, SUSHSVL10 (indragen studiehjälp)",
                              "Närmast är CSN:s indragningar av studiehjälp för ogiltig frånvaro i gymnasiet – en "
                              "annan population (elever med studiehjälp efter folkbokföringskommun) och en annan "
                              "gräns. Visas bredvid, inte som samma mått."),
    "high_absence_share_intervention": (None, "Ingen nationell statistik kopplar elevers frånvaro till "
                                        "socialtjänstens insatser."),
    "report_count": (None, "Socialstyrelsen för inget register över orosanmälningar; dess enkät 2018 räknade "
                     "331 000 anmälningar i landet, men det finns ingen årlig statistik per kommun."),
    "report_rate_per_1000": ("SCB, TAB638 (befolkning, nämnaren)",
                             "Nämnaren – invånare 0–20 år – finns hos SCB, men täljaren (anmälningarna) har ingen "
                             "nationell källa, så måttet kan inte jämföras med andra kommuner."),
    "investigation_share": (None, "Ingen årlig nationell statistik per kommun (Socialstyrelsens enkät 2018: 38 % "
                            "av anmälningarna utreddes)."),
    "assessment_within_14_days": (None, "Ingen nationell statistik per kommun över förhandsbedömningar."),
    "feedback_share": (None, "Ingen nationell statistik över återkoppling till anmälare."),
    "interventions_active": ("Kolada N33009 (kostnad, inte antal barn)",
                             "Kolada har kostnaden för öppna insatser för barn och unga per invånare, inte antalet "
                             "barn med insats."),
}


@dataclass
class SourceInfo:
    source: str  # kolada | scb | csn
    label: str  # 'Kolada (RKA)'
    data_until: str | None  # the latest period in the file(s): '2025', '2024/25'
    imported: datetime | None  # from the import ledger (None: shipped example)
    files: list[str] = field(default_factory=list)
    example: bool = False  # made-up values (the demo's example files)

    @property
    def text(self) -> str:
        """'Källa: Kolada (RKA). Data t.o.m. 2025 (importerad 2026-11-02).'"""
        out = f"Källa: {self.label}. Data t.o.m. {self.data_until or '..'}"
        if self.example:
            out += " (exempelfil med påhittade värden)"
        elif self.imported is not None:
            out += f" (importerad {self.imported:%Y-%m-%d})"
        return out + "."


def _figures(wh: Warehouse, cfg: PeersConfig, source: str) -> pl.DataFrame:
    schema = {**external.SCHEMA, "file_name": pl.String, "example": pl.Boolean}
    if not wh.has_table("external_figures"):
        return pl.DataFrame(schema=schema)
    df = wh.sql("SELECT * EXCLUDE (file_name, example), file_name, example FROM external_figures "
                "WHERE source = ? AND region IN (SELECT unnest(?::VARCHAR[])) AND gender = 'T'",
                params=[source, cfg.regions])
    return df.cast({k: v for k, v in schema.items() if k in df.columns})


def _with_roles(df: pl.DataFrame, cfg: PeersConfig) -> pl.DataFrame:
    order = {r: i for i, r in enumerate(cfg.regions)}
    return df.with_columns(
        name=pl.col("region").replace_strict({r: peers.name(r) for r in cfg.regions}, return_dtype=pl.String),
        role=pl.col("region").replace_strict({r: "own" if r == cfg.municipality else "country" if r == peers.COUNTRY
                                              else "peer" for r in cfg.regions}, return_dtype=pl.String),
        _o=pl.col("region").replace_strict(order, return_dtype=pl.Int32),
    ).sort("_o", "period").drop("_o")


def source_info(wh: Warehouse, df: pl.DataFrame, source: str) -> SourceInfo:
    until = max(df["period"].to_list()) if df.height else None
    imported = None
    if wh.has_table("import_ledger"):
        row = wh.fetchone("SELECT max(imported_at) FROM import_ledger WHERE kind = ?", [source])
        imported = row[0] if row else None
    return SourceInfo(source=source, label=external.SOURCE_LABELS[source], data_until=until, imported=imported,
                      files=sorted(set(df["file_name"].drop_nulls().to_list())) if df.height else [],
                      example=bool(df.height) and bool(df["example"].all()))


def kolada(wh: Warehouse, cfg: PeersConfig) -> tuple[pl.DataFrame, SourceInfo]:
    """The configured Kolada indicators for the municipality, the country and the peers: measure,
    label, unit, region, name, role, period, value, status."""
    df = _figures(wh, cfg, "kolada")
    wanted = {k.id: k for k in cfg.kolada}
    df = df.filter(pl.col("measure").is_in(list(wanted)))
    info = source_info(wh, df, "kolada")
    df = df.with_columns(label=pl.col("measure").replace_strict({k: v.label for k, v in wanted.items()},
                                                                 return_dtype=pl.String),
                         unit=pl.col("measure").replace_strict({k: v.unit for k, v in wanted.items()},
                                                                return_dtype=pl.String))
    return _with_roles(df, cfg).select("measure", "label", "unit", "region", "name", "role", "period", "value",
                                       "status"), info


def population(wh: Warehouse, cfg: PeersConfig) -> tuple[pl.DataFrame, SourceInfo]:
    """SCB TAB638's residents 0–20 per region and year."""
    df = _figures(wh, cfg, "scb").filter(pl.col("measure") == external.SCB_MEASURE)
    return _with_roles(df, cfg).select("region", "name", "role", "period", "value"), source_info(wh, df, "scb")


def withdrawals(wh: Warehouse, cfg: PeersConfig) -> tuple[pl.DataFrame, SourceInfo]:
    """CSN's share of grant holders whose study grant was withdrawn for invalid absence, all
    school forms together ('Totalt'): region, name, role, period (school year), value,
    numerator (withdrawn), denominator (with grant), status ('prickad': suppressed)."""
    df = _figures(wh, cfg, "csn").filter(pl.col("measure") == external.CSN_MEASURE)
    info = source_info(wh, df, "csn")
    forms = df["category"].unique().to_list()
    df = df.filter(pl.col("category") == ("Totalt" if "Totalt" in forms or not forms else sorted(forms)[0]))
    return _with_roles(df, cfg).select("region", "name", "role", "period", "value", "numerator", "denominator",
                                       "status"), info


def own_invalid_absence(wh: Warehouse, school_years: list[str]) -> pl.DataFrame:
    """The municipality's own published share of gymnasium pupils with high invalid absence per
    school year (``invalid_absence_share``, all operators: like CSN, independent schools too)."""
    until = engine.data_until(wh, "pupils")
    if until is None:
        return pl.DataFrame(schema={"period": pl.String, "value": pl.Float64, "numerator": pl.Int64,
                                    "denominator": pl.Int64, "suppressed": pl.Boolean})
    last = periods.last_complete_school_year(until)
    years = [y for y in school_years if periods.parse(y).end <= last.end]
    if not years:
        return pl.DataFrame(schema={"period": pl.String, "value": pl.Float64, "numerator": pl.Int64,
                                    "denominator": pl.Int64, "suppressed": pl.Boolean})
    df = engine.evaluate(wh, "invalid_absence_share", sorted(years), filters={"school_form": ["gymnasieskola"]})
    return df.filter(pl.col("coverage") != "none").select("period", "value", "numerator", "denominator", "suppressed")


def total_population_source(wh: Warehouse, cfg: PeersConfig) -> str:
    """Where the municipality's total per-1,000 rate takes its residents 0–20 from (Swedish)."""
    if cfg.scb_population_for_total and wh.has_table("external_figures"):
        row = wh.fetchone("SELECT max(period) FROM external_figures WHERE source = 'scb' AND region = ?",
                          [cfg.municipality])
        if row and row[0]:
            return (f"Kommunens totala antal orosanmälningar per 1 000 invånare 0–20 år räknas på SCB:s folkmängd "
                    f"(TAB638, t.o.m. {row[0]}); områdena räknas på befolkningstabellen.")
    return ("Anmälningar per 1 000 invånare 0–20 år räknas på kommunens egen befolkningstabell, för både kommunen "
            "och områdena.")
