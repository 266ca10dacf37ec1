"""Configuration as data: every setting has an environment variable, a default and help text.

README.md documents each setting; ``tests/test_docs.py`` fails when one is missing there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Setting:
    env: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "SAMVERKAN_DB",
        str(ROOT / "var" / "samverkan.duckdb"),
        "Path of the DuckDB warehouse. When it is the default and missing, the dashboard builds "
        "the demo municipality there on first start.",
    ),
    Setting(
        "SAMVERKAN_STORE_URL",
        "sqlite:///" + str(ROOT / "var" / "samverkan_store.sqlite"),
        "SQLAlchemy URL of the transactional store for what users write (goal analyses). "
        "SQLite by default; e.g. postgresql+psycopg://user@host/samverkan.",
    ),
    Setting(
        "SAMVERKAN_GOALS",
        str(ROOT / "config" / "goals.yaml"),
        "Path of the goal configuration (committees, mandate period, goals and targets).",
    ),
    Setting(
        "SAMVERKAN_ACCESS",
        str(ROOT / "config" / "access.yaml"),
        "Path of the role file: which ID-token claim values and e-mail addresses get which roles "
        "(ledamot per committee, styrgrupp, analytiker, dataforvaltare, admin).",
    ),
    Setting(
        "SAMVERKAN_AUTH",
        "",
        "Empty: log in with the [auth] section of .streamlit/secrets.toml (the demo runs open when it "
        "has none; any other warehouse refuses to start). 'off': no login at all, everyone is admin, "
        "with a red banner on every page - only behind a proxy that authenticates.",
    ),
    Setting(
        "SAMVERKAN_SUPPRESS_MIN_COUNT",
        "5",
        "Counts from 1 up to this value minus one are suppressed (5: 1-4 are hidden, 0 is shown).",
    ),
    Setting(
        "SAMVERKAN_SUPPRESS_MIN_DENOMINATOR",
        "10",
        "A share or mean whose denominator is below this value is not shown.",
    ),
    Setting(
        "SAMVERKAN_ROUNDING_BASE",
        "5",
        "Every published count below goal level (tables, charts, exports, the CLI) is rounded to a "
        "multiple of this base, and shares are computed from the rounded counts, so no difference "
        "of published figures is a hidden count of 1-4. 1 gives exact counts (for an analyst with "
        "access to the warehouse, and for tests). Goal statuses are always exact.",
    ),
    Setting(
        "SAMVERKAN_PSEUDONYM_KEY",
        "",
        "Secret key for the HMAC-SHA256 pseudonyms that replace personal identity numbers at "
        "import. Keep it outside the database and the repository; the same key must be used for "
        "every import so that a child links across files. Imports of files with personnummer "
        "refuse to run without it.",
    ),
    Setting(
        "SAMVERKAN_PSEUDONYM_KEY_VERSION",
        "1",
        "Version label of the pseudonym key, recorded in the import ledger (change it with the key).",
    ),
    Setting(
        "SAMVERKAN_IMPORT_MAX_MB",
        "2048",
        "Largest import file in MB; a larger file is refused before it is read.",
    ),
    Setting(
        "SAMVERKAN_IMPORT_MAX_ROWS",
        "50000000",
        "Most lines in an import file; a file with more is refused before it is parsed.",
    ),
    Setting(
        "SAMVERKAN_IMPORT_XLSX_MAX_MB",
        "300",
        "Largest unpacked size of an .xlsx import in MB (read from the zip directory before unpacking).",
    ),
    Setting(
        "SAMVERKAN_MUNICIPALITY",
        "",
        "The municipality's name as the source in chart footnotes, exports and the committee brief "
        "(e.g. 'Helsingborgs stad'). Empty: the demo says 'Demodata – fiktiv kommun'; imported data "
        "uses the name stored with it.",
    ),
    Setting(
        "SAMVERKAN_ACCESSIBILITY_CONTACT",
        "",
        "Where users report accessibility problems and ask for content in another format, as the "
        "accessibility statement (Tillgänglighetsredogörelse) names it: an e-mail address or a web "
        "address. Empty: the statement says that no contact is set.",
    ),
    Setting(
        "SAMVERKAN_DEMO_SEED",
        "20261023",
        "Seed of the deterministic demo municipality (same seed, identical tables).",
    ),
)

_BY_ENV = {s.env: s for s in SETTINGS}


def get(env: str) -> str:
    """The value of a setting: the environment variable if set and non-empty, else the default."""
    setting = _BY_ENV[env]
    value = os.environ.get(env, "")
    return value if value.strip() else setting.default


def db_path() -> Path:
    return Path(get("SAMVERKAN_DB"))


def default_db_path() -> Path:
    return Path(_BY_ENV["SAMVERKAN_DB"].default)


def store_url() -> str:
    return get("SAMVERKAN_STORE_URL")


def goals_path() -> Path:
    return Path(get("SAMVERKAN_GOALS"))


def suppression_thresholds() -> tuple[int, int]:
    """(min_count, min_denominator) for small-count suppression."""
    return int(get("SAMVERKAN_SUPPRESS_MIN_COUNT")), int(get("SAMVERKAN_SUPPRESS_MIN_DENOMINATOR"))


def rounding_base() -> int:
    return max(1, int(get("SAMVERKAN_ROUNDING_BASE")))


def demo_seed() -> int:
    return int(get("SAMVERKAN_DEMO_SEED"))


def import_limits() -> tuple[int, int, int]:
    """(max file bytes, max lines, max unpacked .xlsx bytes) for imports."""
    mb = 1_000_000
    return (int(get("SAMVERKAN_IMPORT_MAX_MB")) * mb, int(get("SAMVERKAN_IMPORT_MAX_ROWS")),
            int(get("SAMVERKAN_IMPORT_XLSX_MAX_MB")) * mb)


def access_path() -> Path:
    return Path(get("SAMVERKAN_ACCESS"))


def auth_off() -> bool:
    return get("SAMVERKAN_AUTH").strip().lower() == "off"


def municipality() -> str:
    return get("SAMVERKAN_MUNICIPALITY").strip()


def accessibility_contact() -> str:
    return get("SAMVERKAN_ACCESSIBILITY_CONTACT").strip()
