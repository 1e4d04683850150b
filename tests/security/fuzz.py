"""Hypothesis strategies for hostile input: malformed, oversized, mixed-script, decomposed (NFD) and
injection strings."""

from __future__ import annotations

import unicodedata

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FUZZ_SETTINGS = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

INJECTIONS = [
    "' OR '1'='1",
    "1; DROP TABLE users; --",
    '" OR 1=1 --',
    "admin'--",
    "1' UNION SELECT password_hash FROM users--",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{ 7*7 }}",
    "{% debug %}",
    "${7*7}",
    "=CMD|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "../../../../etc/passwd",
    "%00",
    "\x00",
    "\u202etxt.exe",
    "\ufeff",
    "\r\nSet-Cookie: x=1",
    "Robert'); DROP TABLE donors;--",
]
VIETNAMESE = [
    "Nguyễn Thị Ánh Tuyết",
    "Xã Khánh Sơn",
    "Đặng Văn Đức",
    "Thôn Tà Lương",
    "50.000.000 ₫",
    "Hội Liên hiệp Phụ nữ",
    "Ủy ban Mặt trận Tổ quốc",
    "Công ty Cổ phần Yến Sào Khánh Hòa",
]
MIXED_SCRIPT = [
    "Nguyễn Vаn A",  # Cyrillic а
    "Công ty ΑΒΓ",
    "Thôn 東京",
    "Đặng ‍Văn",
    "Khánh Sơn 🙏",
    "١٢٣٤٥",
    "５０．０００",
    "50.000.000²",
    "²",
    "12³",
    "０９０５１２３４５６",
    "０１００１０９１０６",
    "٠٩٠٥١٢٣٤٥٦",
]

vietnamese_nfd = st.sampled_from(VIETNAMESE).map(lambda s: unicodedata.normalize("NFD", s))
oversized = st.integers(min_value=256, max_value=20_000).map(lambda n: ("Nguyễn " * (n // 7 + 1))[:n])
hostile_text = st.one_of(
    st.text(max_size=60),
    st.sampled_from(INJECTIONS),
    st.sampled_from(MIXED_SCRIPT),
    vietnamese_nfd,
    oversized,
    st.from_regex(r"[0-9.,\s₫đ-]{0,25}", fullmatch=True),
)
