"""Every staff link resolves (issue 15 item 8): each role, logged in on the demo data, crawls the staff pages from its
desk, following every link the pages show it (the staff pages' own links and the public pages they link to). No
link may answer 403 (a page the role may not open), 404 or 500."""

from __future__ import annotations

import html
import re
from collections import Counter
from urllib.parse import urlsplit

import pytest
from werkzeug.exceptions import NotFound

from tests.conftest import login

PASSWORD = "ChungTay@2026"
DEMO_STAFF = [
    "admin@chungtay.vn",  # central admin
    "tinh@khanhhoa.chungtay.vn",  # province staff
    "pheduyet@khanhhoa.chungtay.vn",  # the province's approver
    "khanhson@khanhhoa.chungtay.vn",  # commune staff
]
HREF = re.compile(r'<a\b[^>]*\bhref="([^"]+)"')
DOWNLOADS = (".pdf", ".xlsx", ".csv", ".png", ".svg", ".json", ".zip")
PER_ENDPOINT = (
    3  # enough to meet every kind of page (a list, its filters, a few records) without reading them all
)


@pytest.fixture
def demo(app, session):  # type: ignore[no-untyped-def]
    from app.demo.cli import load_demo
    from app.units.services import clear_designations

    clear_designations(session)  # the demo loads them itself
    session.commit()
    assert load_demo()
    return session


def _internal_links(page: str) -> list[str]:
    links = []
    for raw in HREF.findall(page):
        href = html.unescape(raw)
        parts = urlsplit(href)
        if (
            parts.scheme
            or parts.netloc
            or not parts.path.startswith("/")
            or parts.path.startswith("/static/")
        ):
            continue
        if "lang=" in parts.query:
            continue
        links.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return links


def crawl(app, client, start: str = "/can-bo") -> tuple[dict[str, int], dict[str, str]]:  # type: ignore[no-untyped-def]
    """GET every link reachable from `start` through staff pages; returns {url: status} and {url: the page that
    links to it}. Download links are checked to lead to a route, not fetched (some build a PDF)."""
    adapter = app.url_map.bind("localhost")
    seen: dict[str, int] = {}
    per_endpoint: Counter[str] = Counter()
    found_on: dict[str, str] = {start: ""}
    queue = [start]
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        path = urlsplit(url).path
        try:
            endpoint, _ = adapter.match(path, method="GET")
        except NotFound:
            seen[url] = 404
            continue
        if path.endswith(DOWNLOADS):
            seen[url] = 200
            continue
        if per_endpoint[endpoint] >= PER_ENDPOINT:
            continue
        per_endpoint[endpoint] += 1
        resp = client.get(url)
        seen[url] = resp.status_code
        if resp.status_code in (301, 302, 303):
            links = [resp.headers["Location"]]
        elif resp.status_code == 200 and path.startswith("/can-bo") and resp.mimetype == "text/html":
            links = _internal_links(resp.get_data(as_text=True))
        else:
            links = []
        for link in links:
            found_on.setdefault(link, url)
            queue.append(link)
    return seen, found_on


@pytest.mark.parametrize("email", DEMO_STAFF)
def test_every_link_a_staff_member_is_shown_opens(app, demo, email):
    client = app.test_client()
    login(client, email, PASSWORD)
    seen, found_on = crawl(app, client)
    broken = {f"{url} (linked from {found_on[url]})": status for url, status in seen.items() if status >= 400}
    assert not broken, f"{email}: {broken}"
    assert len([u for u in seen if u.startswith("/can-bo")]) >= 5  # the crawl did reach the staff pages
