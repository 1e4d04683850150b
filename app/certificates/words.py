"""Amounts in Vietnamese words, for the "Bằng chữ" line of letters and certificates.

Convention (the common one in Vietnamese accounting documents): numbers are read in groups of three
digits; a group that is entirely zero is skipped, so 1 000 008 reads "một triệu không trăm linh tám"
(not "một triệu không nghìn không trăm linh tám"); a group after a non-zero higher group is read in
full ("không trăm linh năm"). Above "tỷ" the names repeat: "nghìn tỷ", "triệu tỷ", so 10^12 + 5 reads
"một nghìn tỷ không trăm linh năm". "linh" (not "lẻ"), "nghìn" (not "ngàn"), "tư" after twenty and
"lăm" after ten, "mốt" after twenty.
"""

from __future__ import annotations

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
GROUPS = ("", "nghìn", "triệu")


def _group_name(index: int) -> str:
    name = GROUPS[index % 3]
    billions = " ".join(["tỷ"] * (index // 3))
    return " ".join(p for p in (name, billions) if p)


def _read_group(n: int, full: bool) -> list[str]:
    """Read 0 < n < 1000; `full` reads the hundreds and "linh" even when they are zero (not the first group)."""
    h, t, u = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if h or full:
        words += [DIGITS[h], "trăm"]
    if t == 0:
        if u and words:
            words.append("linh")
    elif t == 1:
        words.append("mười")
    else:
        words += [DIGITS[t], "mươi"]
    if u == 1 and t >= 2:
        words.append("mốt")
    elif u == 4 and t >= 2:
        words.append("tư")
    elif u == 5 and t >= 1:
        words.append("lăm")
    elif u:
        words.append(DIGITS[u])
    return words


def number_to_words(n: int) -> str:
    """1001 -> "một nghìn không trăm linh một" (lower case, no unit)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError("Số tiền phải là số nguyên không âm.")
    if n == 0:
        return "không"
    groups = []
    while n:
        groups.append(n % 1000)
        n //= 1000
    words: list[str] = []
    for index in range(len(groups) - 1, -1, -1):
        g = groups[index]
        if g == 0:
            continue
        words += _read_group(g, full=bool(words))
        if index:
            words.append(_group_name(index))
    return " ".join(words)


def amount_in_words(amount_vnd: int) -> str:
    """50_000_000 -> "Năm mươi triệu đồng"."""
    text = number_to_words(amount_vnd) + " đồng"
    return text[0].upper() + text[1:]
