"""Process-wide resources for the Streamlit app: the warehouse reader, goal file and results.

Caches are keyed by the warehouse file's identity and the goal file's mtime, so a swapped-in
warehouse (after an import or a demo rebuild) or an edited goal file is picked up without a
restart. Cached values are aggregates only.

A cache miss first reads what the writer precomputed for the file (metrics/precompute.py: each
page's first view) and asks the engine only when that is missing, so the first request after a
start or an import does not wait for the engine.
"""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

from data import demo, peers, settings, store
from data.warehouse import Warehouse
from metrics import attainment, decomposition, engine, goals, precompute
from metrics import peers as metrics_peers

precompute.install()  # an import from the dashboard precomputes like one from the CLI

log = logging.getLogger("samverkan.app")


@st.cache_resource
def _warehouse(path: str) -> Warehouse:
    return Warehouse(Path(path))


def warehouse() -> Warehouse:
    return _warehouse(str(settings.db_path()))


def ensure_warehouse() -> bool:
    """Build the demo on first start when the default warehouse is missing.

    Returns False (and shows why) when a configured warehouse is missing.
    """
    path = settings.db_path()
    if path.exists():
        return True
    if path != settings.default_db_path():
        st.error(f"Databasen {path} finns inte. Kontrollera SAMVERKAN_DB eller bygg demodata med "
                 f"'python cli.py demo --db {path}'.")
        return False
    with st.spinner("Bygger demodata – fiktiv kommun (första start, ungefär tio sekunder) …"):
        demo.build_with_examples(path, settings.store_url(), settings.demo_seed())
    return True


@st.cache_data(ttl=300, max_entries=8)
def _goal_config(path: str, mtime: float) -> goals.GoalConfig:
    return goals.load(path)


def goal_config() -> goals.GoalConfig:
    path = settings.goals_path()
    return _goal_config(str(path), path.stat().st_mtime if path.exists() else 0.0)


@st.cache_data(ttl=600, max_entries=32, show_spinner="Beräknar måluppfyllelse …")
def _goal_results(db: str, version: tuple, goals_path: str, goals_mtime: float,
                  period: str | None) -> list[attainment.GoalResult]:
    return _view(db, "goal_results", (period,), _goal_config(goals_path, goals_mtime))


def goal_results(period: str | None) -> list[attainment.GoalResult]:
    wh = warehouse()
    path = settings.goals_path()
    return _goal_results(str(wh.path), wh.version, str(path), path.stat().st_mtime, period)


@st.cache_data(ttl=600, max_entries=4)
def _dataset_info(db: str, version: tuple) -> dict:
    return _view(db, "dataset_info", ())


def dataset_info() -> dict:
    wh = warehouse()
    return _dataset_info(str(wh.path), wh.version)


def provenance() -> str:
    """What the served warehouse holds by its import ledger: 'demo', 'real' or 'empty' (read from
    the file itself on every run, never from a precomputed or stored flag)."""
    return warehouse().provenance()


def comments(period: str) -> dict[str, store.GoalComment]:
    """The newest analysis per goal; {} when the store does not answer, so that the rest of the
    page still shows (where the analyses would be, the page says why: ``comments_or_none``)."""
    return comments_or_none(period) or {}


def comments_or_none(period: str) -> dict[str, store.GoalComment] | None:
    """The newest analysis per goal; None when the store does not answer."""
    try:
        return store.latest_comments(settings.store_url(), period)
    except store.StoreUnavailable:
        return None


def save_comment(goal_id: str, period: str, committee: str, text: str, author: str, user_id: str,
                 audit: store.AuditLine) -> None:
    """Raises store.CommentError (Swedish, naming the field) or store.StoreUnavailable."""
    store.add_comment(settings.store_url(), goal_id, period, committee, text, author, user_id, audit=audit)


def comment_history(goal_id: str, period: str) -> list[store.GoalComment]:
    return store.comment_history(settings.store_url(), goal_id, period)


