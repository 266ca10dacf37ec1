"""Process-wide resources for the Streamlit app: the warehouse reader, goal file and results.

Caches are keyed by the warehouse file's identity and the goal file's mtime, so a swapped-in
warehouse (after an import or a demo rebuild) or an edited goal file is picked up without a
restart. Cached values are aggregates only.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import streamlit as st

from data import demo, settings, store
from data.warehouse import Warehouse
from metrics import attainment, completeness, engine, goals, views

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
    cfg = _goal_config(goals_path, goals_mtime)
    return attainment.evaluate_all(_warehouse(db), cfg, period)


def goal_results(period: str | None) -> list[attainment.GoalResult]:
    wh = warehouse()
    path = settings.goals_path()
    return _goal_results(str(wh.path), wh.version, str(path), path.stat().st_mtime, period)


@st.cache_data(ttl=600, max_entries=4)
def _dataset_info(db: str, version: tuple) -> dict:
    wh = _warehouse(db)
    # what the rows say (a ledger promising more is a gap, listed apart), per source
    spans = {kind: engine.data_span(wh, source) for kind, source in
             (("absence", "pupils"), ("reports", "reports"), ("interventions", "interventions_active"))}
    return {"meta": wh.meta(), "until": {k: s[1] if s else None for k, s in spans.items()},
            "from": {k: s[0] if s else None for k, s in spans.items()},
            "gaps": [g.text for g in completeness.gaps(wh)]}


def dataset_info() -> dict:
    wh = warehouse()
    return _dataset_info(str(wh.path), wh.version)


def comments(period: str) -> dict[str, store.GoalComment]:
    return store.latest_comments(settings.store_url(), period)


def save_comment(goal_id: str, period: str, committee: str, text: str, author: str, user_id: str = "") -> None:
    store.add_comment(settings.store_url(), goal_id, period, committee, text, author, user_id)


def comment_history(goal_id: str, period: str) -> list[store.GoalComment]:
    return store.comment_history(settings.store_url(), goal_id, period)


@st.cache_data(ttl=600, max_entries=512, show_spinner="Hämtar uppgifterna …")
def _view(db: str, version: tuple, name: str, args_json: str, rounding_base: int):
    # rounding_base is in the key: what is published depends on it (DISCLOSURE.md)
    return getattr(views, name)(_warehouse(db), **json.loads(args_json))


def view(name: str, **kwargs):
    """A cached ``metrics.views`` call (aggregates only, the same for every role that may open the
    page); kwargs must be JSON-serialisable."""
    wh = warehouse()
    return _view(str(wh.path), wh.version, name, json.dumps(kwargs, sort_keys=True, ensure_ascii=False),
                 settings.rounding_base())


@st.cache_data(ttl=600, max_entries=64, show_spinner="Beräknar måluppfyllelse per månad …")
def _goal_status_month(db: str, version: tuple, goals_path: str, goals_mtime: float, month: str):
    return views.goal_status_month(_warehouse(db), _goal_config(goals_path, goals_mtime), month)


def goal_status_month(month: str):
    wh = warehouse()
    path = settings.goals_path()
    return _goal_status_month(str(wh.path), wh.version, str(path), path.stat().st_mtime, month)
