"""Swedish personal identity numbers: recognise, normalise, pseudonymise, mask.

Personnummer and samordningsnummer are written ``YYMMDD-NNNN``, ``YYMMDD+NNNN`` (age 100 or
more), ``YYYYMMDDNNNN`` or ``YYYYMMDD-NNNN``; the last digit is a Luhn check digit over the
10-digit form; samordningsnummer add 60 to the day. They are never stored: at import they are
normalised to 12 digits and replaced by HMAC-SHA256 under a secret key kept outside the database,
so the same child gets the same key in every file. Nothing in this module logs a number.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from datetime import date

# Candidates: 6 or 8 digits, an optional separator, 4 digits; not inside a longer digit run.
CANDIDATE = r"(?:^|[^0-9])(?:\d{2})?\d{6}[-+ ]?\d{4}(?:$|[^0-9])"
_FULL = re.compile(r"^(\d{2})?(\d{6})([-+ ]?)(\d{4})$")
_SEARCH = re.compile(r"(?<![0-9])((?:\d{2})?\d{6}[-+ ]?\d{4})(?![0-9])")

KEY_ENV = "SAMVERKAN_PSEUDONYM_KEY"
KEY_VERSION_ENV = "SAMVERKAN_PSEUDONYM_KEY_VERSION"


class MissingKey(RuntimeError):
    def __str__(self) -> str:
        return (f"Filen innehåller personnummer men ingen pseudonymiseringsnyckel är satt. Sätt "
                f"miljövariabeln {KEY_ENV} till en hemlig slumpsträng (minst 32 tecken, t.ex. från "
                f"'python -c \"import secrets; print(secrets.token_hex(32))\"') och förvara den utanför "
                f"databasen; samma nyckel måste användas vid varje import.")


def luhn_ok(ten_digits: str) -> bool:
    total = 0
    for i, ch in enumerate(ten_digits):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def normalise(text: str, today: date | None = None) -> str | None:
    """The 12-digit form (YYYYMMDDNNNN) if ``text`` is a valid personnummer or
    samordningsnummer, else None."""
    m = _FULL.match(text.strip())
    if not m:
        return None
    century, yymmdd, sep, last4 = m.groups()
    if not luhn_ok(yymmdd + last4):
        return None
    yy, mm, dd = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6])
    if dd > 60:  # samordningsnummer
        dd -= 60
    today = today or date.today()
    if century is None:
        year = 2000 + yy if 2000 + yy <= today.year else 1900 + yy
        if sep == "+":
            year -= 100
    else:
        year = int(century + f"{yy:02d}")
    try:
        born = date(year, mm, dd)
    except ValueError:
        return None
    if born > today:
        return None
    return f"{year:04d}{yymmdd[2:]}{last4}"


def find(text: str) -> bool:
    """Whether ``text`` contains a valid personnummer anywhere (e.g. in free text)."""
    return any(normalise(c) for c in _SEARCH.findall(text or ""))


def mask(text: str) -> str:
    """The value with every digit of any embedded personnummer replaced: '19121212-1212' ->
    '••••••••-••••'. Used for every value that is ever shown or logged from an import."""
    def repl(m: re.Match) -> str:
        return re.sub(r"\d", "•", m.group(1)) if normalise(m.group(1)) else m.group(1)

    return _SEARCH.sub(repl, text or "")


def key_from_env() -> tuple[bytes, str] | None:
    key = os.environ.get(KEY_ENV, "")
    if not key.strip():
        return None
    return key.encode(), os.environ.get(KEY_VERSION_ENV, "").strip() or "1"


def pseudonym(twelve_digits: str, key: bytes) -> str:
    """HMAC-SHA256 of the 12-digit number, as 32 hex digits (128 bits)."""
    return hmac.new(key, twelve_digits.encode(), hashlib.sha256).hexdigest()[:32]
