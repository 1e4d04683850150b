"""Search as people type (issue 20 item 1): the words they remember, in any order, without diacritics or case,
the last one unfinished, abbreviations both ways; on SQLite and on PostgreSQL (the words index)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from urllib.parse import quote

import pytest

from app.contributions.models import Channel
from app.transparency.search import ABBREVIATIONS, closeness, read_query, standing_for
from tests.transparency.conftest import give

YEN_SAO = "Công ty Cổ phần Yến Sào Khánh Hòa"


def names_for(client, q: str, **filters: str) -> list[str]:  # type: ignore[no-untyped-def]
    extra = "".join(f"&{k}={quote(v)}" for k, v in filters.items())
    html = client.get(f"/cong-khai/sao-ke?q={quote(q)}{extra}").get_data(as_text=True)
    return re.findall(r'href="/cong-khai/sao-ke/\d+">([^<]+)</a>', html)


@pytest.fixture
def donors(session, kh):  # type: ignore[no-untyped-def]
    c = kh["campaign"]
    return {
        "yen_sao": give(
            session, c, 300_000_000, name=YEN_SAO, on=date(2026, 10, 18), receiving=kh["province"]
        ),
        "sao_mai": give(
            session,
            c,
            20_000_000,
            name="Cty TNHH Sao Mai",
            on=date(2026, 10, 20),
            receiving=kh["cam_lam"],
            channel=Channel.CASH,
            bank_txn_ref="FT26293004455",
        ),
        "ubnd": give(session, c, 5_000_000, name="Ủy ban nhân dân xã Cam Hải Đông", on=date(2026, 10, 21)),
        "htx": give(session, c, 7_000_000, name="HTX Nông nghiệp Suối Dầu", on=date(2026, 10, 22)),
        "person": give(session, c, 1_000_000, name="Nguyễn Thị Yến", on=date(2026, 10, 23)),
    }


def _check_people_find_the_company(client) -> None:  # type: ignore[no-untyped-def]
    for q in (
        "công ty yến sào",
        "cong ty yen sao",
        "yen sao cong ty",
        "cty yen sao",
        "ctcp yến sào khánh hoà",
        unicodedata.normalize("NFD", "ctcp yến sào khánh hoà"),
        "YẾN SÀO",
        "yen sa",
        "khanh hoa yen",
    ):
        assert names_for(client, q) == [YEN_SAO], q


def test_words_in_any_order_without_diacritics_find_the_company(client, donors):
    _check_people_find_the_company(client)


@pytest.mark.postgres
def test_words_in_any_order_find_the_company_on_postgresql(client, donors):
    _check_people_find_the_company(client)
    assert sorted(names_for(client, "cong ty sao")) == sorted([YEN_SAO, "Cty TNHH Sao Mai"])


def _check_what_does_not_match(client) -> None:  # type: ignore[no-untyped-def]
    assert names_for(client, "yen sao ha noi") == []  # every word must be there
    assert names_for(client, "ao") == []  # not the middle of a word: "Sào", "Mai" are not found by "ao"
    assert names_for(client, "ao yen") == []
    assert names_for(client, "sa yen") == []  # only the last word may be unfinished
    assert names_for(client, "xyz") == []


def test_a_query_matching_nothing_or_the_middle_of_a_word_finds_nothing(client, donors):
    _check_what_does_not_match(client)


@pytest.mark.postgres
def test_a_query_matching_nothing_finds_nothing_on_postgresql(client, donors):
    _check_what_does_not_match(client)


def _check_abbreviations_both_ways(client) -> None:  # type: ignore[no-untyped-def]
    assert names_for(client, "công ty sao mai") == ["Cty TNHH Sao Mai"]  # words typed, abbreviation stored
    assert names_for(client, "cty trach nhiem huu han sao") == ["Cty TNHH Sao Mai"]
    assert names_for(client, "ubnd cam hai") == ["Ủy ban nhân dân xã Cam Hải Đông"]  # abbreviation typed
    assert names_for(client, "hop tac xa suoi dau") == ["HTX Nông nghiệp Suối Dầu"]
    assert names_for(client, "htx suoi") == ["HTX Nông nghiệp Suối Dầu"]
    assert sorted(names_for(client, "cty")) == sorted([YEN_SAO, "Cty TNHH Sao Mai"])


def test_abbreviations_are_searched_both_ways(client, donors):
    _check_abbreviations_both_ways(client)


@pytest.mark.postgres
def test_abbreviations_are_searched_both_ways_on_postgresql(client, donors):
    _check_abbreviations_both_ways(client)


def test_references_and_filters_combine_with_the_words(client, donors, kh):
    assert names_for(client, "FT26293004455") == ["Cty TNHH Sao Mai"]
    assert names_for(client, "sao", kenh=Channel.CASH.value) == ["Cty TNHH Sao Mai"]
    assert names_for(client, "sao", xa=str(kh["cam_lam"].id), tinh=str(kh["province"].id)) == [
        "Cty TNHH Sao Mai"
    ]
    assert names_for(client, "sao", so_tien="300.000.000") == [YEN_SAO]
    assert names_for(client, "yen", tu_ngay="23/10/2026") == ["Nguyễn Thị Yến"]


def test_the_statement_form_offers_the_channel_filter(client, donors):
    html = client.get("/cong-khai/sao-ke").get_data(as_text=True)
    assert 'name="kenh"' in html


def test_closer_names_come_first(client, session, kh):
    c = kh["campaign"]
    give(session, c, 1_000_000, name="Sào Yến Khánh Hòa", on=date(2026, 10, 25))  # any order, newest
    give(session, c, 1_000_000, name="Yến Sào Khánh Hòa", on=date(2026, 10, 1))  # the phrase, oldest
    give(session, c, 1_000_000, name="Yến Tiệm Sào", on=date(2026, 10, 10))  # in order
    assert names_for(client, "yen sao") == ["Yến Sào Khánh Hòa", "Yến Tiệm Sào", "Sào Yến Khánh Hòa"]
    # a sort the reader chose is kept
    assert names_for(client, "yen sao", sap_xep="ngay") == [
        "Sào Yến Khánh Hòa",
        "Yến Tiệm Sào",
        "Yến Sào Khánh Hòa",
    ]


def test_closeness_phrase_then_in_order_then_any_order():
    assert closeness("ctcp yen sao", YEN_SAO) == 0
    assert closeness("yến sào khánh hoà", YEN_SAO) == 0
    assert closeness("cty yen sao", YEN_SAO) == 1
    assert closeness("yen sao cong ty", YEN_SAO) == 2


def test_the_abbreviation_list_reads_both_ways():
    assert {"cty", "ctcp", "tnhh", "ubnd", "mttq", "htx"} <= set(ABBREVIATIONS)
    for abbreviation, words in ABBREVIATIONS.items():
        # the abbreviation typed: the word itself, or its words as a phrase
        typed = read_query(abbreviation + " x")[0]
        assert any(a.words == (abbreviation,) for a in typed.alternatives)
        expected = tuple(words.split())
        assert any(a.words == expected for a in typed.alternatives)
        # the words typed: any order, or the abbreviation (and any longer one containing them)
        spelled = read_query(words + " x")[0]
        assert spelled.typed == expected
        assert any(a.words == (abbreviation,) for a in spelled.alternatives)
    assert standing_for(("cong", "ty")) == ("ctcp", "cty")
    assert "ubmttq" in standing_for(("mat", "tran", "to", "quoc"))


@pytest.mark.postgres
def test_the_words_index_query_finds_what_the_page_finds_on_postgresql(session, donors):
    # A large statement answers rare names from the words index alone (statement_page): the same answers.
    from sqlalchemy import select

    from app.contributions.models import Contribution
    from app.transparency.statement import StatementQuery, text_filter

    def found(q: str) -> list[str]:
        clause = text_filter(StatementQuery(q=q), "postgresql")
        return sorted(session.execute(select(Contribution.public_name).where(clause)).scalars())

    assert found("yen sao cong ty") == [YEN_SAO]
    assert found("ctcp khanh hoa yen sa") == [YEN_SAO]
    assert found("công ty sao mai") == ["Cty TNHH Sao Mai"]
    assert found("ubnd cam hai") == ["Ủy ban nhân dân xã Cam Hải Đông"]
    assert found("ft26293004455") == ["Cty TNHH Sao Mai"]
    assert found("ao") == []
    assert found("o'brien") == []


def test_the_api_searches_the_same_way(client, donors):
    data = client.get("/api/v1/contributions?q=yen+sao+cty").get_json()["data"]
    assert [r["ten_cong_khai"] for r in data] == [YEN_SAO]
    data = client.get("/api/v1/contributions?q=cong+ty&kenh=cash").get_json()["data"]
    assert [r["ten_cong_khai"] for r in data] == ["Cty TNHH Sao Mai"]
