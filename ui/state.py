"""Process-wide resources for the Streamlit app: the warehouse reader, goal file and results.

Caches are keyed by the warehouse file's identity and the goal file's mtime, so a swapped-in
warehouse (after an import or a demo rebuild) or an edited goal file is picked up without a
restart. Cached values are aggregates only.

A cache miss first reads what the writer precomputed for the file (metrics/precompute.py: each
page's first view) and asks the engine only when that is missing, so the first request after a
start or an import does not wait for the engine.
"""

from __future__ import annotations

import inspect
import logging
from pathlib import Path

import streamlit as st

from data import demo, peers, settings, store
from data.warehouse import Warehouse
from metrics import decomposition, engine, goals, precompute, views
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


def rounded() -> bool:
    """Whether the counts this run shows are rounded: the published figures with a rounding base
    above 1, and not an entitled role's exact view (for notes that say which)."""
    return settings.rounding_base() > 1 and not exact()


def set_exact(on: bool) -> None:
    st.session_state[_EXACT] = bool(on)


def _key() -> tuple:
    """The cache key of everything read from the warehouse: the served file, the rounding base
    (what is published depends on it, DISCLOSURE.md) and whether the figures are exact (only an
    entitled role's run has it: the exact and the protected figures never share a cache entry)."""
    wh = warehouse()
    return str(wh.path), wh.version, settings.rounding_base(), exact()


def _file_key() -> tuple:
    """The served file alone: for what neither the rounding base nor an exact view changes (the
    file's dates, a goal's own figures, which are exact)."""
    wh = warehouse()
    return str(wh.path), wh.version


# Every view registered in metrics/views.py (``@views.view``) gets one cached accessor here,
# named as the view and taking the view's own parameters (``wh`` and ``cfg`` aside):
# ``absence_trend(years, filters)`` is ``views.absence_trend`` of the served file. The cache is
# keyed on ``key_of()`` (``_key`` unless said), the goal file for a view that reads it, and the view's
# arguments with their defaults filled in (lists as tuples) – the same arguments the
# precomputation stores the first views under (``precompute.first_views``), so that a page's
# first request finds them. Aggregates only, the same for every role that may open the page.
_VIEW = {"ttl": 600, "max_entries": 256, "show_spinner": "Hämtar uppgifterna …"}


_ACCESSORS: dict[str, object] = {}


def _accessor(fn, key_of=_key, **cache_options):
    """The cached accessor of a registered view, made once per view; ``cache_options`` override
    ``_VIEW``. The cached function is ``accessor.cached`` (its arguments: the key, the goal
    file's path and mtime for a goal view, then the view's arguments)."""
    v = views.registered(fn)
    if v.name in _ACCESSORS:
        if key_of is not _key or cache_options:
            raise ValueError(f"{v.name}: its accessor is already made; give its cache options there")
        return _ACCESSORS[v.name]
    if v.exact and key_of is not _key:
        raise ValueError(f"{v.name}: an exact view must be cached apart from the published one (key_of=_key)")
    if v.goals:
        def cached(key: tuple, goals_path: str, goals_mtime: float, *args):
            cfg = _goal_config(goals_path, goals_mtime)
            return _view(key[0], v.name, args, cfg, exact=v.exact and key[3])
    else:
        def cached(key: tuple, *args):
            return _view(key[0], v.name, args, exact=v.exact and key[3])
    # st.cache_data keys a function's cache on its module, qualified name and source: one name
    # per view keeps each view's cache (and its max_entries) apart
    cached.__name__ = cached.__qualname__ = f"_{v.name}"
    cached = st.cache_data(**{**_VIEW, **cache_options})(cached)

    def accessor(*args, **kwargs):
        bound = tuple(tuple(a) if isinstance(a, list) else a for a in v.args(*args, **kwargs))
        if v.goals:
            path = settings.goals_path()
            return cached(key_of(), str(path), path.stat().st_mtime, *bound)
        return cached(key_of(), *bound)

    accessor.__name__ = accessor.__qualname__ = v.name
    accessor.__signature__ = inspect.Signature(list(v.params))
    accessor.__doc__ = f"``views.{v.name}`` of the served file, cached.\n\n{inspect.getdoc(fn) or ''}"
    accessor.cached = cached
    _ACCESSORS[v.name] = accessor
    return accessor


def view(fn, *args, **kwargs):
    """Any registered view of the served file, cached like the named accessors below (the same
    cache: ``view(views.absence_trend, years, filters)`` is ``absence_trend(years, filters)``).
    A new view needs no line here: ``state.view(views.my_view, period, filters)`` on the page."""
    return _accessor(fn)(*args, **kwargs)


goal_results = _accessor(views.goal_results, _file_key, max_entries=32,
                         show_spinner="Beräknar måluppfyllelse …")
goal_status_month = _accessor(views.goal_status_month, _file_key, max_entries=64,
                              show_spinner="Beräknar måluppfyllelse per månad …")
dataset_info = _accessor(views.dataset_info, _file_key, max_entries=4, show_spinner=True)
key_indicators_month = _accessor(views.key_indicators_month)

absence_trend = _accessor(views.absence_trend)
absence_breakdown = _accessor(views.absence_breakdown)
absence_distribution = _accessor(views.absence_distribution)
school_comparison = _accessor(views.school_comparison)
report_funnel = _accessor(views.report_funnel)
reports_per_year = _accessor(views.reports_per_year)
share_by = _accessor(views.share_by)
quality_trend = _accessor(views.quality_trend)
interventions_by_type = _accessor(views.interventions_by_type)

# the choices in the filters (computed the same for exact and protected figures)
months = _accessor(views.months)
absence_periods = _accessor(views.absence_periods)
school_years = _accessor(views.school_years)
years = _accessor(views.years)
areas = _accessor(views.areas)
schools = _accessor(views.schools)


@st.cache_data(ttl=600, max_entries=64, show_spinner="Hämtar uppgifterna …")
def _unit_change(key: tuple, goals_path: str, goals_mtime: float, goal_id: str, dim: str, exact: bool):
    results = goal_results.cached(key[:2], goals_path, goals_mtime, None)
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
