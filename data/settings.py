"""Configuration as data: every setting has an environment variable, a default, a type with its
allowed values, and help text.

Every setting in effect is parsed and checked once at start (``check``, called by app.py and
cli.py), so an invalid value stops the start with a Swedish message naming the setting, its value
and what is allowed, instead of being clamped or failing later at first use. README.md's settings
table is generated from ``SETTINGS`` (``markdown_table``; ``python cli.py docs`` writes it,
``tests/test_docs.py`` checks it); ``python cli.py settings`` prints what is in effect.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class SettingError(ValueError):
    """One or more settings have values outside what they allow. Message in Swedish."""


@dataclass(frozen=True)
class Setting:
    env: str
    default: str
    help: str
    # text | path | url | int | choice. Paths and URLs are not opened here: the goal file, the
    # role file and the others are validated with their own messages where they are read.
    kind: str = "text"
    minimum: int | None = None  # int: the smallest allowed value
    maximum: int | None = None  # int: the largest allowed value
    optional: bool = False  # int: may also be empty (the setting is then not configured)
    choices: tuple[str, ...] = ()  # choice: the allowed values, compared without case
    secret: bool = False  # never printed (cli.py settings)

    def parse(self, raw: str) -> str | int | None:
        """The typed value of ``raw`` (an int, a lower-case choice, else the string; None for an
        empty optional int); raises SettingError naming the setting, its value and what is allowed."""
        if self.kind == "int":
            if self.optional and not raw.strip():
                return None
            # ASCII digits, spaces around allowed (an env file's ' 10 '): Python's int() also
            # takes '5_0' (50), '+5' and other scripts' digits, none of which anyone means here
            if not re.fullmatch(r"\s*-?[0-9]+\s*", raw):
                raise SettingError(self._refusal(raw))
            value = int(raw)
            if (self.minimum is not None and value < self.minimum) or \
                    (self.maximum is not None and value > self.maximum):
                raise SettingError(self._refusal(raw))
            return value
        if self.kind == "choice":
            value = raw.strip().lower()
            if value not in self.choices:
                raise SettingError(self._refusal(raw))
            return value
        return raw

    def _refusal(self, raw: str) -> str:
        return f"{self.env} = '{raw}' är inte tillåtet: ska vara {self.allowed_sv}."

    @property
    def allowed_sv(self) -> str:
        """What the setting allows, in Swedish (for the start-up message and cli.py settings)."""
        if self.kind == "int":
            if self.maximum is not None:
                what = f"ett heltal från {self.minimum} till {self.maximum}"
            else:
                what = f"ett heltal från {self.minimum} och uppåt"
            return f"tomt eller {what}" if self.optional else what
        if self.kind == "choice":
            named = [f"'{c}'" if c else "tomt" for c in self.choices]
            return ", ".join(named[:-1]) + " eller " + named[-1]
        text = "valfri text (hemlig: visas inte)" if self.secret else "valfri text"
        return {"path": "en sökväg", "url": "en SQLAlchemy-URL"}.get(self.kind, text)

    @property
    def allowed_en(self) -> str:
        """What the setting allows, in English (README's table)."""
        if self.kind == "int":
            what = (f"whole number {self.minimum}–{self.maximum}" if self.maximum is not None
                    else f"whole number ≥ {self.minimum}")
            return f"empty or {what}" if self.optional else what
        if self.kind == "choice":
            named = [f"`{c}`" if c else "empty" for c in self.choices]
            return ", ".join(named[:-1]) + " or " + named[-1]
        text = "secret text" if self.secret else "text"
        return {"path": "path", "url": "SQLAlchemy URL"}.get(self.kind, text)

    @property
    def doc_default(self) -> str:
        """The default as README shows it: paths relative to the repository, '(empty)' for none."""
        return f"`{self.default.replace(str(ROOT) + os.sep, '')}`" if self.default else "(empty)"


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "SAMVERKAN_DB", str(ROOT / "var" / "samverkan.duckdb"),
        "The DuckDB warehouse. When it is the default and missing, the dashboard (and `run.sh`)"
        " builds the demo municipality there.",
        kind="path"),
    Setting(
        "SAMVERKAN_STORE_URL", "sqlite:///" + str(ROOT / "var" / "samverkan_store.sqlite"),
        "SQLAlchemy URL of the transactional store for what users write (the committees' goal"
        " analyses, the follow-up registers, the audit log); any SQLAlchemy URL, e.g."
        " postgresql+psycopg://user@host/samverkan (migrated on first use).",
        kind="url"),
    Setting(
        "SAMVERKAN_GOALS", str(ROOT / "config" / "goals.yaml"),
        "The goal file: committees, mandate period, goals, targets, parts.",
        kind="path"),
    Setting(
        "SAMVERKAN_ACCESS", str(ROOT / "config" / "access.yaml"),
        "The role file: which ID-token claim values and e-mail addresses get which roles (see \"Login"
        " and roles\").",
        kind="path"),
    Setting(
        "SAMVERKAN_AUTH", "",
        "Empty: log in with `[auth]` in `.streamlit/secrets.toml`; the demo runs open without it (a"
        " warehouse whose import ledger holds only the demo generator's rows), any other warehouse"
        " refuses to start. `off`: no login, everyone is admin, a red banner on every page (only"
        " behind a proxy that authenticates).",
        kind="choice", choices=("", "off")),
    Setting(
        "SAMVERKAN_SUPPRESS_MIN_COUNT", "5",
        "Counts from 1 to this value − 1 are not shown (0 is shown).",
        kind="int", minimum=1),
    Setting(
        "SAMVERKAN_SUPPRESS_MIN_DENOMINATOR", "10",
        "A share or mean with a smaller denominator is not shown.",
        kind="int", minimum=1),
    Setting(
        "SAMVERKAN_ROUNDING_BASE", "5",
        "Every published count below goal level (and a mean's sum of days) is rounded to a multiple"
        " of this base and every share, rate and mean is computed from the rounded figures; with 5"
        " (or any base that protects a line on its own) the rounding is done per school and every"
        " figure above a school is the sum of the schools' cells (`DISCLOSURE.md`). A deployment decision: **`1` makes every page exact for everyone,"
        " committees and the committee brief included** (small counts are then still hidden, with"
        " secondary suppression, but differences across tables can undo that). Goal statuses are"
        " always exact; analysts, data stewards and the admin can switch to exact figures themselves"
        " without changing this.",
        kind="int", minimum=1),
    Setting(
        "SAMVERKAN_PSEUDONYM_KEY", "",
        "Secret HMAC key (at least 32 bytes) for the pseudonyms that replace personnummer at import,"
        " and for the pseudonym of a login whose id holds one (Swedish e-ID); keep it outside the"
        " database and the repository. Files with personnummer are refused without it, or with a"
        " shorter key, and so is such a login.",
        secret=True),
    Setting(
        "SAMVERKAN_PSEUDONYM_KEY_VERSION", "1",
        "Version label of that key, recorded in the import ledger."),
    Setting(
        "SAMVERKAN_IMPORT_MAX_MB", "2048",
        "Largest import file in MB; a larger one is refused before it is read. Through the browser,"
        " Streamlit's `server.maxUploadSize` (200 MB, `.streamlit/config.toml`) limits an upload"
        " first, and the upload box says so; a larger extract goes through `cli.py import`.",
        kind="int", minimum=1),
    Setting(
        "SAMVERKAN_IMPORT_MAX_ROWS", "50000000",
        "Most lines in an import file; refused before parsing.",
        kind="int", minimum=1),
    Setting(
        "SAMVERKAN_IMPORT_XLSX_MAX_MB", "300",
        "Largest unpacked size of an `.xlsx` import in MB (read from the zip directory before"
        " anything is unpacked).",
        kind="int", minimum=1),
    Setting(
        "SAMVERKAN_RETENTION_YEARS", "",
        "Retention of pupil-level rows in school years: `cli.py retention` keeps the school year in"
        " progress and this many before it (never the goal file's baseline years; PRIVACY.md). Empty:"
        " none configured, and the command needs `--years`.",
        kind="int", minimum=0, optional=True),
    Setting(
        "SAMVERKAN_MUNICIPALITY", "",
        "The municipality's name as the source in chart footnotes, exports and the committee brief;"
        " empty: \"Demodata – fiktiv kommun\" on the demo, else the name stored with the data."),
    Setting(
        "SAMVERKAN_PEERS", str(ROOT / "config" / "peers.yaml"),
        "The comparison file: the municipality's own code, its peer municipalities, the Kolada"
        " indicators on **Jämförelser**, and `scb_population_for_total` (see \"Comparisons\").",
        kind="path"),
    Setting(
        "SAMVERKAN_DISTRIBUTION", str(ROOT / "config" / "distribution.yaml"),
        "The distribution list of the steering group's monthly brief: `format` (pdf or docx) and"
        " `recipients` (e-mail addresses); validated; listed in PRIVACY.md.",
        kind="path"),
    Setting(
        "SAMVERKAN_SMTP_HOST", "",
        "SMTP server for the monthly brief; empty: no e-mail is sent (an import says so)."),
    Setting(
        "SAMVERKAN_SMTP_PORT", "587",
        "Its port.",
        kind="int", minimum=1, maximum=65535),
    Setting(
        "SAMVERKAN_SMTP_SECURITY", "starttls",
        "`starttls`, `ssl` (TLS from the start, usually port 465) or `none` (a relay on the same"
        " machine, tests).",
        kind="choice", choices=("starttls", "ssl", "none")),
    Setting(
        "SAMVERKAN_SMTP_USER", "",
        "Login name at the SMTP server; empty: no login."),
    Setting(
        "SAMVERKAN_SMTP_PASSWORD", "",
        "Its password – a secret: the service's environment, never a file in the repository.",
        secret=True),
    Setting(
        "SAMVERKAN_MAIL_FROM", "samverkan@kommun.example",
        "Sender address of the brief."),
    Setting(
        "SAMVERKAN_ACCESSIBILITY_CONTACT", "",
        "Where users report accessibility problems (an e-mail or web address), as the accessibility"
        " statement (**Tillgänglighetsredogörelse**) names it; empty: the statement says no contact is"
        " set."),
    Setting(
        "SAMVERKAN_DEMO_SEED", "20261023",
        "Seed of the deterministic demo municipality.",
        kind="int", minimum=0),
)