def _view(db: str, name: str, args: tuple, cfg: goals.GoalConfig | None = None, exact: bool = False):
    """A view of the served file: precomputed when the file was written, else from the engine.
    ``exact``: the exact figures of an entitled role (never stored; computed in ``exact_view``)."""
    wh = _warehouse(db)
    if exact:
        with engine.exact_view():
            return precompute.compute(wh, cfg, name, args)
    hit = precompute.lookup(wh, name, args)
    return precompute.compute(wh, cfg, name, args) if hit is precompute.MISSING else hit


_EXACT = "_exact_view"  # set on every run by ui.auth.exact_switch (False for every other role)


def exact() -> bool:
    """Whether this run shows exact figures (an entitled role switched them on, ``ui.auth``)."""
    return bool(st.session_state.get(_EXACT))


def set_exact(on: bool) -> None:
    st.session_state[_EXACT] = bool(on)


def _key() -> tuple:
    """The cache key of everything read from the warehouse: the served file, the rounding base
    (what is published depends on it, DISCLOSURE.md) and whether the figures are exact (only an
    entitled role's run has it: the exact and the protected figures never share a cache entry)."""
    wh = warehouse()
    return str(wh.path), wh.version, settings.rounding_base(), exact()


# Cached views, one plain function per view (aggregates only, the same for every role that may
# open the page). The public function names the arguments; the private one is cached on the key.
_VIEW = {"ttl": 600, "max_entries": 256, "show_spinner": "Hämtar uppgifterna …"}


@st.cache_data(**_VIEW)
def _absence_trend(key: tuple, years: tuple[str, ...], filters: dict | None):
    return _view(key[0], "absence_trend", (list(years), filters), exact=key[3])


def absence_trend(years, filters: dict | None = None):
    """High absence per school year and school form (``views.absence_trend``)."""
    return _absence_trend(_key(), tuple(years), filters)


@st.cache_data(**_VIEW)
def _absence_breakdown(key: tuple, period: str, dim: str, filters: dict | None):
    return _view(key[0], "absence_breakdown", (period, dim, filters), exact=key[3])


def absence_breakdown(period: str, dim: str, filters: dict | None = None):
    return _absence_breakdown(_key(), period, dim, filters)


@st.cache_data(**_VIEW)
def _absence_distribution(key: tuple, period: str, filters: dict | None):
    return _view(key[0], "absence_distribution", (period, filters), exact=key[3])


def absence_distribution(period: str, filters: dict | None = None):
    return _absence_distribution(_key(), period, filters)


@st.cache_data(**_VIEW)
def _school_comparison(key: tuple, period: str, filters: dict | None):
    return _view(key[0], "school_comparison", (period, filters), exact=key[3])


def school_comparison(period: str, filters: dict | None = None):
    return _school_comparison(_key(), period, filters)


@st.cache_data(**_VIEW)
def _report_funnel(key: tuple, period: str, filters: dict | None):
    return _view(key[0], "report_funnel", (period, filters), exact=key[3])


def report_funnel(period: str, filters: dict | None = None):
    return _report_funnel(_key(), period, filters)


@st.cache_data(**_VIEW)
def _reports_per_year(key: tuple, years: tuple[int, ...]):
    return _view(key[0], "reports_per_year", (list(years),), exact=key[3])


def reports_per_year(years):
    return _reports_per_year(_key(), tuple(years))


@st.cache_data(**_VIEW)
def _share_by(key: tuple, indicator: str, period: str | tuple[str, ...], dim: str | None):
    return _view(key[0], "share_by", (indicator, list(period) if isinstance(period, tuple) else period, dim), exact=key[3])


def share_by(indicator: str, period, dim: str | None = None):
    """An indicator for one period (or several), by one breakdown (``views.share_by``)."""
    return _share_by(_key(), indicator, period if isinstance(period, str) else tuple(period), dim)


@st.cache_data(**_VIEW)
def _quality_trend(key: tuple, years: tuple[int, ...]):
    return _view(key[0], "quality_trend", (list(years),), exact=key[3])


