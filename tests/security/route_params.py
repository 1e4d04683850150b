"""Values for URL parameters, so route-enumerating tests can request every route.

Each factory returns the value for one argument name, for a record that belongs to Khánh Sơn (commune
22714) where the record has an area. When a package adds a route with a new argument, add a factory here:
an unknown name fails the tests with "add a factory for <name> in tests/security/route_params.py".

Records of packages merged later are picked from their tables (the demo is loaded first); TABLE_HINTS
names the table for each argument, by blueprint where one name means different things.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pytest
from sqlalchemy import Table, select
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from app.extensions import db
from app.units.models import AdminUnit

# Columns that tie a row to an area, most specific first.
UNIT_COLUMNS = (
    "commune_id",
    "unit_id",
    "receiving_unit_id",
    "earmark_unit_id",
    "scope_unit_id",
    "province_id",
    "to_unit_id",
    "from_unit_id",
)

# argument -> table, or {blueprint: table}
TABLE_HINTS: dict[str, str | dict[str, str]] = {
    "pledge_id": "pledges",
    "statement_id": "bank_statements",
    "account_id": "official_bank_accounts",
    "batch_id": {
        "collections": "collection_import_batches",
        "needs": "need_import_batches",
        "certificates": "certificate_batches",
        "payouts": "payout_batches",
    },
    "order_id": "payout_orders",
    "handout_id": "goods_handouts",
    "proof_id": "payout_proofs",
    "need_id": "household_needs",
    "id": {"needs": "household_needs"},
    "proposal_id": "matching_proposals",
    "line_id": {"matching": "matching_proposal_lines", "payments": "statement_lines"},
    "photo_id": "need_photos",
    "cert_id": "certificates",
    "certificate_id": "certificates",
    "rule_id": "commendation_rules",
    "job_id": "report_jobs",
    "hamlet_id": "hamlets",
    "donor_id": "donors",
    "user_id": "users",
    "transfer_id": "fund_transfer_proposals",
}


@dataclass
class ParamContext:
    session: Session
    places: dict[str, AdminUnit]
    cache: dict[str, object] = field(default_factory=dict)
    # Arguments whose value is a placeholder (the route may answer 404 even to someone allowed).
    placeholders: set[str] = field(default_factory=set)

    def once(self, key: str, make: Callable[[], object]) -> object:
        if key not in self.cache:
            self.cache[key] = make()
        return self.cache[key]


def _khanh_son(ctx: ParamContext) -> AdminUnit:
    return ctx.places["khanh_son"]


def _campaign(ctx: ParamContext):  # type: ignore[no-untyped-def]
    from tests.factories import make_campaign

    return ctx.once("campaign", lambda: make_campaign(ctx.session, _khanh_son(ctx), active=False))


def _contribution(ctx: ParamContext):  # type: ignore[no-untyped-def]
    from app.ledger.models import Purpose
    from tests.factories import make_campaign, receive

    def make():  # type: ignore[no-untyped-def]
        from app.campaigns.services import active_campaign

        campaign = active_campaign(ctx.session, _khanh_son(ctx).id) or make_campaign(
            ctx.session, ctx.places["khanh_hoa"]
        )
        return receive(ctx.session, campaign, 4_321_000, receiving=_khanh_son(ctx), purpose=Purpose.HOUSING)

    return ctx.once("contribution", make)


def _in_kind_gift(ctx: ParamContext) -> int:
    """A gift in kind received in Khánh Sơn (the goods demo leaves one awaiting the store)."""
    from app.contributions.models import Channel, Contribution

    def pick() -> int:
        found = ctx.session.execute(
            select(Contribution.id)
            .where(Contribution.channel == Channel.IN_KIND, Contribution.pool_unit_id == _khanh_son(ctx).id)
            .order_by(Contribution.id.desc())
            .limit(1)
        ).scalar()
        if found is None:
            pytest.fail("no gift in kind in Khánh Sơn after loading the demo (app/goods/demo.py)")
        return int(found)

    return int(ctx.once("in_kind_gift", pick))  # type: ignore[call-overload]


def _report_job(ctx: ParamContext):  # type: ignore[no-untyped-def]
    """A finished yearly report of Khánh Sơn (the demo makes none)."""
    from app.reports.models import ReportKind
    from app.reports.services import create_job, run_job
    from tests.factories import SYSTEM

    def make():  # type: ignore[no-untyped-def]
        job = create_job(
            ctx.session,
            SYSTEM,
            campaign=_campaign(ctx),
            unit=_khanh_son(ctx),
            kind=ReportKind.YEAR,
            year=date.today().year,
        )
        ctx.session.commit()
        run_job(ctx.session, job.id)
        ctx.session.commit()
        return job

    return ctx.once("report_job", make)


def _need_import_batch(ctx: ParamContext):  # type: ignore[no-untyped-def]
    """An uploaded (not yet committed) needs spreadsheet of Khánh Sơn, stored as the upload page stores it."""
    from pathlib import Path

    from flask import current_app

    from app.core.uploads import store_bytes
    from app.needs import importer
    from app.needs.models import NeedImportBatch

    def make():  # type: ignore[no-untyped-def]
        from app.campaigns.services import active_campaign

        campaign = active_campaign(ctx.session, _khanh_son(ctx).id) or _campaign(ctx)
        stored = store_bytes(importer.template_csv(), "csv", "mau.csv", "needs/imports")
        batch = NeedImportBatch(
            campaign_id=campaign.id,
            commune_id=_khanh_son(ctx).id,
            kind="csv",
            sha256=stored.sha256,
            original_name=stored.original_name,
            path=stored.path.relative_to(Path(current_app.config["UPLOAD_DIR"])).as_posix(),
        )
        ctx.session.add(batch)
        ctx.session.commit()
        return batch

    return ctx.once("need_import_batch", make)


def _need_disbursement(ctx: ParamContext) -> int:
    """A tranche paid to a Khánh Sơn house (the demo pays several; need_disbursements has no area column)."""
    from app.needs.models import HouseholdNeed, NeedDisbursement

    def pick() -> int:
        found = ctx.session.execute(
            select(NeedDisbursement.id)
            .join(HouseholdNeed, HouseholdNeed.id == NeedDisbursement.need_id)
            .where(
                HouseholdNeed.commune_id == _khanh_son(ctx).id,
                NeedDisbursement.reversal_transaction_id.is_(None),
            )
            .order_by(NeedDisbursement.id)
            .limit(1)
        ).scalar()
        if found is None:
            pytest.fail(
                "add a factory for <disbursement_id> in tests/security/route_params.py: the demo paid no "
                "Khánh Sơn house"
            )
        return found

    return ctx.once("need_disbursement", pick)  # type: ignore[return-value]


def _statement_line(ctx: ParamContext, rule: Rule, arg: str) -> int:
    """A line of the statement the route's <statement_id> names (the demo's) from which a receipt was recorded."""
    from app.payments.models import LineStatus, StatementLine

    statement_id = pick_row(ctx, "bank_statements", "statement_id", rule)

    def pick() -> int:
        found = ctx.session.execute(
            select(StatementLine.id)
            .where(
                StatementLine.statement_id == statement_id,
                StatementLine.status == LineStatus.MATCHED,
                StatementLine.contribution_id.is_not(None),
            )
            .order_by(StatementLine.id)
            .limit(1)
        ).scalar()
        if found is None:
            pytest.fail(
                "add a factory for <line_id> in tests/security/route_params.py: the demo statement has no "
                "matched line"
            )
        return found

    return ctx.once("statement_line", pick)  # type: ignore[return-value]


def _feed_transaction(ctx: ParamContext, rule: Rule, arg: str) -> int:
    """A bank feed transaction (a debit: nothing to attribute or record again) on the account <account_id> names."""
    from datetime import UTC, datetime

    from app.bankfeed.models import BankFeedTransaction, FeedStatus
    from app.banking.models import OfficialBankAccount

    account_id = pick_row(ctx, "official_bank_accounts", "account_id", rule)

    def make() -> int:
        account = ctx.session.get(OfficialBankAccount, account_id)
        assert account is not None
        txn = BankFeedTransaction(
            provider="direct",
            provider_txn_id="route-params-1",
            bank_reference="FT-ROUTE-PARAMS-1",
            account_number=account.account_number,
            bank_account_id=account.id,
            is_credit=False,
            amount_vnd=22_000,
            txn_at=datetime(2026, 1, 5, 3, 0, tzinfo=UTC),
            memo="Phi quan ly tai khoan",
            raw_payload={},
            status=FeedStatus.DEBIT,
        )
        ctx.session.add(txn)
        ctx.session.commit()
        return txn.id

    return ctx.once("feed_transaction", make)  # type: ignore[return-value]


def _donor_pair(ctx: ParamContext, rule: Rule, arg: str) -> int:
    """Two donor records of Khánh Sơn (else of its province) for the side-by-side merge page."""

    def pick() -> tuple[int, int]:
        from app.donors.models import Donor

        for col, wanted in (
            (Donor.commune_id, _khanh_son(ctx).id),
            (Donor.province_id, ctx.places["khanh_hoa"].id),
        ):
            ids = list(
                ctx.session.execute(
                    select(Donor.id)
                    .where(col == wanted, Donor.merged_into_id.is_(None))
                    .order_by(Donor.id)
                    .limit(2)
                ).scalars()
            )
            if len(ids) == 2:
                return ids[0], ids[1]
        pytest.fail(f"add a factory for <{arg}> in tests/security/route_params.py (route {rule.rule})")

    first, second = ctx.once("donor_pair", pick)  # type: ignore[misc]
    return first if arg == "first" else second


def _placeholder(value: object) -> Callable[[ParamContext, Rule, str], object]:
    def make(ctx: ParamContext, rule: Rule, arg: str) -> object:
        ctx.placeholders.add(arg)
        return value

    return make


FACTORIES: dict[str, Callable[[ParamContext, Rule, str], object]] = {
    "commune_id": lambda ctx, rule, arg: _khanh_son(ctx).id,
    "unit_id": lambda ctx, rule, arg: _khanh_son(ctx).id,
    "campaign_id": lambda ctx, rule, arg: _campaign(ctx).id,
    "contribution_id": lambda ctx, rule, arg: (
        _in_kind_gift(ctx) if rule.endpoint == "goods.receive" else _contribution(ctx).id
    ),
    "tx_id": lambda ctx, rule, arg: _contribution(ctx).ledger_transaction_id,
    "transaction_id": lambda ctx, rule, arg: _contribution(ctx).ledger_transaction_id,
    "disbursement_id": lambda ctx, rule, arg: _need_disbursement(ctx),
    "job_id": lambda ctx, rule, arg: _report_job(ctx).id,
    "batch_id": lambda ctx, rule, arg: (
        _need_import_batch(ctx).id
        if rule.endpoint.startswith("needs.")
        else pick_row(ctx, TABLE_HINTS["batch_id"][rule.endpoint.split(".")[0]], arg, rule)
    ),
    "line_id": lambda ctx, rule, arg: (
        _statement_line(ctx, rule, arg)
        if rule.endpoint.startswith("payments.")
        else pick_row(ctx, "matching_proposal_lines", arg, rule)
    ),
    "txn_id": _feed_transaction,
    "limit_id": lambda ctx, rule, arg: pick_row(ctx, "support_limits", arg, rule),
    "first": _donor_pair,
    "second": _donor_pair,
    "year": lambda ctx, rule, arg: date.today().year,
    "day": lambda ctx, rule, arg: date.today().isoformat(),
    # Formats and kinds: the first one each route offers is fine; placeholders may 404, which is allowed.
    "fmt": _placeholder("csv"),
    "ext": _placeholder("csv"),
    "kind": _placeholder("chu-tich"),
    "stage": _placeholder("khoi-cong"),
    "filename": _placeholder("app.css"),
    # Secrets and public references: an unknown value must be refused, never explained.
    "gift_id": _placeholder(
        987654
    ),  # a monthly gift (app.recurring): the demo has none; its routes are POST-only
    "token": _placeholder("khong-phai-ma-that-0123456789"),
    "session_id": _placeholder("cs_test_khong_co"),
    "reference": _placeholder("PL-KHONG-CO"),
    "ref": _placeholder("KHONG-CO"),
    "code": _placeholder("KHONG-CO-MA"),
    "provider": _placeholder("direct"),  # a bank feed: refused (400) until its secret is configured
    "merge_id": _placeholder(999_999),  # no merge in the demo: the undo of an unknown merge answers 404
    "request_id": _placeholder(999_999),  # no erasure request in the demo: an unknown one answers 404
    "change_id": _placeholder(
        999_999
    ),  # no pending bank account change in the demo: an unknown one answers 404
}


def _table(name: str) -> Table | None:
    return db.metadata.tables.get(name)


def pick_row(ctx: ParamContext, table_name: str, arg: str, rule: Rule) -> int:
    table = _table(table_name)
    if table is None:
        pytest.fail(
            f"add a factory for <{arg}> in tests/security/route_params.py "
            f"(route {rule.rule}: table {table_name!r} does not exist)"
        )
    unit_cols = [table.c[c] for c in UNIT_COLUMNS if c in table.c]
    # Khánh Sơn's own record first; else a record of its province (e.g. a province-level proposal).
    for wanted in (_khanh_son(ctx).id, ctx.places["khanh_hoa"].id):
        for col in unit_cols:
            row = ctx.session.execute(
                select(table.c.id).where(col == wanted).order_by(table.c.id).limit(1)
            ).first()
            if row:
                return row[0]
    if not unit_cols:  # a record without an area (e.g. a donor): any one will do
        row = ctx.session.execute(select(table.c.id).order_by(table.c.id).limit(1)).first()
        if row:
            return row[0]
    pytest.fail(
        f"add a factory for <{arg}> in tests/security/route_params.py (route {rule.rule}: no row of "
        f"{table_name!r} belonging to Khánh Sơn after loading the demo)"
    )


def value_for(ctx: ParamContext, rule: Rule, arg: str) -> object:
    if arg in FACTORIES:
        return FACTORIES[arg](ctx, rule, arg)
    hint = TABLE_HINTS.get(arg)
    if isinstance(hint, dict):
        hint = hint.get(rule.endpoint.split(".", 1)[0])
    if hint:
        return pick_row(ctx, hint, arg, rule)
    pytest.fail(
        f"add a factory for <{arg}> in tests/security/route_params.py (route {rule.rule}, "
        f"endpoint {rule.endpoint})"
    )


def build_url(ctx: ParamContext, rule: Rule) -> str:
    """The URL of exactly this rule (not another rule of the same endpoint)."""
    values = {arg: value_for(ctx, rule, arg) for arg in sorted(rule.arguments)}
    built = rule.build(values, append_unknown=False)
    assert built is not None, f"cannot build {rule.rule} from {values}"
    return built[1]


def uses_placeholder(ctx: ParamContext, rule: Rule) -> bool:
    return bool(set(rule.arguments) & ctx.placeholders)
