"""Public pages: overview, statement (sao kê), permalinks, official accounts, use of funds, open data, roots."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import date, datetime

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext
from sqlalchemy import select

from app.banking.services import public_accounts
from app.banking.vietqr import build_payload
from app.campaigns.models import Campaign, CampaignStatus
from app.contributions.models import CHANNEL_LABELS
from app.core import qr
from app.core.page_cache import public_page
from app.core.spreadsheet import SafeCSVWriter, SafeDictWriter
from app.core.transaction import message_for
from app.extensions import db
from app.ledger.services import main_fund
from app.transparency import charts, funds, opendata, units, vendor
from app.transparency import overview as overview_figures
from app.transparency import statement as public_statement
from app.transparency.models import PublishedRoot
from app.transparency.verify_export import EXPORT_COLUMNS

bp = Blueprint("transparency", __name__)


def chosen_campaign() -> Campaign | None:
    """?chien_dich=<id>, else the active campaign (national first), else the latest public one."""
    campaigns = funds.public_campaigns(db.session)
    wanted = request.args.get("chien_dich", "")
    if wanted.isdecimal():
        for c in campaigns:
            if c.id == int(wanted):
                return c
        abort(404)
    active = [c for c in campaigns if c.status == CampaignStatus.ACTIVE]
    active.sort(key=lambda c: c.scope_unit_id is not None)
    return (active or campaigns or [None])[0]


@bp.route("/cong-khai")
@public_page
def overview():  # type: ignore[no-untyped-def]
    campaign = chosen_campaign()
    data = overview_figures.overview(db.session, campaign) if campaign else None
    chart_data = chart_context(charts.charts(db.session, campaign, data)) if campaign else None
    last_update = datetime.fromisoformat(data["last_update"]) if data and data["last_update"] else None
    return render_template(
        "transparency/overview.html",
        campaign=campaign,
        data=data,
        charts=chart_data,
        last_update=last_update,
        campaigns=funds.public_campaigns(db.session),
        chart_js=vendor.CHART_JS,
        to_date=date.fromisoformat,
    )


def chart_context(data: dict) -> dict:
    """The cached chart aggregates with their labels in the reader's language (what the page's tables show and
    what /api/v1/charts returns)."""
    from flask_babel import gettext as _

    return {
        **data,
        "labels": {
            "channels": {k: _(v) for k, v in charts.CHANNEL_CHART_LABELS.items()},
            "flow": {
                "received_vnd": _("Đã nhận (lũy kế)"),
                "allocated_vnd": _("Đã phân bổ (lũy kế)"),
                "disbursed_vnd": _("Đã giải ngân (lũy kế)"),
            },
            "houses": {h["stage"]: _(h["label"]) for h in data["houses"]},
            "received": _("Đã nhận"),
            "goal": _("Chỉ tiêu"),
            "houses_count": _("Số căn nhà"),
        },
    }


def _statement_context() -> dict:
    error = None
    try:
        query = public_statement.parse_statement_args(request.args)
        page = public_statement.statement_page(db.session, query)
    except public_statement.FilterError as exc:
        error = message_for(exc)
        query = public_statement.StatementQuery(
            raw={
                k: request.args.get(k, "")
                for k in ("q", "so_tien", "tu_ngay", "den_ngay", "tinh", "xa", "kenh", "sap_xep", "thu_tu")
            }
        )
        page = public_statement.StatementPage([], None, None)
    provinces = units.provinces(db.session)
    communes = units.communes_of(db.session, query.province_id) if query.province_id else []
    return dict(
        query=query,
        page=page,
        error=error,
        provinces=provinces,
        communes=communes,
        sorts=public_statement.SORTS,
        channels=CHANNEL_LABELS,
    )


@bp.route("/cong-khai/sao-ke")
@public_page
def statement():  # type: ignore[no-untyped-def]
    ctx = _statement_context()
    return render_template("transparency/statement.html", **ctx), 400 if ctx["error"] else 200


@bp.route("/cong-khai/sao-ke/<ref>")
@public_page
def contribution(ref: str):  # type: ignore[no-untyped-def]
    record = public_statement.find_contribution(db.session, ref)
    if record is None:
        if not ref.isdecimal() and public_statement.receipt_is_ambiguous(db.session, ref):
            # Receipt numbers restart for each receiving unit: list every match instead of guessing.
            return redirect(url_for("transparency.statement", q=ref))
        abort(404)
    root = db.session.execute(
        select(PublishedRoot).where(
            PublishedRoot.first_id < record["id"], PublishedRoot.last_id >= record["id"]
        )
    ).scalar_one_or_none()
    return render_template("transparency/contribution.html", c=record, root=root)


@bp.route("/cong-khai/tai-khoan")
@public_page
def accounts():  # type: ignore[no-untyped-def]
    rows = public_accounts(db.session)
    # Account QR only: no amount and no note, so the code identifies the account and nothing else.
    items = [
        (
            a,
            qr.svg(
                build_payload(a.bank_bin, a.account_number),
                scale=4,
                title=gettext(
                    "Mã VietQR tài khoản %(bank)s %(number)s", bank=a.bank_name, number=a.account_number
                ),
            ),
        )
        for a in rows
    ]
    from app.certificates.signing import public_key_pem as pem

    return render_template(
        "transparency/accounts.html",
        items=items,
        public_key_pem=pem(),
        key_fingerprint=opendata.public_key_fingerprint(),
    )


@bp.route("/cong-khai/su-dung")
@public_page
def use_of_funds():  # type: ignore[no-untyped-def]
    campaign = chosen_campaign()
    data = funds.use_of_funds(db.session, campaign) if campaign else None
    houses = (
        overview_figures.houses(
            db.session, units.scope_unit_ids(db.session, campaign.scope_unit), campaign.id
        )
        if campaign
        else None
    )
    return render_template(
        "transparency/use_of_funds.html",
        campaign=campaign,
        data=data,
        houses=houses,
        campaigns=funds.public_campaigns(db.session),
    )


@bp.route("/cong-khai/goc-cong-bo")
@public_page
def roots():  # type: ignore[no-untyped-def]
    items = db.session.execute(select(PublishedRoot).order_by(PublishedRoot.day.desc())).scalars().all()
    return render_template("transparency/roots.html", roots=items)


@bp.route("/cong-khai/goc-cong-bo/<day>")
def root_detail(day: str):  # type: ignore[no-untyped-def]
    try:
        d = date.fromisoformat(day)
    except ValueError:
        abort(404)
    root = db.session.execute(select(PublishedRoot).where(PublishedRoot.day == d)).scalar_one_or_none()
    if root is None:
        abort(404)
    ok = opendata.check_root(db.session, root)  # recomputed now from the live records
    return render_template("transparency/root_detail.html", root=root, ok=ok)


@bp.route("/cong-khai/du-lieu")
@public_page
def open_data():  # type: ignore[no-untyped-def]
    _, verifier_sha256 = opendata.verifier_script()
    return render_template(
        "transparency/open_data.html",
        columns=EXPORT_COLUMNS,
        verifier_sha256=verifier_sha256,
        key_fingerprint=opendata.public_key_fingerprint(),
    )


@bp.route("/cong-khai/du-lieu/verify_export.py")
def verifier_script():  # type: ignore[no-untyped-def]
    data, digest = opendata.verifier_script()
    resp = Response(data, mimetype="text/x-python")
    resp.headers["Content-Disposition"] = 'attachment; filename="verify_export.py"'
    resp.headers["X-Content-SHA256"] = digest
    return resp


@bp.route("/cong-khai/du-lieu/goc-cong-bo-da-ky.json")
def export_signed_roots():  # type: ignore[no-untyped-def]
    payload = opendata.signed_roots_payload(db.session)
    resp = Response(json.dumps(payload, ensure_ascii=False, indent=1), mimetype="application/json")
    resp.headers["Content-Disposition"] = 'attachment; filename="goc-cong-bo-da-ky.json"'
    return resp


@bp.route("/cong-khai/khoa-cong-khai.pem")
def public_key_pem():  # type: ignore[no-untyped-def]
    from app.certificates.signing import public_key_pem as pem

    resp = Response(pem(), mimetype="application/x-pem-file")
    resp.headers["Content-Disposition"] = 'attachment; filename="khoa-cong-khai.pem"'
    return resp


# ------------------------------------------------------------------------------- streamed exports
def csv_response(columns: list[str], rows: Iterator[dict], filename: str) -> Response:
    def generate() -> Iterator[str]:
        buf = io.StringIO()
        writer = SafeDictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        n = 0
        for row in rows:
            writer.writerow(row)
            n += 1
            if n % 2000 == 0:
                yield _drain(buf)
        yield _drain(buf)

    resp = Response(stream_with_context(_with_bom(generate())), mimetype="text/csv")
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


def _with_bom(chunks: Iterator[str]) -> Iterator[str]:
    yield "\ufeff"
    yield from chunks


def _drain(buf: io.StringIO) -> str:
    text = buf.getvalue()
    buf.seek(0)
    buf.truncate(0)
    return text


def json_array_response(rows: Iterator[dict], head: dict, key: str, filename: str | None = None) -> Response:
    """{"…head…", key: [ … ]} streamed one record at a time."""

    def generate() -> Iterator[str]:
        opening = json.dumps(head, ensure_ascii=False)[:-1]
        yield (opening + ", " if head else "{") + json.dumps(key) + ": ["
        first = True
        for row in rows:
            yield ("" if first else ",\n") + json.dumps(row, ensure_ascii=False, default=str)
            first = False
        yield "]}\n"

    resp = Response(stream_with_context(generate()), mimetype="application/json")
    if filename:
        resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


def csv_rows_response(columns: list[str], rows: Iterator[list], filename: str) -> Response:
    """CSV from rows given as lists, streamed in chunks of a few thousand lines (flat memory)."""

    def generate() -> Iterator[str]:
        buf = io.StringIO()
        writer = SafeCSVWriter(buf, lineterminator="\n")
        writer.writerow(columns)
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) == 2000:
                writer.writerows(batch)
                batch.clear()
                yield _drain(buf)
        writer.writerows(batch)
        yield _drain(buf)

    resp = Response(stream_with_context(_with_bom(generate())), mimetype="text/csv")
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


def csv_blocks_response(columns: list[str], blocks: Iterator[bytes], filename: str) -> Response:
    """CSV whose data lines arrive already formatted (PostgreSQL COPY … CSV), after a BOM and the header."""

    def generate() -> Iterator[bytes]:
        buf = io.StringIO()
        SafeCSVWriter(buf, lineterminator="\n").writerow(columns)
        yield ("\ufeff" + buf.getvalue()).encode()
        yield from blocks

    resp = Response(stream_with_context(generate()), mimetype="text/csv")
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


@bp.route("/cong-khai/du-lieu/dong-gop.<fmt>")
def export_contributions(fmt: str):  # type: ignore[no-untyped-def]
    if fmt not in ("csv", "json"):
        abort(404)
    try:
        query = public_statement.parse_statement_args(request.args)
    except public_statement.FilterError as exc:
        abort(400, description=message_for(exc))
    if fmt == "csv":
        if db.session.get_bind().dialect.name == "postgresql":  # formatted by the database, streamed by COPY
            return csv_blocks_response(
                EXPORT_COLUMNS, opendata.copy_export_csv(db.session, query), "dong-gop.csv"
            )
        return csv_rows_response(EXPORT_COLUMNS, opendata.iter_export_rows(db.session, query), "dong-gop.csv")
    return json_array_response(
        opendata.iter_public_records(db.session, query),
        {"columns": EXPORT_COLUMNS, "roots": opendata.roots_payload(db.session)["roots"]},
        "contributions",
        "dong-gop.json",
    )


TOTAL_COLUMNS = [
    "ma_don_vi",
    "don_vi",
    "cap",
    "da_nhan_vnd",
    "hien_vat_vnd",
    "da_phan_bo_vnd",
    "da_giai_ngan_vnd",
    "chua_phan_bo_vnd",
]


@bp.route("/cong-khai/du-lieu/tong-hop.<fmt>")
def export_totals(fmt: str):  # type: ignore[no-untyped-def]
    rows = funds.totals_by_unit(db.session, main_fund(db.session).id)
    if fmt == "csv":
        return csv_response(TOTAL_COLUMNS, iter(rows), "tong-hop.csv")
    if fmt == "json":
        return {"units": rows}
    abort(404)


ROOT_COLUMNS = [
    "day",
    "first_id",
    "last_id",
    "count",
    "total_vnd",
    "records_hash",
    "prev_root",
    "root",
    "created_at",
]


@bp.route("/cong-khai/du-lieu/goc-cong-bo.<fmt>")
def export_roots(fmt: str):  # type: ignore[no-untyped-def]
    payload = opendata.roots_payload(db.session)
    if fmt == "json":
        resp = Response(json.dumps(payload, ensure_ascii=False, indent=1), mimetype="application/json")
        resp.headers["Content-Disposition"] = 'attachment; filename="goc-cong-bo.json"'
        return resp
    if fmt == "csv":
        return csv_response(ROOT_COLUMNS, iter(payload["roots"]), "goc-cong-bo.csv")
    abort(404)


# ------------------------------------------------------------------------------------------- public ledger
def _ledger_context() -> dict:
    from app.transparency import public_ledger

    error = None
    try:
        query = public_ledger.parse_ledger_args(request.args)
        page = public_ledger.ledger_page(db.session, query)
        totals = public_ledger.page_totals(db.session, query)
    except public_statement.FilterError as exc:
        error = message_for(exc)
        query = public_ledger.LedgerQuery(
            raw={k: request.args.get(k, "") for k in ("loai", "tu_ngay", "den_ngay", "so_tien", "tinh", "xa")}
        )
        page = public_ledger.LedgerPage([], None, None)
        totals = None
    provinces = units.provinces(db.session)
    communes = units.communes_of(db.session, query.province_id) if query.province_id else []
    return dict(
        query=query,
        page=page,
        totals=totals,
        error=error,
        provinces=provinces,
        communes=communes,
        kinds=public_ledger.KIND_LABELS,
        campaigns=funds.public_campaigns(db.session),
    )


@bp.route("/cong-khai/so-quy")
@public_page
def ledger():  # type: ignore[no-untyped-def]
    ctx = _ledger_context()
    return render_template("transparency/ledger.html", **ctx), 400 if ctx["error"] else 200


@bp.route("/cong-khai/so-quy/<int:transaction_id>")
@public_page
def ledger_line(transaction_id: int):  # type: ignore[no-untyped-def]
    from app.transparency import public_ledger

    line = public_ledger.find_line(db.session, transaction_id)
    if line is None:
        abort(404)
    return render_template("transparency/ledger_line.html", line=line, kinds=public_ledger.KIND_LABELS)


@bp.route("/cong-khai/du-lieu/so-quy.csv")
def export_ledger():  # type: ignore[no-untyped-def]
    from app.core.web import public_url
    from app.transparency import public_ledger

    try:
        query = public_ledger.parse_ledger_args(request.args)
    except public_statement.FilterError as exc:
        abort(400, description=message_for(exc))
    rows = public_ledger.iter_export_lines(
        db.session, query, lambda i: public_url("transparency.ledger_line", transaction_id=i)
    )
    return csv_response(public_ledger.EXPORT_COLUMNS, rows, "so-quy.csv")


# ------------------------------------------------------------------------------------------------- live
@bp.route("/cong-khai/truc-tiep.json")
def live_credits():  # type: ignore[no-untyped-def]
    """The newest credits and the received total for the statement's filters (app.transparency.live): the same
    answer for every reader of the same URL until money moves, kept in the cache and revalidated by its ETag."""
    from app.core.page_cache import cache, money_version
    from app.transparency import live

    try:
        query = public_statement.parse_statement_args(request.args)
    except public_statement.FilterError as exc:
        return {"error": message_for(exc)}, 400
    query.q = ""  # the live list ignores the search box (a reader searching sees the page's results)
    version = money_version()
    known = (
        version != "None"
    )  # "None": the cache is down, so no version can be trusted — answer fully each time
    tag = live.etag(version, request.full_path)
    if known and request.if_none_match.contains(tag):
        resp = Response(status=304)
    else:
        use_cache = known and bool(current_app.config.get("PUBLIC_PAGE_CACHE_SECONDS"))
        key = f"live:{tag}"
        body = cache.get(key) if use_cache else None
        if body is None:
            body = json.dumps(live.live_document(db.session, query, version), ensure_ascii=False)
            if use_cache:
                try:
                    cache.set(key, body, timeout=current_app.config["PUBLIC_PAGE_CACHE_SECONDS"])
                except Exception:  # noqa: BLE001 - a cache that is down is bypassed, never an error
                    current_app.logger.warning("live: could not cache", exc_info=True)
        resp = Response(body, mimetype="application/json")
    if known:
        resp.set_etag(tag)
        resp.headers["Cache-Control"] = f"public, max-age={live.CACHE_SECONDS}"
    else:
        resp.headers["Cache-Control"] = "no-cache"
    return resp


from app.transparency import api  # noqa: E402,F401  (registers the /api/v1 routes on bp)