_BY_ENV = {s.env: s for s in SETTINGS}


def get(env: str) -> str:
    """The value of a setting: the environment variable if set and non-empty, else the default."""
    setting = _BY_ENV[env]
    value = os.environ.get(env, "")
    return value if value.strip() else setting.default


def value(env: str) -> str | int | None:
    """The typed value of a setting in effect (``Setting.parse``); raises SettingError when invalid."""
    return _BY_ENV[env].parse(get(env))


def problems() -> list[str]:
    """Every setting in effect whose value is not allowed, one Swedish message each (empty: all valid)."""
    out = []
    for s in SETTINGS:
        try:
            s.parse(get(s.env))
        except SettingError as exc:
            out.append(str(exc))
    return out


def check() -> None:
    """Raise SettingError listing every invalid setting in effect: called once at start (app.py,
    cli.py) so that a wrong value stops the start instead of surfacing at first use."""
    found = problems()
    if found:
        raise SettingError("Ogiltiga inställningar (miljövariabler):\n"
                           + "\n".join(f"  - {p}" for p in found))


def in_effect() -> list[tuple[Setting, str, str]]:
    """(setting, value as shown, where it comes from) for every setting, in Swedish. Secrets show
    only whether they are set."""
    rows = []
    for s in SETTINGS:
        from_env = bool(os.environ.get(s.env, "").strip())
        shown = get(s.env)
        if s.secret:
            shown = "(satt, dold)" if shown.strip() else "(tom)"
        elif not shown.strip():
            shown = "(tom)"
        elif s.kind == "url":  # a database URL may carry a password: user:password@host
            shown = re.sub(r"(://[^/:@]*:)[^@/]*@", r"\1(dolt)@", shown)
        rows.append((s, shown, "miljövariabel" if from_env else "standardvärde"))
    return rows


