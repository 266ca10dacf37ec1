"""Who may see, export, import and write what: roles from configuration, checked on the server.

Roles (Swedish names, as municipalities use them):

* ``ledamot``         a committee member; always per committee (``committee: BUN``). Reads goal
                      status and writes the own committee's analyses, nothing else.
* ``styrgrupp``       the joint steering group: every page but import and the audit log; exports.
* ``analytiker``      analysts and controllers: every page but import and the audit log; exports;
                      may switch to exact figures (internal material).
* ``dataforvaltare``  data stewards: imports, and the pages that show what was imported; exact
                      figures.
* ``admin``           everything, including the audit log and exact figures.

A person gets roles from an ID-token claim (``claim``, e.g. ``groups`` or ``roles``: each value
listed under ``groups`` grants its roles) and/or from an allow-list of e-mail addresses
(``users``). The file is validated like the goal file: every problem is named with its place and
a hint, in Swedish. Nothing here imports streamlit: the pages, the CLI and the tests share it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from data import config_files


class Role(StrEnum):
    LEDAMOT = "ledamot"
    STYRGRUPP = "styrgrupp"
    ANALYTIKER = "analytiker"
    DATAFORVALTARE = "dataforvaltare"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.LEDAMOT: "Ledamot", Role.STYRGRUPP: "Styrgrupp", Role.ANALYTIKER: "Analytiker",
    Role.DATAFORVALTARE: "Dataförvaltare", Role.ADMIN: "Administratör",
}

# Pages by id (the url_path in app.py) and the roles that may open them. A ledamot sees the own
# committee's page: the page ids of committee pages are the committee ids in lower case.
PAGE_ROLES: dict[str, frozenset[Role]] = {
    "oversikt": frozenset(Role),
    "bun": frozenset({Role.LEDAMOT, Role.STYRGRUPP, Role.ANALYTIKER, Role.ADMIN}),
    "sn": frozenset({Role.LEDAMOT, Role.STYRGRUPP, Role.ANALYTIKER, Role.ADMIN}),
    "styrgrupp": frozenset({Role.STYRGRUPP, Role.ANALYTIKER, Role.ADMIN}),
    "uppfoljning": frozenset({Role.STYRGRUPP, Role.ANALYTIKER, Role.ADMIN}),
    # public external figures beside the municipality's own published ones: every committee member too
    "jamforelser": frozenset({Role.LEDAMOT, Role.STYRGRUPP, Role.ANALYTIKER, Role.ADMIN}),
    "definitioner": frozenset(Role),
    "import": frozenset({Role.DATAFORVALTARE, Role.ADMIN}),
    "granskningslogg": frozenset({Role.ADMIN}),
    "tillganglighet": frozenset(Role),  # the accessibility statement: for everyone
}
COMMITTEE_PAGES = {"bun": "BUN", "sn": "SN"}  # page id -> the committee whose members may open it
EXPORT_ROLES = frozenset({Role.STYRGRUPP, Role.ANALYTIKER, Role.ADMIN})
IMPORT_ROLES = frozenset({Role.DATAFORVALTARE, Role.ADMIN})
# Exact figures (no rounding, nothing hidden) are internal material for those who can read the
# source systems anyway; committee members and the steering group always get the protected ones.
EXACT_ROLES = frozenset({Role.ANALYTIKER, Role.DATAFORVALTARE, Role.ADMIN})
# The follow-up registers (actions, assignments, recommendations, meetings, decisions, annotations)
# are kept by the steering group and the analysts; committee members read them on the goal cards.
REGISTER_ROLES = frozenset({Role.STYRGRUPP, Role.ANALYTIKER, Role.ADMIN})


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Grant(_Model):
    """One role, for ``ledamot`` with the committee it applies to."""

    role: Role
    committee: str | None = None

    @model_validator(mode="after")
    def _committee_for_members(self) -> Grant:
        if self.role == Role.LEDAMOT and not self.committee:
            raise ValueError("en ledamot ska ha en nämnd, t.ex. {role: ledamot, committee: BUN}")
        if self.role != Role.LEDAMOT and self.committee:
            raise ValueError(f"bara rollen ledamot har en nämnd (rollen är {self.role.value})")
        return self

    @property
    def label(self) -> str:
        return ROLE_LABELS[self.role] + (f" ({self.committee})" if self.committee else "")


class AccessConfig(_Model):
    claim: str = Field(default="groups", min_length=1)
    groups: dict[str, list[Grant]] = Field(default_factory=dict)
    users: dict[str, list[Grant]] = Field(default_factory=dict)

    @field_validator("users")
    @classmethod
    def _emails(cls, v: dict[str, list[Grant]]) -> dict[str, list[Grant]]:
        bad = [e for e in v if "@" not in e or e.strip() != e]
        if bad:
            raise ValueError(f"ska vara e-postadresser (fick {', '.join(repr(b) for b in bad)})")
        return {e.lower(): g for e, g in v.items()}

    def committees(self) -> set[str]:
        return {g.committee for gs in (*self.groups.values(), *self.users.values()) for g in gs if g.committee}

    def grants_for(self, claims: Mapping[str, object]) -> list[Grant]:
        """The roles of a person with these ID-token claims: the e-mail allow-list for a verified
        e-mail claim only (``verified_email``), and the claim values."""
        out: list[Grant] = []
        email = verified_email(claims)
        if email:
            out.extend(self.users.get(email, []))
        values = claims.get(self.claim)
        if isinstance(values, str):
            values = [values]
        for value in values or []:
            out.extend(self.groups.get(str(value), []))
        return list(dict.fromkeys(out))


def verified_email(claims: Mapping[str, object]) -> str:
    """The ``email`` claim in lower case when the provider vouches for it (``email_verified`` is
    true, as OpenID Connect defines it), '' otherwise. Anyone can put any address in an account at
    some providers; an unverified one must neither grant a role nor name a person in the log.
    Entra ID sends no ``email_verified`` (DEPLOY.md): there, roles come from app roles.

    >>> verified_email({"email": "Anna@Kommun.se", "email_verified": True})
    'anna@kommun.se'
    >>> verified_email({"email": "anna@kommun.se"})
    ''
    """
    verified = claims.get("email_verified")
    if verified is True or (isinstance(verified, str) and verified.strip().lower() == "true"):
        return str(claims.get("email") or "").strip().lower()
    return ""


def identity(claims: Mapping[str, object]) -> str:
    """Who a login is, for the log and for what a person writes: the verified e-mail, else the
    token's subject (for Swedish e-ID often a personnummer: the store keeps a pseudonym of it,
    ``data.privacy.user_ref``), else 'okänd'."""
    return verified_email(claims) or str(claims.get("sub") or "").strip() or "okänd"


class AccessConfigError(ValueError):
    """The role file is missing, not YAML, or does not validate. Message in Swedish."""


def load(path: Path | str, known_committees: Iterable[str] = ()) -> AccessConfig:
    """Read and validate the role file; ``known_committees`` are the goal file's committee ids."""
    path = Path(path)
    cfg = config_files.load_model(path, AccessConfig, AccessConfigError, "Rollfilen", "claim, groups och users",
                                  "SAMVERKAN_ACCESS", empty_is_default=True, messages=_message)
    known = set(known_committees)
    unknown = sorted(cfg.committees() - known) if known else []
    if unknown:
        raise AccessConfigError(f"Rollfilen {path} är felaktig:\n  - committee: okänd nämnd "
                                f"{', '.join(unknown)}; kända (från målfilen): {', '.join(sorted(known))}")
    return cfg


