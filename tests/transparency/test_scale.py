"""Behaviour the national-scale paths must keep: text search through the ordered index window (PostgreSQL) gives
the same pages as the plain query, the COPY-formatted CSV export equals the row-by-row one with its roots, and the
COPY-based data generator keeps the books right. Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from datetime import date, datetime

import pytest
from sqlalchemy import func, select, text

from app.contributions.models import Contribution
from app.contributions.reversal import reverse_contribution
from app.core.i18n import VN_TZ
from app.core.spreadsheet import SafeCSVWriter
from app.ledger import services as ledger
from app.transparency import opendata, statement
from app.transparency.verify_export import EXPORT_COLUMNS
from tests import factories as f
from tests.transparency.conftest import give


def names_on(html: str) -> list[str]:
    return re.findall(r'href="/cong-khai/sao-ke/\d+">([^<]+)</a>', html)


def all_pages(client, url: str) -> list[str]:  # type: ignore[no-untyped-def]
    names = []
    while url:
        html = client.get(url).get_data(as_text=True)
        names += names_on(html)
        link = re.search(r'rel="next" href="([^"]+)"', html)
        url = link.group(1).replace("&amp;", "&") if link else None
    return names


def test_common_name_pages_in_date_order_without_diacritics(client, session, kh):
    c = kh["campaign"]
    names = [
        "Lê Văn Dương",
        "Công ty Đường Sắt",
        "Hộ bà Dương Thị Lan",
        "ĐƯỜNG Văn Tâm",
        "Trần Thị Hoa",
        "Phạm Đường",
        "Nguyễn Văn Dưỡng",
        "Bùi Minh",
    ]
    for day, name in enumerate(names, start=1):
        give(session, c, 100_000 * day, name=name, on=date(2026, 10, day), receiving=kh["province"])
    expected = [n for n in reversed(names) if "ư" in n.lower() or "Ư" in n]  # newest first
    assert all_pages(client, "/cong-khai/sao-ke?q=duong&limit=2") == expected
    decomposed = unicodedata.normalize("NFD", "đường")
    assert all_pages(client, "/cong-khai/sao-ke?limit=3&q=" + decomposed) == expected
    by_amount = all_pages(client, "/cong-khai/sao-ke?q=duong&sap_xep=so_tien&thu_tu=tang&limit=2")
    assert by_amount == list(reversed(expected))  # amounts grow with the day
    # Filters combine with the search: the date range and an exact amount.
    assert all_pages(client, "/cong-khai/sao-ke?q=duong&limit=2&tu_ngay=02/10/2026&den_ngay=04/10/2026") == [
        "ĐƯỜNG Văn Tâm",
        "Hộ bà Dương Thị Lan",
        "Công ty Đường Sắt",
    ]
    assert all_pages(client, "/cong-khai/sao-ke?q=duong&limit=2&so_tien=600.000") == ["Phạm Đường"]


def test_rare_term_among_many_and_previous_links(client, session, kh):
    c = kh["campaign"]
    for day in range(1, 13):
        give(
            session,
            c,
            1_000_000,
            name=f"Nguyễn Văn Bình {day}",
            on=date(2026, 10, day),
            receiving=kh["province"],
        )
    give(
        session,
        c,
        2_000_000,
        name="Hợp tác xã Đường Sông",
        on=date(2026, 10, 5),
        receiving=kh["province"],
        bank_txn_ref="FT26999000123",
    )
    assert all_pages(client, "/cong-khai/sao-ke?q=duong+song&limit=2") == ["Hợp tác xã Đường Sông"]
    assert all_pages(client, "/cong-khai/sao-ke?q=FT26999000123") == ["Hợp tác xã Đường Sông"]
    first = client.get("/cong-khai/sao-ke?q=nguyen+van+binh&limit=5").get_data(as_text=True)
    assert names_on(first) == [f"Nguyễn Văn Bình {d}" for d in (12, 11, 10, 9, 8)]
    nxt = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(nxt).get_data(as_text=True)
    assert names_on(second) == [f"Nguyễn Văn Bình {d}" for d in (7, 6, 5, 4, 3)]
    prev = re.search(r'rel="prev" href="([^"]+)"', second).group(1).replace("&amp;", "&")
    assert names_on(client.get(prev).get_data(as_text=True)) == names_on(first)


def _python_csv(session, query=None) -> str:  # type: ignore[no-untyped-def]
    buf = io.StringIO()
    writer = SafeCSVWriter(buf, lineterminator="\n")  # as the view writes it
    writer.writerow(EXPORT_COLUMNS)
    writer.writerows(opendata.iter_export_rows(session, query))
    return "\ufeff" + buf.getvalue()


def test_csv_export_is_streamed_with_roots_and_matches_the_published_rows(app, client, session, kh):
    c = kh["campaign"]
    give(
        session,
        c,
        50_000_000,
        name='Công ty "Ánh Dương", chi nhánh 2',
        receiving=kh["province"],
        bank_txn_ref="FT26291000111",
        masked_account="*********2418",
        note="Gọi 0905123456",
    )
    give(
        session,
        c,
        2_000_000,
        name="Hộ ông Đặng Văn Ánh",
        receiving=kh["cam_lam"],
        earmark=kh["khanh_son"],
        pledge_reference="VNN26-0042-K",
    )
    gone = give(session, c, 700_000, name="Trần Văn Bình")
    opendata.publish_daily_root(session, datetime.now(VN_TZ).date())
    session.commit()
    reverse_contribution(session, f.SYSTEM, gone.id, "Nhập nhầm")
    session.commit()
    give(session, c, 300_000, name="Lê Thị Mới", receiving=kh["province"])  # after the root: no day yet

    resp = client.get("/cong-khai/du-lieu/dong-gop.csv", buffered=False)
    assert resp.is_streamed
    body = b"".join(resp.response).decode()
    resp.close()
    assert body == _python_csv(session)
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    root = session.execute(text("SELECT root FROM published_roots")).scalar()
    assert [r["goc_ngay"] for r in rows] == [root, root, root, ""]
    assert (
        rows[0]["ten_cong_khai"] == 'Công ty "Ánh Dương", chi nhánh 2'
        and rows[0]["tai_khoan"] == "*********2418"
    )
    assert (
        rows[1]["dia_ban_chi_dinh"]
        and rows[2]["dia_ban"] == "Trung ương"
        and rows[2]["trang_thai"] == "da_huy"
    )
    assert "0905123456" not in body and "Nhập nhầm" not in body
    filtered = client.get("/cong-khai/du-lieu/dong-gop.csv?q=dang+van+anh").get_data(as_text=True)
    query = statement.parse_statement_args({"q": "dang van anh"})
    assert filtered == _python_csv(session, query) and filtered.count("\n") == 2


def test_generated_data_is_copied_with_consistent_books(session, monkeypatch):
    from app.demo import generate as gen

    monkeypatch.setattr(gen, "BULK_LOAD_ROWS", 100)  # take the bulk path (indexes rebuilt) at test size
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        indexes_before = session.execute(
            text("SELECT count(*) FROM pg_indexes WHERE tablename = 'contributions'")
        ).scalar()
        fks_before = session.execute(
            text(
                "SELECT count(*) FROM pg_constraint WHERE conrelid = 'contributions'::regclass AND contype = 'f'"
            )
        ).scalar()
    ctx = gen.generate(session, counts={"contributions": 400, "donors": 40}, seed=7)
    session.commit()
    rows = session.execute(
        select(
            func.count(), func.sum(Contribution.amount_vnd), func.count(Contribution.ledger_transaction_id)
        )
    ).one()
    assert rows[0] == 400 and rows[2] == 400
    assert ledger.verify_ledger(session) == []
    assert ledger.totals(session, ctx["fund"].id, None).received_vnd == rows[1]
    anonymous = session.execute(
        select(func.count()).where(Contribution.public_name == "Nhà hảo tâm")
    ).scalar()
    assert (
        anonymous == session.execute(select(func.count()).where(Contribution.is_anonymous.is_(True))).scalar()
    )
    assert (
        session.execute(
            select(Contribution.search_key).where(Contribution.bank_txn_ref.is_not(None)).limit(1)
        )
        .scalar()
        .split()[-2]
        .startswith("ft07")
    )
    if postgres:
        assert (
            session.execute(
                text("SELECT count(*) FROM pg_indexes WHERE tablename = 'contributions'")
            ).scalar()
            == indexes_before
        )
        assert (
            session.execute(
                text(
                    "SELECT count(*) FROM pg_constraint WHERE conrelid = 'contributions'::regclass "
                    "AND contype = 'f'"
                )
            ).scalar()
            == fks_before
        )


def test_several_words_match_in_any_order_from_the_start_of_a_word(client, session, kh):
    c = kh["campaign"]
    for name in [
        "Nguyễn Văn Bình",
        "Hộ ông Nguyễn Văn Bình Minh",
        "Văn Nguyễn Bình",
        "Nguyễn Bình Văn",
        "Công ty Thủy sản Nguyễn-Văn",
    ]:
        give(session, c, 1_000_000, name=name, receiving=kh["province"], on=date(2026, 10, 20))

    def found(q: str) -> list[str]:
        return sorted(all_pages(client, f"/cong-khai/sao-ke?limit=2&q={q}"))

    binh = ["Hộ ông Nguyễn Văn Bình Minh", "Nguyễn Bình Văn", "Nguyễn Văn Bình", "Văn Nguyễn Bình"]
    assert found("nguyen van binh") == binh  # the words in any order (issue 20)
    assert found("van bi") == binh  # the last word may be cut short
    assert found("uyen van binh") == []  # but every word starts where a word starts
    assert found("guyen") == []
    assert found("bi van") == []  # only the last word may be cut short
    assert found("van binh minh") == ["Hộ ông Nguyễn Văn Bình Minh"]
    assert found("minh binh van") == ["Hộ ông Nguyễn Văn Bình Minh"]
    assert found("binh van") == binh
    assert found("san nguyen") == ["Công ty Thủy sản Nguyễn-Văn"]
    # Punctuation separates words like a space, in the names and in the search.
    assert found("nguyen-van") == sorted([*binh, "Công ty Thủy sản Nguyễn-Văn"])
    assert found("(thuy san)") == ["Công ty Thủy sản Nguyễn-Văn"]
    assert found("ong nguyen van binh minh") == ["Hộ ông Nguyễn Văn Bình Minh"]


@pytest.mark.parametrize("window", [3, 8])
def test_every_search_path_lists_exactly_the_matches(client, session, kh, monkeypatch, window):
    """A window of a few rows sends each search down every path in turn on PostgreSQL — the ordered window, a window that
    held every row the filters allow (a commune), a province filtered on the window's rows, the index of words and
    word pairs — and every page of every sort lists exactly the matching contributions, each once."""
    from app.core.text import search_words

    monkeypatch.setattr(statement, "SCAN_WINDOW", window)
    monkeypatch.setattr(statement, "FEW_MATCHES", 0)  # however few the matches, try the window first
    c = kh["campaign"]
    names = [
        "Nguyễn Văn An",
        "Trần Thị Mai",
        "Nguyễn Văn Bình",
        "Công ty Đường Sông",
        "Hộ ông Nguyễn Văn Anh",
        "Lê Thị Mai Anh",
        "Trần Thị Maia",
        "Dương Nguyễn",
        "Nguyễn-Văn Cường",
        "Bùi Minh",
    ]
    places = [
        kh["khanh_son"],
        kh["cam_lam"],
        kh["province"],
        None,
    ]  # None: received centrally, outside the province
    given = []
    for i, name in enumerate(names * 2):
        unit = places[i % len(places)]
        give(session, c, 100_000 * (i + 1), name=name, on=date(2026, 10, 1 + i % 20), receiving=unit)
        given.append((name, unit.id if unit else None))
    in_kh = {kh["khanh_son"].id, kh["cam_lam"].id, kh["province"].id}

    def matches(q: str, name: str) -> bool:  # every word a word of the name, the last the start of one
        *words, last = search_words(q).split()
        have = search_words(name).split()
        return all(w in have for w in words) and any(h.startswith(last) for h in have)

    def expected(q: str, units: set[int] | None) -> list[str]:
        return sorted(n for n, u in given if matches(q, n) and (units is None or u in units))

    for q in [
        "nguyen",
        "nguyen van",
        "tran thi mai",
        "mai",
        "duong",
        "van an",
        "an van",
        "mai thi",
        "khong ai",
    ]:
        for extra, units in [
            ("", None),
            (f"&tinh={kh['province'].id}", in_kh),
            (f"&tinh={kh['province'].id}&xa={kh['khanh_son'].id}", {kh["khanh_son"].id}),
        ]:
            for sort in ["", "&sap_xep=so_tien&thu_tu=tang", "&sap_xep=ten"]:
                url = f"/cong-khai/sao-ke?limit=2&q={q.replace(' ', '+')}{extra}{sort}"
                assert sorted(all_pages(client, url)) == expected(q, units), url


@pytest.mark.postgres
def test_words_that_always_come_together_are_paged_from_the_ordered_window(client, session, monkeypatch):
    """ "hao tam" finds every "Nhà hảo tâm": the planner, multiplying the two words' frequencies, expects a few
    matches and the page used to fetch and sort them all from the words index (360 ms at 2 000 000 rows). The
    bound by the rarer word sends it to the ordered window, which fills the page at once; the page is the same."""
    from app.demo import generate as gen
    from app.transparency import search

    monkeypatch.setattr(
        statement, "SCAN_WINDOW", 1_000
    )  # the national 20 000 and 2 000, scaled to 3 000 rows
    monkeypatch.setattr(statement, "FEW_MATCHES", 100)
    gen.generate(session, counts={"contributions": 3_000, "donors": 0}, seed=7)
    session.execute(
        text(
            "UPDATE contributions SET public_name = 'Nhà hảo tâm', search_key = 'nha hao tam', is_anonymous = true "
            "WHERE id % 10 < 3"
        )
    )
    session.execute(text("UPDATE contributions SET search_key = replace(search_key, 'tam', 'tinh')"))
    session.execute(
        text("UPDATE contributions SET search_key = 'nha hao tam' WHERE public_name = 'Nhà hảo tâm'")
    )
    session.commit()
    session.execute(text("ANALYZE contributions"))
    groups = search.read_query("hao tam")
    connection = session.connection()
    together = statement._estimated_matches(connection, search.tsquery(groups))
    assert together * statement.SCAN_WINDOW / 3_000 < 2 * 51  # the planner's guess: not worth a window
    assert statement._worth_a_window(session, "hao tam", groups, 51)  # the bound by the rarer word: worth it
    newest = session.execute(
        select(Contribution.id)
        .where(Contribution.public_name == "Nhà hảo tâm")
        .order_by(Contribution.received_on.desc(), Contribution.id.desc())
        .limit(50)
    ).scalars()
    html = client.get("/cong-khai/sao-ke?q=hao+tam").get_data(as_text=True)
    assert re.findall(r'href="/cong-khai/sao-ke/(\d+)">', html) == [str(i) for i in newest]