def quality_trend(years):
    return _quality_trend(_key(), tuple(years))


@st.cache_data(**_VIEW)
def _interventions_by_type(key: tuple, period: str):
    return _view(key[0], "interventions_by_type", (period,), exact=key[3])


def interventions_by_type(period: str):
    return _interventions_by_type(_key(), period)


@st.cache_data(**_VIEW)
def _key_indicators_month(key: tuple, goals_path: str, goals_mtime: float, month: str):
    return _view(key[0], "key_indicators_month", (month,), _goal_config(goals_path, goals_mtime), exact=key[3])


def key_indicators_month(month: str):
    """The month's key indicators, the goals' own populations first (``views.key_indicators_month``)."""
    path = settings.goals_path()
    return _key_indicators_month(_key(), str(path), path.stat().st_mtime, month)


@st.cache_data(**_VIEW)
def _choices(key: tuple, name: str):
    return _view(key[0], name, ())  # choices, the same for exact and protected figures


def months() -> list[str]:
    """Months with data, newest first ('2026-10')."""
    return _choices(_key(), "months")


def absence_periods() -> list[str]:
    return _choices(_key(), "absence_periods")


def school_years() -> list[str]:
    return _choices(_key(), "school_years")


def years() -> list[int]:
    return _choices(_key(), "years")


def areas() -> list[str]:
    return _choices(_key(), "areas")


def schools():
    """The school register (public: no pupil data)."""
    return _choices(_key(), "schools")


@st.cache_data(ttl=600, max_entries=64, show_spinner="Beräknar måluppfyllelse per månad …")
def _goal_status_month(db: str, version: tuple, goals_path: str, goals_mtime: float, month: str):
    return _view(db, "goal_status_month", (month,), _goal_config(goals_path, goals_mtime))


def goal_status_month(month: str):
    wh = warehouse()
    path = settings.goals_path()
    return _goal_status_month(str(wh.path), wh.version, str(path), path.stat().st_mtime, month)


@st.cache_data(ttl=600, max_entries=64, show_spinner="Hämtar uppgifterna …")
def _unit_change(key: tuple, goals_path: str, goals_mtime: float, goal_id: str, dim: str, exact: bool):
    results = _goal_results(key[0], key[1], goals_path, goals_mtime, None)
    return decomposition.unit_change(_warehouse(key[0]), results, goal_id, dim, exact)


def unit_change(goal_id: str, dim: str, exact: bool = False):
    """A goal's (or part's) indicator per area or school for its baseline and official year
    (``metrics.decomposition.unit_table``). ``exact`` only for analysts: the caller checks the
    role (``ui.auth.may_see_exact``), and the flag is part of the cache key."""
    path = settings.goals_path()
    return _unit_change(_key(), str(path), path.stat().st_mtime, goal_id, dim, exact)


@st.cache_data(ttl=600, max_entries=8, show_spinner="Hämtar jämförelserna …")
def _comparisons(key: tuple, peers_path: str, peers_mtime: float) -> dict:
    cfg = peers.load(peers_path)
    wh = _warehouse(key[0])
    csn, csn_info = metrics_peers.withdrawals(wh, cfg)
    return {"config": cfg, "kolada": metrics_peers.kolada(wh, cfg), "population": metrics_peers.population(wh, cfg),
            "csn": (csn, csn_info),
            "own_invalid": metrics_peers.own_invalid_absence(wh, csn["period"].unique().sort().to_list()),
            "population_source": metrics_peers.total_population_source(wh, cfg)}


def comparisons() -> dict:
    """Everything the Jämförelser page shows (``metrics.peers``), for the comparison file of
    SAMVERKAN_PEERS. Raises data.peers.PeersConfigError (Swedish) for a file that does not validate."""
    path = settings.peers_path()
    return _comparisons(_key(), str(path), path.stat().st_mtime if path.exists() else 0.0)
