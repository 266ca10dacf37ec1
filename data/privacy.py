"""What may be written to the store, and how a user is named there (PRIVACY.md).

Three rules, all built on the importer's finder (``data.personnummer.spans``):

* **Typed text is refused.** What a person types (an analysis, its author, a register field, a
  change note, a reason) and that holds a personnummer – or a number that may be one – is not
  saved; the message names the field and says the text is kept (``typed_problem``).
* **Text the product writes is masked.** Audit details, file names and messages keep their words
  with the digits of every number replaced (``personnummer.mask``).
* **A user id holding a personnummer is a pseudonym.** Swedish e-ID logins often put the
  personnummer in the ID token's ``sub`` (or an address like ``201204152384@kommun.se``). Such an
  id is stored as ``anv-`` and 24 hex digits of HMAC-SHA256 under the pseudonym key
  (``SAMVERKAN_PSEUDONYM_KEY``), domain-separated from the children's pseudonyms so that a member
  of staff who was once a pupil in the data cannot be linked to that child (``user_ref``). The
  person is shown by the display name from the token.

Nothing here imports streamlit: the store, the registers, the CLI and the tests share it.
"""

from __future__ import annotations

import hashlib
import hmac

from data import personnummer

USER_PREFIX = "anv-"
# Domain separation: a user's pseudonym is never the HMAC a child with the same number gets.
_USER_DOMAIN = b"samverkan-user-id\x00"


class PersonalNumberRefused(ValueError):
    """Typed text with a personnummer; the message (Swedish) names the field."""


def typed_problem(label: str, text: str | None) -> str | None:
    """The Swedish message for a typed field that holds a personnummer, else None.

    >>> typed_problem("Analys", "Ring om 121212-1212").startswith("Fältet 'Analys' innehåller ett personnummer")
    True
    >>> typed_problem("Analys", "Närvaron ökade med 12 %") is None
    True
    """
    if not text or not personnummer.find(str(text)):
        return None
    return (f"Fältet '{label}' innehåller ett personnummer (eller ett nummer som kan vara ett). "
            "Personnummer sparas aldrig i Samverkan: ta bort numret och spara igen.")


def check_typed(fields: dict[str, str | None]) -> None:
    """Raise PersonalNumberRefused naming every typed field (label -> text) that holds a number."""
    problems = [p for label, text in fields.items() if (p := typed_problem(label, text))]
    if problems:
        raise PersonalNumberRefused("\n".join(problems))


def is_pseudonym(user_id: str | None) -> bool:
    """Whether a stored user id is a pseudonym made by ``user_ref``."""
    return bool(user_id) and user_id.startswith(USER_PREFIX)


def _canonical(user_id: str) -> str:
    """The id with each number in its 12-digit form, so that the spellings of one e-ID
    ('20120415-2384', '201204152384', '120415-2384') give one pseudonym; a number that cannot be
    normalised keeps its digits (it still only ever enters the HMAC)."""
    out, last = [], 0
    for start, end in sorted(personnummer.spans(user_id)):
        if start < last:
            continue
        raw = user_id[start:end]
        out.append(user_id[last:start])
        out.append(personnummer.normalise(raw) or "".join(ch for ch in raw if ch.isdigit()))
        last = end
    out.append(user_id[last:])
    return "".join(out).strip().lower()


def user_ref(user_id: str, key: bytes | None = None) -> str:
    """The id under which a user is stored: ``user_id`` itself, or ``anv-`` + 24 hex digits when it
    holds a personnummer. ``key`` None: the pseudonym key from the environment; raises
    ``personnummer.MissingKey`` when there is none (an id is never stored raw, nor masked into one
    that many people would share).

    >>> user_ref("anna@kommun.se")
    'anna@kommun.se'
    >>> user_ref("201204152384", b"k" * 32)  # doctest: +ELLIPSIS
    'anv-...'
    """
    user_id = (user_id or "").strip()
    if is_pseudonym(user_id) or not personnummer.find(user_id):
        return user_id
    if key is None:
        found = personnummer.key_from_env()
        if found is None:
            raise personnummer.MissingKey()
        key = found[0]
    digest = hmac.new(key, _USER_DOMAIN + _canonical(user_id).encode(), hashlib.sha256).hexdigest()
    return USER_PREFIX + digest[:24]


def masked(text: str | None) -> str:
    """Text the product writes, with every number that is or may be a personnummer masked."""
    return personnummer.mask("" if text is None else str(text))
