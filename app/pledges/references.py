"""Bank-transfer references for pledges: short, ASCII, hard to mistype, with a check character.

Format "VNN" + 7 characters from an alphabet without look-alikes (no 0/O, 1/I/L, 5/S, 2/Z, 8/B) + 1 check
character (ISO 7064 MOD 31-30 style over the alphabet): e.g. "VNNK7QX3MH9". 11 characters, well under the
19 that banks keep intact. Matching ignores case, spaces and hyphens that banking apps insert.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"  # 25 symbols, no look-alikes
PREFIX = "VNN"
BODY_LENGTH = 7
_INDEX = {ch: i for i, ch in enumerate(ALPHABET)}
_N = len(ALPHABET)


def check_char(body: str) -> str:
    """A check character (ISO 7064 pure-system style, modulus = alphabet size) that catches single
    substitutions and adjacent transpositions."""
    total = 0
    for ch in body:
        total = (total + _INDEX[ch]) * 2 % (_N + 1 if _N % 2 == 0 else _N)
    return ALPHABET[(-total) % _N]


def new_reference() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return f"{PREFIX}{body}{check_char(body)}"


_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]")


def normalize(text: str) -> str:
    return _NOT_ALNUM.sub("", text or "").upper()


def is_valid_reference(text: str) -> bool:
    ref = normalize(text)
    if len(ref) != len(PREFIX) + BODY_LENGTH + 1 or not ref.startswith(PREFIX):
        return False
    body, check = ref[len(PREFIX) : -1], ref[-1]
    return all(ch in _INDEX for ch in body + check) and check_char(body) == check


# A lookahead, so candidates overlap: "VNN VNNK7QX3MH9" (the prefix typed, then the reference pasted) still finds
# the reference that starts inside the first, invalid candidate. Up to three separators between characters ("vnn -
# k7qx - 3mh9"); the check character keeps stray text from matching.
_CANDIDATE = re.compile(r"(?=(VNN(?:[\s\-.]{0,3}[0-9A-Z]){8}))", re.IGNORECASE)


def find_references(memo: str) -> list[str]:
    """Every valid pledge reference inside a bank memo, in order and once each. Stray text passes the check character
    about 1 time in 25, so a caller that can look references up keeps the first that names a pledge."""
    found: list[str] = []
    for m in _CANDIDATE.finditer(memo or ""):
        ref = normalize(m.group(1))[: len(PREFIX) + BODY_LENGTH + 1]
        if is_valid_reference(ref) and ref not in found:
            found.append(ref)
    return found


def find_reference(memo: str) -> str | None:
    """The first valid pledge reference inside a bank memo ("UNG HO VNN-K7QX 3MH9 NGUYEN VAN A")."""
    found = find_references(memo)
    return found[0] if found else None
