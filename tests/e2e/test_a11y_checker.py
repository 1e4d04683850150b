"""The accessibility checks find what they claim to find (so a passing journey means something): axe-core with the
WCAG 2.2 A/AA rules, and our keyboard check."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import axe_problems, keyboard_problems

pytestmark = pytest.mark.browser

BAD = """<!doctype html><html><head><title>x</title>
<style>.faint{color:#bbb;background:#fff} a:focus{outline:none}</style></head><body>
<h1>Một</h1><h1>Hai</h1>
<input name="ten"><select name="loai"><option>a</option></select>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<p class="faint">Chữ mờ khó đọc</p>
<a href="#a">A</a><a href="#b">B</a>
</body></html>"""

GOOD = """<!doctype html><html lang="vi"><head><title>x</title></head><body>
<a class="skip-link" href="#m">Bỏ qua</a><h1 id="m">Một</h1>
<label for="t">Tên</label><input id="t" name="ten"><select aria-label="Loại"><option>a</option></select>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt=""><p>Chữ rõ</p><button>Gửi</button>
</body></html>"""


def test_the_checker_reports_each_kind_of_problem(browser):
    page = browser.new_page()
    try:
        page.set_content(BAD)
        problems = " | ".join(axe_problems(page) + keyboard_problems(page))
        for expected in (
            "axe html-has-lang",
            "axe label",
            "axe select-name",
            "axe image-alt",
            "axe color-contrast",
            "not the skip link",
            "no visible focus indicator",
        ):
            assert expected in problems, (expected, problems)
        page.set_content(GOOD)
        assert axe_problems(page) == []
        assert keyboard_problems(page) == []
    finally:
        page.close()
