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

# Unicode dashes and spaces that spreadsheets and word processors put in numbers.
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_SPACES = "\u00a0\u2007\u2009\u200a\u202f\u205f\u3000\t"
_CLEAN = str.maketrans({**{c: "-" for c in _DASHES}, **{c: " " for c in _SPACES}})
_EXCEL_TEXT = re.compile(r'^\s*=\s*"(.*)"\s*$')  # ="121212-1212": Excel's "keep as text" wrapper
_FULL = re.compile(r"^(\d{2})?(\d{6})([-+ ]?)(\d{4})$")
# A run of digit groups joined by one or two separators (anything but letters, digits, newline):
# '1212 12-1212', '12.12.12-1212', 'P201212121212' (the P is not part of the run).
_RUN = re.compile(r"\d+(?:[^0-9A-Za-zÅÄÖåäö\n]{1,2}\d+)*")
_GROUP = re.compile(r"\d+")
# Excel turns a long number into exponential form: 1.21212E+11, 2,01212E+11, 1,21212E+09 (always
# with decimals and an explicit '+', so that '9e8' inside a hexadecimal key is not taken for one).
_SCIENTIFIC = re.compile(r"(?<![0-9A-Za-z])[+-]?\d[.,]\d+\s?[eE]\+0?(?:8|9|10|11)(?![0-9])")
# Hexadecimal keys (hashes, pseudonyms from another system, UUIDs) hold long digit runs by chance:
# digits inside such a token (16 or more hex characters with at least one letter) are not read as
# a number. '201212121212' (no letter) and 'P201212121212' (not hex) are still read.
_HEX_TOKEN = re.compile(r"(?<![0-9A-Za-z])(?=[0-9A-Fa-f-]*[A-Fa-f])(?:[0-9A-Fa-f]{16,}|[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12})(?![0-9A-Za-z])")
# A date with a clock time, as the product and spreadsheets write them ('2026-12-03 22:07',
# '2024-09-15T08:30:00'): its digits pass the date and Luhn checks one time in ten
# ('202612032207'), yet nobody writes a personnummer with a colon. A candidate lying wholly inside
# one is not read as a number; digits around it still are.
_TIMESTAMP = re.compile(r"(?<![0-9])(?:18|19|20)\d{2}-[01]\d-[0-3]\d[ T][0-2]\d:[0-5]\d(?::[0-5]\d(?:\.\d+)?)?(?![0-9])")
# Cheap SQL/polars prefilters: a value can only hold a number when it has 9 digits, or an exponent.
PREFILTER_DIGITS = 9
SCIENTIFIC_PATTERN = r"\d[.,]\d+\s?[eE]\+0?(?:8|9|10|11)"
# A whole value that is one hexadecimal token (as _HEX_TOKEN; the letter is checked apart, since
# the native regex engines have no look-ahead) holds no number: every digit run lies inside it.
# Example: the 16-hex pupil keys of another system, '9e8a0c1d2b3f4a56'.
WHOLE_HEX_PATTERN = r"^(?:[0-9A-Fa-f]{16,}|[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12})$"
HEX_LETTER_PATTERN = r"[A-Fa-f]"

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


def clean(text: str) -> str:
    """Unicode dashes to '-', Unicode spaces to ' ', Excel's ="…" wrapper removed, trimmed."""
    t = (text or "").translate(_CLEAN)
    m = _EXCEL_TEXT.match(t)
    return (m.group(1) if m else t).strip()


def _date_ok(yymmdd: str) -> bool:
    mm, dd = int(yymmdd[2:4]), int(yymmdd[4:6])
    return 1 <= mm <= 12 and (1 <= dd <= 31 or 61 <= dd <= 91)  # 61-91: samordningsnummer


def plausible(digits: str) -> bool:
    """Whether a digit string (10 or 12 digits, or 9 that lost a leading zero) can be a
    personnummer or samordningsnummer: a possible date and a valid Luhn check digit."""
    if len(digits) == 9:
        digits = "0" + digits
    if len(digits) == 12:
        if digits[:2] not in ("18", "19", "20"):
            return False
        digits = digits[2:]
    return len(digits) == 10 and _date_ok(digits[:6]) and luhn_ok(digits)


def normalise(text: str, today: date | None = None) -> str | None:
    """The 12-digit form (YYYYMMDDNNNN) if ``text`` is a valid personnummer or
    samordningsnummer, else None. Unicode dashes and spaces and Excel's ="…" are accepted."""
    m = _FULL.match(clean(text))
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


def spans(text: str) -> list[tuple[int, int]]:
    """Where ``text`` holds something that is or may be a personnummer: any 10 or 12 digits (in
    whole groups of a run, with any separators or none) that pass the date and Luhn checks, 9
    digits that do so with a lost leading zero, and numbers in Excel's exponential form."""
    text = text or ""
    found = [m.span() for m in _SCIENTIFIC.finditer(text)]
    hex_tokens = [m.span() for m in _HEX_TOKEN.finditer(text)]
    stamps = [m.span() for m in _TIMESTAMP.finditer(text)]
    for run in _RUN.finditer(text):
        if any(a <= run.start() and run.end() <= b for a, b in hex_tokens):
            continue
        groups = [(g.start() + run.start(), g.end() + run.start(), g.group()) for g in _GROUP.finditer(run.group())]
        for i, (start, _end, _d) in enumerate(groups):
            digits = ""
            for j in range(i, len(groups)):
                digits += groups[j][2]
                if len(digits) > 12:
                    break
                if len(digits) in (9, 10, 12) and plausible(digits) and not any(
                        a <= start and groups[j][1] <= b for a, b in stamps):
                    found.append((start, groups[j][1]))
    return found


def find(text: str) -> bool:
    """Whether ``text`` contains a personnummer, or a number that may be one, anywhere."""
    return bool(spans(text))


def mask(text: str) -> str:
    """The text with every digit of anything that is or may be a personnummer replaced:
    '19121212-1212' -> '••••••••-••••'. Used for every value that is ever shown, stored in the
    ledger or logged from an import (file names, column names, user names and values)."""
    text = "" if text is None else str(text)
    hits = spans(text)
    if not hits:
        return text
    chars = list(text)
    for start, end in hits:
        for k in range(start, end):
            if chars[k].isdigit():
                chars[k] = "•"
    return "".join(chars)


MIN_KEY_BYTES = 32


class WeakKey(ValueError):
    def __str__(self) -> str:
        return (f"Pseudonymiseringsnyckeln i {KEY_ENV} är för kort ({self.args[0]} byte). Den ska vara "
                f"minst {MIN_KEY_BYTES} byte slumpmässiga tecken, t.ex. från 'python -c \"import secrets; "
                f"print(secrets.token_hex(32))\"'.")


def key_from_env() -> tuple[bytes, str] | None:
    """(key, version), None when no key is set; raises WeakKey for a key under 32 bytes."""
    key = os.environ.get(KEY_ENV, "")
    if not key.strip():
        return None
    if len(key.encode()) < MIN_KEY_BYTES:
        raise WeakKey(len(key.encode()))
    return key.encode(), os.environ.get(KEY_VERSION_ENV, "").strip() or "1"


def pseudonym(twelve_digits: str, key: bytes) -> str:
    """HMAC-SHA256 of the 12-digit number, as 32 hex digits (128 bits)."""
    return hmac.new(key, twelve_digits.encode(), hashlib.sha256).hexdigest()[:32]
