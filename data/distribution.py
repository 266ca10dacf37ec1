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

from pydantic import BaseModel, ConfigDict, Field, field_validator

from data import config_files

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


def _message(e: dict) -> str | None:
    if e["type"] == "literal_error":
        return f"ska vara pdf eller docx (fick '{e['input']}')"
    if e["type"] == "too_short":
        return "minst en mottagare behövs"
    return None


def load(path: Path | str) -> Distribution:
    return config_files.load_model(path, Distribution, DistributionError, "Sändlistan", "format och recipients",
                                   "SAMVERKAN_DISTRIBUTION", messages=_message)
