"""The distribution list of the steering group's monthly brief: its own validated file.

``config/distribution.yaml`` (``SAMVERKAN_DISTRIBUTION``) names who receives the brief by e-mail
when an import completes a new month (and with ``cli.py send-brief``), and in which format.
The addresses are personal data: the file is listed in PRIVACY.md, the addresses go only into
the SMTP envelope (never into a header, the subject or the body) and never into logs or the
audit log, which count them. Validated like the goal and role files: every problem named with
its place, in Swedish.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")


class Recipient(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    email: str
    role: str = Field(default="", max_length=200)  # the function, for the file's reader only

    @field_validator("email")
    @classmethod
    def _address(cls, v: str) -> str:
        v = v.strip()
        if not _EMAIL.match(v):
            raise ValueError(f"'{v}' är ingen e-postadress")
        return v.lower()


class Distribution(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    format: Literal["pdf", "docx"] = "pdf"
    recipients: list[Recipient] = Field(min_length=1)

    @field_validator("recipients")
    @classmethod
    def _unique(cls, v: list[Recipient]) -> list[Recipient]:
        seen, twice = set(), []
        for r in v:
            if r.email in seen:
                twice.append(r.email)
            seen.add(r.email)
        if twice:
            raise ValueError(f"samma adress står flera gånger ({', '.join(twice)})")
        return v

    @property
    def addresses(self) -> list[str]:
        return [r.email for r in self.recipients]


class DistributionError(ValueError):
    """The distribution list is missing, not YAML, or does not validate. Message in Swedish."""


def load(path: Path | str) -> Distribution:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DistributionError(f"Sändlistan {path} finns inte (SAMVERKAN_DISTRIBUTION).") from None
    except yaml.YAMLError as exc:
        raise DistributionError(f"Sändlistan {path} är inte giltig YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise DistributionError(f"Sändlistan {path} ska innehålla format och recipients.")
    try:
        return Distribution.model_validate(raw)
    except ValidationError as err:
        lines = [f"Sändlistan {path} är felaktig:"]
        for e in err.errors():
            loc = " → ".join(str(x) for x in e["loc"]) or "(filen)"
            msg = e["msg"].removeprefix("Value error, ")
            if e["type"] == "missing":
                msg = "saknas"
            elif e["type"] == "extra_forbidden":
                msg = "okänt fält (stavfel?)"
            elif e["type"] == "literal_error":
                msg = f"ska vara pdf eller docx (fick '{e['input']}')"
            elif e["type"] == "too_short":
                msg = "minst en mottagare behövs"
            lines.append(f"  - {loc}: {msg}")
        raise DistributionError("\n".join(lines)) from None
