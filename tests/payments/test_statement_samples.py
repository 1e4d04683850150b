"""The sample statements in app/payments/samples (issue 17.8): every bank's export and its PDF-converted variant
is recognised as its preset, gives the lines of its manifest (count, credits, debits, printed balances agreeing),
with page furniture counted and no broken row; both variants are the same lines, so importing one after the other
adds nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.payments.importing import create_statement, import_statement, parse_statement
from app.payments.models import StatementLine
from app.payments.samples import LAYOUTS, manifest, render, sample_path, sample_rows
from app.payments.statements import fingerprint, parse_rows, read_rows
from app.payments.statements.parsing import detect_preset
from tests.factories import SYSTEM

SAMPLES = sorted(manifest().items())


def test_the_committed_samples_are_what_the_generator_writes():
    for name, _entry in SAMPLES:
        bank = name.split("-")[0].split(".")[0]
        pdf = "-pdf" in name
        kind = LAYOUTS[bank].kind
        assert read_rows(kind, sample_path(bank, pdf=pdf).read_bytes()) == read_rows(
            kind, render(sample_rows(bank, pdf=pdf), kind)
        )
    assert len(SAMPLES) == 2 * len(LAYOUTS)


@pytest.mark.parametrize(("name", "entry"), SAMPLES, ids=[n for n, _ in SAMPLES])
def test_each_sample_reads_as_its_manifest_says(name: str, entry: dict):
    kind = name.rsplit(".", 1)[1]
    rows = read_rows(kind, (sample_path(entry["preset"], pdf=entry["pdf_converted"])).read_bytes())
    assert detect_preset(rows) == entry["preset"]
    r = parse_rows(rows, preset=entry["preset"], opening_balance_vnd=entry["opening_balance_vnd"])
    assert r.errors == [] and r.breaks == []
    assert r.line_count == entry["lines"]
    assert sum(1 for x in r.lines if x.is_credit) == entry["credits"]
    assert (r.credits_vnd, r.debits_vnd) == (entry["credits_vnd"], entry["debits_vnd"])
    if entry["pdf_converted"]:
        assert r.furniture_rows >= 4  # contact lines, page numbers, repeated headers
        memos = " | ".join(x.memo for x in r.lines)
        assert "CONG TY TNHH THUONG MAI AN PHU" in memos and "Cộng đồng người Việt tại Séc" in memos
    else:
        assert r.furniture_rows == 0


@pytest.mark.parametrize("bank", sorted(LAYOUTS))
def test_the_pdf_converted_variant_is_the_same_lines(app, session, kh_setup, bank: str):
    kind = LAYOUTS[bank].kind
    clean = parse_rows(read_rows(kind, sample_path(bank).read_bytes()), preset=bank)
    pdf = parse_rows(read_rows(kind, sample_path(bank, pdf=True).read_bytes()), preset=bank)
    assert [fingerprint(x) for x in clean.lines] == [fingerprint(x) for x in pdf.lines]
    acc = kh_setup["prov_acc"]
    first = create_statement(
        session, SYSTEM, account=acc, kind=kind, data=sample_path(bank).read_bytes(), original_name=bank
    )
    assert first.preset == bank
    done = import_statement(session, SYSTEM, first)
    second = create_statement(
        session,
        SYSTEM,
        account=acc,
        kind=kind,
        data=sample_path(bank, pdf=True).read_bytes(),
        original_name=f"{bank}-pdf",
    )
    assert parse_statement(second).errors == []
    again = import_statement(session, SYSTEM, second)
    session.commit()
    assert done.lines_new == clean.line_count and (again.lines_new, again.lines_already) == (
        0,
        clean.line_count,
    )
    assert (
        session.execute(
            select(func.count(StatementLine.id)).where(StatementLine.bank_account_id == acc.id)
        ).scalar_one()
        == clean.line_count
    )
