"""Search as people type (issue 20 item 1): the words they remember, in any order, without diacritics, some
abbreviated.

Every word of the query must be a word of the search key (the last one may be the start of a word: "yen sa" finds
"Yến Sào"), in any order; "cty", "ctcp", "tnhh", "ubnd"… stand for their words and the words for them. A query is
read into groups (`read_query`), each satisfied by one of its alternatives:

- a word, "sao" (the last word of the query as a prefix, "sa"),
- words in any order, "cong ty" typed in full ("ty cong" matches it too),
- a phrase, the expansion of an abbreviation typed: "cty" -> "cong ty" adjacent,

and each group also by the abbreviations that stand for it ("cong ty" by "cty" and "ctcp").

One reading, two translations: `sql_clause` (LIKE on word boundaries of the key, exact on every database) and
`tsquery` (the ct_search_terms GIN index of words and adjacent pairs on PostgreSQL, migration 0012, which narrows
the rows first). `closeness` ranks a matched name: the exact phrase, then the words in order, then any order.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, literal, or_

from app.core.text import search_words

# The common abbreviations of Vietnamese organisation names, folded (app.core.text.search_words) as search keys are:
# abbreviation -> its words. Each is searched both ways ("cty" finds "Công ty", "công ty" finds "Cty").
ABBREVIATIONS: dict[str, str] = {
    "cty": "cong ty",
    "ctcp": "cong ty co phan",
    "cp": "co phan",
    "tnhh": "trach nhiem huu han",
    "mtv": "mot thanh vien",
    "dntn": "doanh nghiep tu nhan",
    "tmcp": "thuong mai co phan",
    "htx": "hop tac xa",
    "ubnd": "uy ban nhan dan",
    "hdnd": "hoi dong nhan dan",
    "mttq": "mat tran to quoc",
    "ubmttq": "uy ban mat tran to quoc",
    "tp": "thanh pho",
    "vn": "viet nam",
    "bhxh": "bao hiem xa hoi",
    "nhtm": "ngan hang thuong mai",
    "dtn": "doan thanh nien",
    "hlhpn": "hoi lien hiep phu nu",
}

# The expansions, longest first, for reading a query's words ("cong ty co phan" before "cong ty").
_EXPANSIONS = sorted({tuple(v.split()) for v in ABBREVIATIONS.values()}, key=len, reverse=True)


def _contains(words: tuple[str, ...], part: tuple[str, ...]) -> bool:
    n = len(part)
    return any(words[i : i + n] == part for i in range(len(words) - n + 1))


def standing_for(words: tuple[str, ...]) -> tuple[str, ...]:
    """The abbreviations a key word may hold for these words: those whose expansion contains them ("cong ty" ->
    "cty", "ctcp"; "co phan" -> "cp", "ctcp", "tmcp")."""
    return tuple(sorted(a for a, e in ABBREVIATIONS.items() if _contains(tuple(e.split()), words)))


@dataclass(frozen=True)
class Alternative:
    kind: str  # "word" (one word), "all" (these words, any order), "phrase" (these words, adjacent)
    words: tuple[str, ...]
    prefix: bool = False  # the last word may be the start of a longer word


@dataclass(frozen=True)
class Group:
    typed: tuple[str, ...]  # the query's words this group reads
    alternatives: tuple[Alternative, ...]


def _group(typed: tuple[str, ...], prefix: bool) -> Group:
    if len(typed) > 1:  # words of an expansion typed in full: the words, or an abbreviation standing for them
        alts = [Alternative("all", typed, prefix)]
        alts += [Alternative("word", (a,)) for a in standing_for(typed)]
        return Group(typed, tuple(alts))
    word = typed[0]
    alts = [Alternative("word", typed, prefix)]
    if word in ABBREVIATIONS:
        expansion = tuple(ABBREVIATIONS[word].split())
        alts.append(Alternative("word" if len(expansion) == 1 else "phrase", expansion))
        alts += [Alternative("word", (a,)) for a in standing_for(expansion) if a != word]
    return Group(typed, tuple(alts))


def read_query(text: str | None) -> list[Group]:
    """The query's groups, in the order typed; [] when it holds no word."""
    words = tuple(search_words(text).split())
    groups: list[Group] = []
    i = 0
    while i < len(words):
        span = next((len(e) for e in _EXPANSIONS if len(e) > 1 and words[i : i + len(e)] == e), 1)
        typed = words[i : i + span]
        groups.append(_group(typed, prefix=i + span == len(words)))
        i += span
    return groups


# --- SQL: exact on word boundaries of the key (a key is words separated by single spaces) ----------------------


def _like(column, alt: Alternative):  # type: ignore[no-untyped-def]
    padded = literal(" ") + column + literal(" ")
    if alt.kind == "phrase":
        return padded.like(f"% {' '.join(alt.words)} %")
    clauses = [
        padded.like(f"% {w}%" if (alt.prefix and n == len(alt.words) - 1) else f"% {w} %")
        for n, w in enumerate(alt.words)
    ]
    return clauses[0] if len(clauses) == 1 else and_(*clauses)


def sql_clause(groups: list[Group], column):  # type: ignore[no-untyped-def]
    """Every group, each by one of its alternatives, as LIKE clauses on the search key column."""
    parts = []
    for g in groups:
        alts = [_like(column, a) for a in g.alternatives]
        parts.append(alts[0] if len(alts) == 1 else or_(*alts))
    return parts[0] if len(parts) == 1 else and_(*parts)


# --- PostgreSQL: the same as a tsquery over ct_search_terms (words, and "~a_b" for adjacent pairs) ---------------


def _lexeme(term: str, prefix: bool = False) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'" + (":*" if prefix else "")


def _ts_alternative(alt: Alternative) -> str:
    if alt.kind == "phrase":
        return " & ".join(_lexeme(f"~{a}_{b}") for a, b in zip(alt.words, alt.words[1:], strict=False))
    last = len(alt.words) - 1
    return " & ".join(_lexeme(w, alt.prefix and n == last) for n, w in enumerate(alt.words))


def tsquery(groups: list[Group]) -> str:
    """ "cty yen sa" -> ('cty' | '~cong_ty' | 'ctcp') & 'yen' & 'sa':* ; every key the LIKE clauses accept
    satisfies it (a phrase of three words or more: its pairs, which the LIKE then checks are one phrase)."""
    return " & ".join(
        "(" + " | ".join(f"({_ts_alternative(a)})" for a in g.alternatives) + ")" for g in groups
    )


# --- Ranking ---------------------------------------------------------------------------------------------------


def _expanded(words: list[str]) -> list[str]:
    """Abbreviations written out, so "Cty" and "Công ty" compare equal when ranking."""
    return [w for word in words for w in ABBREVIATIONS.get(word, word).split()]


def closeness(query_text: str, name: str | None) -> int:
    """0 when the name holds the query as a phrase, 1 when it holds its words in that order, 2 otherwise (any order,
    or found by a reference or receipt number)."""
    q = _expanded(search_words(query_text).split())
    n = _expanded(search_words(name).split())
    if not q:
        return 2

    def word_ok(i: int, word: str) -> bool:
        return word.startswith(q[i]) if i == len(q) - 1 else word == q[i]

    for start in range(len(n) - len(q) + 1):
        if all(word_ok(i, n[start + i]) for i in range(len(q))):
            return 0
    i = 0
    for word in n:
        if i < len(q) and word_ok(i, word):
            i += 1
    return 1 if i == len(q) else 2
