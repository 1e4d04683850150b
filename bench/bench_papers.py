"""Benchmark for papers (issue 19.3): the sponsorship confirmation record and the receipt as PDF, each against
a blank A4 portrait page in the same embedded font, interleaved in the same process so both see the same load.

    python -m bench.bench_papers --size small       # 150 of each, a few seconds
    python -m bench.bench_papers --size national    # 600 of each

Rendering reads no database (the record's facts are a snapshot, app.papers.pdf.RecordPrint); --database-url is
accepted for bench.run and not used. Prints one JSON object per benchmark on stdout.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from dataclasses import replace
from datetime import date

from bench.bench_certificates import SEED, company, emit, log

SIZES = {"small": 150, "national": 600}
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _url(rng: random.Random) -> str:
    return "https://chungtay.mttq.vn/xac-minh/" + "".join(rng.choice(ALPHABET) for _ in range(92))


def bench_papers(n: int) -> None:
    from reportlab.lib.pagesizes import A4

    from app.certificates.demo import demo_seal_png, demo_signature_png
    from app.certificates.pdf import PrintData, render_blank, render_pdf
    from app.papers.pdf import PaymentLine, ReceiptPrint, RecordPrint, render_receipt, render_record
    from app.papers.rules import rule_for

    rng = random.Random(SEED)
    rule = rule_for(date(2026, 10, 20))
    issuer = "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Khánh Hòa"
    record = RecordPrint(
        number="",
        form_name=rule.form_name,
        basis=rule.basis,
        dossier=rule.dossier,
        issuer_name=issuer,
        place="Khánh Hòa",
        issued_on=date(2026, 10, 21),
        donor_name="",
        tax_code="",
        donor_address="Số 248 đường Thống Nhất, phường Nha Trang, tỉnh Khánh Hòa",
        donor_representative="Trần Thị Bích – Giám đốc",
        amount_vnd=0,
        form_text="Bằng tiền (chuyển khoản)",
        purpose_text="Ủng hộ Quỹ “Vì người nghèo” để hỗ trợ hộ nghèo, làm nhà cho người nghèo và nhà Đại đoàn kết "
        "– hạng mục: Nhà ở (nhà Đại đoàn kết)",
        period_text="khoản tài trợ ngày 20/10/2026",
        payments=(),
        verify_url="",
        signer_name="Nguyễn Khắc Hà",
        signer_title="Chủ tịch Ủy ban MTTQ Việt Nam tỉnh Khánh Hòa",
        seal_png=demo_seal_png(),
        signature_png=demo_signature_png(),
    )
    receipt = ReceiptPrint(
        receipt_no="",
        issuer_name=issuer,
        place="Khánh Hòa",
        received_on=date(2026, 10, 20),
        payer_name="",
        tax_code="",
        address="Số 248 đường Thống Nhất, phường Nha Trang, tỉnh Khánh Hòa",
        channel="Chuyển khoản",
        amount_vnd=0,
        purpose_text="Nhà ở (nhà Đại đoàn kết)",
        pledge_reference="UH-7K3M-9QXP",
        bank_ref="",
        in_kind="",
        reversed=False,
        verify_url="",
    )
    records, receipts = [], []
    for i in range(n):
        amount = rng.randrange(1, 5000) * 1_000_000
        name, tax = company(rng, i), f"42{rng.randrange(10**8):08d}"
        ref = f"FT26{rng.randrange(10**9):09d}"
        records.append(
            replace(
                record,
                number=f"BBTT-56-2026-{i:06d}",
                donor_name=name,
                tax_code=tax,
                amount_vnd=amount,
                payments=(PaymentLine(f"56-2026-{i:06d}", date(2026, 10, 20), "Chuyển khoản", ref, amount),),
                verify_url=_url(rng),
            )
        )
        receipts.append(
            replace(
                receipt,
                receipt_no=f"56-2026-{i:06d}",
                payer_name=name,
                tax_code=tax,
                amount_vnd=amount,
                bank_ref=ref,
                verify_url=_url(rng),
            )
        )
    # A thank-you letter of the same donor, to compare with the certificate row in the same run.
    letter = PrintData(
        kind="acknowledgement",
        issuer_name=issuer,
        recipient_name="",
        amount_vnd=0,
        place="Khánh Hòa",
        issued_on=date(2026, 10, 20),
        serial="",
        verify_url="",
        purpose_text="Nhà ở (nhà Đại đoàn kết)",
        campaign_name="Ngày vì người nghèo năm 2026 – tỉnh Khánh Hòa",
        signer_name="Nguyễn Khắc Hà",
        signer_title="Chủ tịch Ủy ban MTTQ Việt Nam tỉnh Khánh Hòa",
        seal_png=record.seal_png,
        signature_png=record.signature_png,
    )
    letters = [
        replace(
            letter,
            recipient_name=r.donor_name,
            amount_vnd=r.amount_vnd,
            serial=r.number,
            verify_url=url,
        )
        # its own address, as in life: app.core.qr keeps each code's drawing, and the letter drawn first must
        # not hand the record its QR code ready-made
        for r, url in zip(records, [_url(rng) for _ in records], strict=True)
    ]
    render_record(records[0])
    render_receipt(receipts[0])
    render_pdf(letters[0])
    render_blank(pagesize=A4)
    rec_s = rcpt_s = blank_s = cert_s = 0.0
    for rec, rcpt, lt in zip(records, receipts, letters, strict=True):
        t = time.perf_counter()
        render_pdf(lt)
        t0 = time.perf_counter()
        cert_s += t0 - t
        render_record(rec)
        t1 = time.perf_counter()
        render_blank("Trang trắng – Be Vietnam Pro", pagesize=A4)
        t2 = time.perf_counter()
        render_receipt(rcpt)
        t3 = time.perf_counter()
        rec_s += t1 - t0
        blank_s += t2 - t1
        rcpt_s += t3 - t2
    floor, cert = n / blank_s, n / cert_s
    baseline = "blank ReportLab A4 portrait page, same font (pages/s)"
    for name, unit, seconds in (
        ("papers.sponsorship_record_pdf", "records/s", rec_s),
        ("papers.receipt_pdf", "receipts/s", rcpt_s),
    ):
        rate = n / seconds
        note = (
            f"a certificate (thank-you letter) in the same run: {cert:.1f}/s, {cert / floor:.3f} of the blank "
            f"page; this paper is {rate / cert:.2f}x a certificate"
        )
        emit(name, rate, unit, baseline, floor, 0.5, n, note=note)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""))  # not used
    args = parser.parse_args()
    os.environ.setdefault("CHUNGTAY_INSTANCE_DIR", f"/tmp/chungtay-bench-{os.getpid()}")
    from app import create_app

    app = create_app("testing", PUBLIC_BASE_URL="https://chungtay.mttq.vn")
    with app.app_context():
        log(f"papers: {SIZES[args.size]} records and receipts vs a blank page")
        bench_papers(SIZES[args.size])


if __name__ == "__main__":
    main()
