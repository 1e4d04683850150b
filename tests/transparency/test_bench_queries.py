"""The public search benchmark (bench/bench_transparency.py, issue 20 item 1) asks what people type: 1 to 4 words of
a generated name in shuffled order, organisation forms often abbreviated ("cty", "tnhh", "htx"), and every query
it times finds the contributions it was drawn from (a benchmark of empty answers would measure nothing)."""

from __future__ import annotations

import random
import re
from urllib.parse import quote

from app.core.text import search_words
from app.demo.generate import generate
from app.transparency.search import ABBREVIATIONS
from bench.bench_transparency import query_words, sample_queries


def test_a_query_is_one_to_four_words_of_the_name_in_shuffled_order_abbreviated():
    name = "Công ty TNHH Vận tải Lê Văn An"
    words = set(search_words(name).split()) | {"cty", "tnhh"}
    queries = [query_words(name, random.Random(seed)) for seed in range(200)]  # noqa: S311 - fixed seeds
    assert all(1 <= len(q.split()) <= 4 and set(q.split()) <= words for q in queries)
    assert any("cty" in q.split() for q in queries) and any("cong" in q.split() for q in queries)
    in_order = search_words(name).split()
    unabbreviated = [q.split() for q in queries if len(q.split()) > 1 and set(q.split()) <= set(in_order)]
    assert any(q != sorted(q, key=in_order.index) for q in unabbreviated)  # some are not in the name's order


def test_the_benchmark_queries_find_their_names_on_the_public_statement(client, session):
    generate(session, counts={"contributions": 400, "donors": 40}, seed=7)
    session.commit()
    queries = sample_queries(session, 7)
    assert len(queries) >= 20
    assert any(w in ABBREVIATIONS for q in queries for w in q.split())
    for q in queries:
        html = client.get(f"/cong-khai/sao-ke?q={quote(q)}").get_data(as_text=True)
        assert re.search(r'href="/cong-khai/sao-ke/\d+">', html), q
