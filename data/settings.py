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
        "Every published count below goal level (tables, charts, exports, the CLI), and a mean's "
        "sum of days, is rounded to a multiple of this base, and shares and means are computed "
        "from the rounded figures, so no difference of published figures is a hidden count of 1-4. "
        "A deployment decision: 1 makes every page exact for everyone, committees included (the "
        "test suite uses it). Goal statuses are always exact; entitled roles have an exact view.",
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
        "SAMVERKAN_RETENTION_YEARS",
        "",
        "Retention of pupil-level rows (gallring), in school years: 'cli.py retention' keeps the school "
        "year in progress and this many before it, and never the goal file's baseline years. Empty: "
        "no retention is configured and the command refuses to run without --years.",
    ),
    Setting(
        "SAMVERKAN_MUNICIPALITY",
        "",
        "The municipality's name as the source in chart footnotes, exports and the committee brief "
        "(e.g. 'Helsingborgs stad'). Empty: the demo says 'Demodata – fiktiv kommun'; imported data "
        "uses the name stored with it.",
    ),
    Setting(
        "SAMVERKAN_PEERS",
        str(ROOT / "config" / "peers.yaml"),
        "Path of the comparison file: the municipality's own code, its peer municipalities, the Kolada "
        "indicators shown on Jämförelser, and whether SCB's population replaces the population table's "
        "total (validated; see README 'Comparisons').",
    ),
    Setting(
        "SAMVERKAN_DISTRIBUTION",
        str(ROOT / "config" / "distribution.yaml"),
        "Path of the distribution list of the steering group's monthly brief (e-mail addresses and the "
        "file format; validated, listed in PRIVACY.md).",
    ),
    Setting(
        "SAMVERKAN_SMTP_HOST",
        "",
        "SMTP server that sends the monthly brief when an import completes a new month (and for "
        "'cli.py send-brief'). Empty: no e-mail is sent.",
    ),
    Setting("SAMVERKAN_SMTP_PORT", "587", "Port of the SMTP server."),
    Setting(
        "SAMVERKAN_SMTP_SECURITY",
        "starttls",
        "starttls (upgrade the connection, port 587), ssl (TLS from the start, port 465) or none (only "
        "for a relay on the same machine or in tests).",
    ),
    Setting("SAMVERKAN_SMTP_USER", "", "User name for the SMTP server; empty: no login."),
    Setting(
        "SAMVERKAN_SMTP_PASSWORD",
        "",
        "Password for the SMTP server. A secret: set it in the service's environment, never in a file in "
        "the repository.",
    ),
    Setting(
        "SAMVERKAN_MAIL_FROM",
        "samverkan@kommun.example",
        "Sender address of the monthly brief.",
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


def retention_years() -> int | None:
    """SAMVERKAN_RETENTION_YEARS; None when it is not set."""
    value = get("SAMVERKAN_RETENTION_YEARS").strip()
    return int(value) if value else None


def access_path() -> Path:
    return Path(get("SAMVERKAN_ACCESS"))


def auth_off() -> bool:
    return get("SAMVERKAN_AUTH").strip().lower() == "off"


def municipality() -> str:
    return get("SAMVERKAN_MUNICIPALITY").strip()


def peers_path() -> Path:
    return Path(get("SAMVERKAN_PEERS"))


def distribution_path() -> Path:
    return Path(get("SAMVERKAN_DISTRIBUTION"))


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    security: str  # starttls | ssl | none
    user: str
    password: str
    sender: str


def smtp() -> Smtp | None:
    """The SMTP settings; None when no server is configured (no e-mail is sent).

    Raises ValueError (Swedish) for a security mode that does not exist or a port that is no number."""
    host = get("SAMVERKAN_SMTP_HOST").strip()
    if not host:
        return None
    security = get("SAMVERKAN_SMTP_SECURITY").strip().lower()
    if security not in ("starttls", "ssl", "none"):
        raise ValueError(f"SAMVERKAN_SMTP_SECURITY ska vara starttls, ssl eller none (fick '{security}').")
    try:
        port = int(get("SAMVERKAN_SMTP_PORT"))
    except ValueError:
        raise ValueError(f"SAMVERKAN_SMTP_PORT ska vara ett portnummer (fick '{get('SAMVERKAN_SMTP_PORT')}').") from None
    return Smtp(host=host, port=port, security=security, user=get("SAMVERKAN_SMTP_USER").strip(),
                password=get("SAMVERKAN_SMTP_PASSWORD"), sender=get("SAMVERKAN_MAIL_FROM").strip())


def accessibility_contact() -> str:
    return get("SAMVERKAN_ACCESSIBILITY_CONTACT").strip()