def _message(e: dict) -> str | None:
    if e["type"] == "enum":
        return f"okänd roll '{e['input']}'; kända: {', '.join(r.value for r in Role)}"
    return None


# --- decisions (pure functions of the grants) -----------------------------------------------

def roles(grants: Iterable[Grant]) -> set[Role]:
    return {g.role for g in grants}


def member_of(grants: Iterable[Grant]) -> set[str]:
    return {g.committee for g in grants if g.role == Role.LEDAMOT and g.committee}


def may_open(grants: Iterable[Grant], page: str) -> bool:
    """Whether a person with ``grants`` may open page ``page`` (a url_path of app.py)."""
    grants = list(grants)
    allowed = PAGE_ROLES.get(page, frozenset())
    other = roles(grants) - {Role.LEDAMOT}
    if other & allowed:
        return True
    if Role.LEDAMOT in allowed and page in COMMITTEE_PAGES:
        return COMMITTEE_PAGES[page] in member_of(grants)
    return Role.LEDAMOT in allowed and bool(member_of(grants))


def may_export(grants: Iterable[Grant]) -> bool:
    return bool(roles(grants) & EXPORT_ROLES)


def may_see_exact(grants: Iterable[Grant]) -> bool:
    """Whether a person may switch pages and exports to exact counts (``EXACT_ROLES``)."""
    return bool(roles(grants) & EXACT_ROLES)


def may_import(grants: Iterable[Grant]) -> bool:
    return bool(roles(grants) & IMPORT_ROLES)


def may_edit_registers(grants: Iterable[Grant]) -> bool:
    return bool(roles(grants) & REGISTER_ROLES)


def may_write_analysis(grants: Iterable[Grant], committees: Iterable[str]) -> bool:
    """A goal's analysis: members of (one of) the goal's committees, and the admin."""
    grants = list(grants)
    return Role.ADMIN in roles(grants) or bool(member_of(grants) & set(committees))


# The views a person can try in demo mode (no login): one per role, members per committee.
def demo_grants(committees: Iterable[str]) -> dict[str, list[Grant]]:
    out = {f"Ledamot, {c}": [Grant(role=Role.LEDAMOT, committee=c)] for c in committees}
    for role in (Role.STYRGRUPP, Role.ANALYTIKER, Role.DATAFORVALTARE, Role.ADMIN):
        out[ROLE_LABELS[role]] = [Grant(role=role)]
    return out
