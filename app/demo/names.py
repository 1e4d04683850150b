"""Realistic demo names: surname, middle and given name combined, each person once (no "Bùi Thị Nga 2")."""

from __future__ import annotations

import random

# Middle and given names go by gender in Vietnamese names ("Văn" / "Thị"); mixing them would read wrong.
MEN = (
    ("Văn", "Hữu", "Đức", "Minh", "Quang"),
    (
        "An",
        "Bình",
        "Cường",
        "Dũng",
        "Đạt",
        "Hải",
        "Hiếu",
        "Hùng",
        "Long",
        "Minh",
        "Nam",
        "Phúc",
        "Sơn",
        "Tâm",
        "Tuấn",
        "Lực",
        "Thắng",
    ),
)
WOMEN = (
    ("Thị", "Ngọc", "Thu", "Kim", "Thanh", "Xuân"),
    (
        "Anh",
        "Giang",
        "Hà",
        "Hạnh",
        "Hoa",
        "Hương",
        "Lan",
        "Linh",
        "Mai",
        "Nga",
        "Nhung",
        "Thảo",
        "Trang",
        "Vy",
        "Yến",
        "Xuân",
        "Hiền",
    ),
)


def unique_names(
    rng: random.Random,
    count: int,
    surnames: list[str] | tuple[str, ...],
    exclude: set[str] | frozenset = frozenset(),
) -> list[str]:
    """`count` different full names, men and women, from these surnames (in the random order of `rng`), none of
    `exclude` (names the demo writes elsewhere, which would read as the same person)."""
    names = [
        f"{surname} {middle} {given}"
        for surname in surnames
        for middles, givens in (MEN, WOMEN)
        for middle in middles
        for given in givens
        if middle != given and f"{surname} {middle} {given}" not in exclude
    ]
    if count > len(names):
        raise ValueError(f"only {len(names)} different names from {len(surnames)} surnames")
    return rng.sample(names, count)