TABLE_START = "<!-- settings table: generated from data/settings.py by 'python cli.py docs' -->"
TABLE_END = "<!-- end of settings table -->"


def markdown_table() -> str:
    """README's settings table, one row per setting, generated from ``SETTINGS``."""
    lines = ["| variable | default | allowed | meaning |", "|---|---|---|---|"]
    lines += [f"| `{s.env}` | {s.doc_default} | {s.allowed_en} | {s.help} |" for s in SETTINGS]
    return "\n".join(lines)


def readme_with_table(text: str) -> str:
    """``text`` (README.md) with the part between the table's markers replaced by ``markdown_table``;
    raises ValueError when the markers are missing."""
    try:
        head, rest = text.split(TABLE_START + "\n", 1)
        _, tail = rest.split(TABLE_END, 1)
    except ValueError:
        raise ValueError(f"README.md saknar markeringarna {TABLE_START} och {TABLE_END}.") from None
    return f"{head}{TABLE_START}\n{markdown_table()}\n{TABLE_END}{tail}"


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
    return value("SAMVERKAN_SUPPRESS_MIN_COUNT"), value("SAMVERKAN_SUPPRESS_MIN_DENOMINATOR")


def rounding_base() -> int:
    """The rounding base; a value below 1 is refused (SettingError), not clamped."""
    return value("SAMVERKAN_ROUNDING_BASE")


def demo_seed() -> int:
    return value("SAMVERKAN_DEMO_SEED")


def import_limits() -> tuple[int, int, int]:
    """(max file bytes, max lines, max unpacked .xlsx bytes) for imports."""
    mb = 1_000_000
    return (value("SAMVERKAN_IMPORT_MAX_MB") * mb, value("SAMVERKAN_IMPORT_MAX_ROWS"),
            value("SAMVERKAN_IMPORT_XLSX_MAX_MB") * mb)


def retention_years() -> int | None:
    """SAMVERKAN_RETENTION_YEARS; None when it is not set."""
    return value("SAMVERKAN_RETENTION_YEARS")


def access_path() -> Path:
    return Path(get("SAMVERKAN_ACCESS"))


def auth_off() -> bool:
    return value("SAMVERKAN_AUTH") == "off"


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

    Raises SettingError (a ValueError, Swedish) for a security mode that does not exist or a port
    outside 1-65535."""
    host = get("SAMVERKAN_SMTP_HOST").strip()
    if not host:
        return None
    security, port = value("SAMVERKAN_SMTP_SECURITY"), value("SAMVERKAN_SMTP_PORT")
    return Smtp(host=host, port=port, security=security, user=get("SAMVERKAN_SMTP_USER").strip(),
                password=get("SAMVERKAN_SMTP_PASSWORD"), sender=get("SAMVERKAN_MAIL_FROM").strip())


def accessibility_contact() -> str:
    return get("SAMVERKAN_ACCESSIBILITY_CONTACT").strip()
