"""The comparison file: the municipality's own code, its peer municipalities and what is compared.

``config/peers.yaml`` (``SAMVERKAN_PEERS``) is validated like the goal and role files, every
problem named with its place, in Swedish. Municipality codes are checked against SCB's list of
the 290 municipalities (``data/municipalities.csv``, with '0000' for the whole country).

    municipality: "1283"
    peers: ["1280", "1281", "1282"]
    kolada:
      - id: N33900
        label: Andel invånare 0–20 år
        unit: procent
    scb_population_for_total: false
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from data import config_files

COUNTRY = "0000"
_CSV = Path(__file__).with_name("municipalities.csv")


@functools.cache
def municipalities() -> dict[str, str]:
    """Code -> name of Sweden's municipalities (SCB's codes), and '0000' -> 'Riket'."""
    lines = _CSV.read_text(encoding="utf-8").splitlines()[1:]
    return dict(line.split(";", 1) for line in lines if line)


def name(code: str) -> str:
    """'1283' -> 'Helsingborg'; '0000' -> 'Riket'; an unknown code as it is."""
    return municipalities().get(code, code)


_KOLADA_ID = re.compile(r"^[NU]\d{5}$")

# The verified children-and-young-people indicators (DOMAIN.md "External figures").
VERIFIED_KOLADA = {
    "N33900": ("Andel invånare 0–20 år", "procent"),
    "N33009": ("Kostnad för öppna insatser för barn och unga, kr per invånare", "kr per invånare"),
}


class KoladaIndicator(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    label: str = ""  # Swedish; empty: the verified indicator's own label
    unit: str = ""  # 'procent', 'kr per invånare', …
    higher_is: Literal["bättre", "sämre", "neutralt"] = "neutralt"

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        v = v.strip().upper()
        if not _KOLADA_ID.match(v):
            raise ValueError(f"'{v}' är inget Kolada-id (N eller U och fem siffror, t.ex. N33900)")
        return v

    @model_validator(mode="after")
    def _label(self) -> KoladaIndicator:
        if not self.label:
            if self.id not in VERIFIED_KOLADA:
                raise ValueError(f"ange label (en svensk benämning) för {self.id}")
            object.__setattr__(self, "label", VERIFIED_KOLADA[self.id][0])
            if not self.unit:
                object.__setattr__(self, "unit", VERIFIED_KOLADA[self.id][1])
        return self


def _default_kolada() -> list[KoladaIndicator]:
    return [KoladaIndicator(id=k) for k in VERIFIED_KOLADA]


class PeersConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    municipality: str
    peers: list[str] = Field(default_factory=list, max_length=30)
    kolada: list[KoladaIndicator] = Field(default_factory=_default_kolada)
    # SCB TAB638's residents 0–20 of the municipality replace the population table's total for
    # the municipality's per-1,000 rate (the areas keep the population table).
    scb_population_for_total: bool = False

    @field_validator("municipality")
    @classmethod
    def _own(cls, v: str) -> str:
        v = str(v).strip()
        if v not in municipalities() or v == COUNTRY:
            raise ValueError(f"'{v}' är ingen kommunkod (fyra siffror ur SCB:s kommunlista, t.ex. 1283)")
        return v

    @field_validator("peers", mode="before")
    @classmethod
    def _peer_codes(cls, v):
        codes = [str(c).strip() for c in (v or [])]
        bad = [c for c in codes if c not in municipalities() or c == COUNTRY]
        if bad:
            raise ValueError(f"okända kommunkoder: {', '.join(bad)} (fyra siffror ur SCB:s kommunlista)")
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:
            raise ValueError(f"samma kommun står flera gånger ({', '.join(twice)})")
        return codes

    @model_validator(mode="after")
    def _not_self(self) -> PeersConfig:
        if self.municipality in self.peers:
            raise ValueError(f"kommunen själv ({self.municipality}) står bland jämförelsekommunerna")
        ids = [k.id for k in self.kolada]
        if len(set(ids)) != len(ids):
            raise ValueError("samma Kolada-id står flera gånger under kolada")
        return self

    @property
    def regions(self) -> list[str]:
        """The municipality, the country and the peers, in the order the page shows them."""
        return [self.municipality, COUNTRY, *self.peers]


class PeersConfigError(ValueError):
    """The comparison file is missing, not YAML, or does not validate. Message in Swedish."""


def _message(e: dict) -> str | None:
    return f"ska vara true eller false (fick '{e['input']}')" if e["type"] == "bool_parsing" else None


def load(path: Path | str) -> PeersConfig:
    return config_files.load_model(path, PeersConfig, PeersConfigError, "Jämförelsefilen", "municipality och peers",
                                   "SAMVERKAN_PEERS", messages=_message)
