"""Read-only open-data API under /api/v1 (JSON), described by the OpenAPI 3.1 document at /api/v1/openapi.json."""

from __future__ import annotations

from flask import jsonify, render_template, request
from sqlalchemy import select

from app.core.page_cache import public_page
from app.core.web import public_url
from app.extensions import db, limiter
from app.transparency import charts, funds, opendata, overview, statement, vendor
from app.transparency.views import bp, chosen_campaign
from app.units.models import AdminUnit, UnitLevel

API = "/api/v1"
# Per client address, over every /api/v1 route together; stated in the OpenAPI document and on the docs page.
API_RATE_LIMIT_PER_MINUTE = 300
api_limit = limiter.shared_limit(
    f"{API_RATE_LIMIT_PER_MINUTE} per minute",
    scope="api-v1",
    error_message="Quá nhiều yêu cầu: tối đa 300 yêu cầu mỗi phút. Vui lòng thử lại sau.",
)
PUBLIC_FIELDS = [
    "id",
    "ngay_nhan",
    "ten_cong_khai",
    "so_tien_vnd",
    "kenh",
    "kenh_ten",
    "muc_dich",
    "muc_dich_ten",
    "ma_dia_ban_chi_dinh",
    "dia_ban_chi_dinh",
    "ma_dia_ban",
    "dia_ban",
    "ma_dang_ky",
    "ma_giao_dich",
    "so_bien_nhan",
    "tai_khoan",
    "trang_thai",
    "thoi_diem",
    "tai_khoan_nhan",
    "don_vi_nhan",
    "chua_xac_dinh",
]


@bp.after_request
def _cors(response):  # type: ignore[no-untyped-def]
    """Anyone's web page may read the public API (GET only): it holds no personal data and no session is used."""
    if request.path.startswith(f"{API}/") and request.method in ("GET", "HEAD"):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = (
            "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After"
        )
        response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.route("/cong-khai/api")
@public_page
def api_docs():  # type: ignore[no-untyped-def]
    """The API documentation, rendered in the browser by Swagger UI (vendored) from /api/v1/openapi.json."""
    return render_template("transparency/api_docs.html", rate_limit=API_RATE_LIMIT_PER_MINUTE, vendor=vendor)


def _api_error(message: str, status: int = 400):  # type: ignore[no-untyped-def]
    return jsonify({"error": message, "status": status}), status


def _public(rec: dict) -> dict:
    out = {k: rec[k] for k in PUBLIC_FIELDS}
    out["url"] = public_url("transparency.contribution", ref=rec["id"])
    return out


@bp.route(f"{API}/contributions")
@api_limit
def api_contributions():  # type: ignore[no-untyped-def]
    try:
        query = statement.parse_statement_args(request.args)
        page = statement.statement_page(db.session, query)
    except statement.FilterError as exc:
        return _api_error(str(exc))
    args = query.link_args()
    return jsonify(
        {
            "data": [_public(r) for r in page.rows],
            "next": public_url("transparency.api_contributions", sau=page.next_cursor, **args)
            if page.next_cursor
            else None,
            "prev": public_url("transparency.api_contributions", truoc=page.prev_cursor, **args)
            if page.prev_cursor
            else None,
        }
    )


@bp.route(f"{API}/contributions/<int:contribution_id>")
@api_limit
def api_contribution(contribution_id: int):  # type: ignore[no-untyped-def]
    rec = statement.find_contribution(db.session, str(contribution_id))
    if rec is None:
        return _api_error("Không tìm thấy khoản đóng góp.", 404)
    return jsonify(_public(rec))


@bp.route(f"{API}/ledger")
@api_limit
def api_ledger():  # type: ignore[no-untyped-def]
    """The public ledger (app.transparency.public_ledger): lines in and out, newest first, keyset pages."""
    from app.transparency import public_ledger

    try:
        query = public_ledger.parse_ledger_args(request.args)
        page = public_ledger.ledger_page(db.session, query)
        totals = public_ledger.page_totals(db.session, query)
    except statement.FilterError as exc:
        return _api_error(str(exc))
    args = query.link_args()
    return jsonify(
        {
            "totals": vars(totals),
            "data": [
                {
                    **public_ledger.api_line(line),
                    "url": public_url("transparency.ledger_line", transaction_id=line["id"]),
                }
                for line in page.lines
            ],
            "next": public_url("transparency.api_ledger", sau=page.next_cursor, **args)
            if page.next_cursor
            else None,
            "prev": public_url("transparency.api_ledger", truoc=page.prev_cursor, **args)
            if page.prev_cursor
            else None,
        }
    )


@bp.route(f"{API}/ledger/<int:transaction_id>")
@api_limit
def api_ledger_line(transaction_id: int):  # type: ignore[no-untyped-def]
    from app.transparency import public_ledger

    line = public_ledger.find_line(db.session, transaction_id)
    if line is None:
        return _api_error("Không tìm thấy bút toán.", 404)
    return jsonify(
        {
            **public_ledger.api_line(line),
            "dong_gop": [_public(c) for c in line.get("dong_gop", [])],
            "url": public_url("transparency.ledger_line", transaction_id=transaction_id),
        }
    )


@bp.route(f"{API}/totals")
@api_limit
def api_totals():  # type: ignore[no-untyped-def]
    campaign = chosen_campaign()
    if campaign is None:
        return _api_error("Chưa có cuộc vận động nào được công khai.", 404)
    data = overview.overview(db.session, campaign)
    return jsonify(
        {
            "campaign": data["campaign"],
            "totals": data["totals"],
            "progress": data["progress"],
            "houses": data["houses"],
            "last_update": data["last_update"],
            "units": funds.totals_by_unit(db.session, campaign.fund_id),
        }
    )


@bp.route(f"{API}/charts")
@api_limit
def api_charts():  # type: ignore[no-untyped-def]
    from app.transparency.views import chart_context

    campaign = chosen_campaign()
    if campaign is None:
        return _api_error("Chưa có cuộc vận động nào được công khai.", 404)
    data = chart_context(charts.charts(db.session, campaign))  # the boundary commits the refreshed cache row
    return jsonify({"campaign": {"id": campaign.id, "name": campaign.name}, **data})


@bp.route(f"{API}/units")
@api_limit
def api_units():  # type: ignore[no-untyped-def]
    code = request.args.get("tinh", "")
    q = select(AdminUnit).order_by(AdminUnit.code)
    if code:
        if not code.isdecimal():
            return _api_error("tinh: mã tỉnh phải là số.")
        province = db.session.execute(
            select(AdminUnit).where(AdminUnit.level == UnitLevel.PROVINCE, AdminUnit.code == int(code))
        ).scalar_one_or_none()
        if province is None:
            return _api_error("Không tìm thấy tỉnh.", 404)
        q = q.where(AdminUnit.parent_id == province.id)
    else:
        q = q.where(AdminUnit.level == UnitLevel.PROVINCE)
    return jsonify(
        {
            "units": [
                {
                    "id": u.id,
                    "code": u.code,
                    "name": u.name,
                    "level": str(u.level),
                    "division_type": u.division_type,
                }
                for u in db.session.execute(q).scalars()
            ]
        }
    )


@bp.route(f"{API}/campaigns")
@api_limit
def api_campaigns():  # type: ignore[no-untyped-def]
    return jsonify(
        {
            "campaigns": [
                {
                    "id": c.id,
                    "slug": c.slug,
                    "year": c.year,
                    "name": c.name,
                    "status": str(c.status),
                    "scope": c.scope_name,
                    "starts_on": c.starts_on.isoformat(),
                    "ends_on": c.ends_on.isoformat(),
                    "goal_vnd": c.goal_vnd,
                }
                for c in funds.public_campaigns(db.session)
            ]
        }
    )


@bp.route(f"{API}/roots")
@api_limit
def api_roots():  # type: ignore[no-untyped-def]
    return jsonify(opendata.roots_payload(db.session))


@bp.route(f"{API}/openapi.json")
@api_limit
def api_openapi():  # type: ignore[no-untyped-def]
    return jsonify(openapi_document())


CONTRIBUTION_EXAMPLE = {
    "id": 1024,
    "ngay_nhan": "2026-10-17",
    "ten_cong_khai": "Nguyễn Văn An",
    "so_tien_vnd": 50000000,
    "kenh": "bank_transfer",
    "kenh_ten": "Chuyển khoản",
    "muc_dich": "unrestricted",
    "muc_dich_ten": "Không chỉ định",
    "ma_dia_ban_chi_dinh": "",
    "dia_ban_chi_dinh": "",
    "ma_dia_ban": "56",
    "dia_ban": "Tỉnh Khánh Hòa",
    "ma_dang_ky": "CT-2026-000123",
    "ma_giao_dich": "FT26290123456",
    "so_bien_nhan": "BN-2026-000045",
    "tai_khoan": "****6789",
    "trang_thai": "da_nhan",
    "url": "https://chungtay.example.vn/cong-khai/sao-ke/1024",
}
ROOT_EXAMPLE = {
    "day": "2026-10-17",
    "first_id": 1000,
    "last_id": 1024,
    "count": 24,
    "total_vnd": 312000000,
    "records_hash": "9f2c" + "0" * 60,
    "prev_root": "41ab" + "0" * 60,
    "root": "c07e" + "0" * 60,
    "created_at": "2026-10-18T00:05:00+00:00",
}
# An example value for each filter (Swagger UI pre-fills "Try it out" with them).
_FILTER_EXAMPLES = {
    "q": "nguyen van an",
    "so_tien": "50.000.000",
    "tu_ngay": "17/10/2026",
    "den_ngay": "18/11/2026",
    "tinh": "1",
    "kenh": "bank_transfer",
    "sap_xep": "ngay",
    "thu_tu": "giam",
    "limit": "50",
}

_FILTERS = [
    (
        "q",
        "Tìm theo tên, mã đăng ký, mã giao dịch ngân hàng hoặc số biên nhận: các từ liền nhau, mỗi từ khớp từ đầu "
        'một từ ("nguyen van a" tìm được "Nguyễn Văn An"); không phân biệt dấu, chữ hoa, chữ thường và dấu câu.',
    ),
    ("so_tien", "Số tiền chính xác, ví dụ 50.000.000."),
    ("tu_ngay", "Từ ngày (dd/mm/yyyy hoặc yyyy-mm-dd)."),
    ("den_ngay", "Đến ngày (dd/mm/yyyy hoặc yyyy-mm-dd)."),
    ("tinh", "Id tỉnh/thành phố (xem /api/v1/units)."),
    ("xa", "Id xã/phường."),
    ("chien_dich", "Id cuộc vận động."),
    ("kenh", "Kênh: bank_transfer, card, cash, household_collection, in_kind."),
    ("sap_xep", "ngay | so_tien | ten"),
    ("thu_tu", "giam (mặc định) | tang"),
    ("sau", "Con trỏ trang sau (lấy từ trường next)."),
    ("truoc", "Con trỏ trang trước (lấy từ trường prev)."),
    ("limit", "Số dòng mỗi trang, 1–200 (mặc định 50)."),
]


LEDGER_LINE_EXAMPLE = {
    "id": 2048,
    "ngay": "2026-11-02",
    "loai": "giai_ngan",
    "loai_ten": "Giải ngân (chi trả)",
    "so_tien_vnd": 20000000,
    "dia_ban": "Xã Khánh Sơn",
    "mo_ta": "Giải ngân cho hộ N.V.A. (Xã Khánh Sơn)",
    "but_toan": [
        {
            "dia_ban": "Xã Khánh Sơn",
            "tai_khoan": "Đã giải ngân",
            "muc_dich": "housing",
            "so_tien_vnd": 20000000,
            "trong_pham_vi": True,
        },
        {
            "dia_ban": "Xã Khánh Sơn",
            "tai_khoan": "Đã phân bổ, chưa chi",
            "muc_dich": "housing",
            "so_tien_vnd": -20000000,
            "trong_pham_vi": True,
        },
    ],
    "dao_cho": None,
    "bi_dao_boi": None,
    "dao_mot_phan_boi": [],
    "so_khoan_dong_gop": 0,
    "khoan_dong_gop": None,
    "khoan_bi_huy": [],
    "nha": [
        {"nha": 17, "ho": "N.V.A.", "xa": "Xã Khánh Sơn", "giai_doan": "Đang xây dựng", "dot": "advance"}
    ],
    "url": "https://chungtay.example.vn/cong-khai/so-quy/2048",
}
_LEDGER_FILTERS = [
    (
        "loai",
        "tien_vao | hien_vat_nhan | phan_bo | giai_ngan | dieu_chuyen | trao_hien_vat | dao | khac",
    ),
    ("tu_ngay", "Từ ngày (dd/mm/yyyy hoặc yyyy-mm-dd)."),
    ("den_ngay", "Đến ngày (dd/mm/yyyy hoặc yyyy-mm-dd)."),
    ("so_tien", "Số tiền chính xác của dòng, ví dụ 50.000.000."),
    ("tinh", "Id tỉnh/thành phố (gồm các xã/phường của tỉnh)."),
    ("xa", "Id xã/phường."),
    ("chien_dich", "Id cuộc vận động (quỹ và phạm vi của nó)."),
    ("sau", "Con trỏ trang sau (lấy từ trường next)."),
    ("truoc", "Con trỏ trang trước (lấy từ trường prev)."),
    ("limit", "Số dòng mỗi trang, 1–200 (mặc định 50)."),
]


def _ok(schema: dict, description: str = "Thành công", example: object = None) -> dict:
    content: dict = {"schema": schema}
    if example is not None:
        content["example"] = example
    return {
        "200": {"description": description, "content": {"application/json": content}},
        "429": {
            "description": f"Quá {API_RATE_LIMIT_PER_MINUTE} yêu cầu trong một phút từ cùng một địa chỉ "
            "(xem các tiêu đề X-RateLimit-* và Retry-After)"
        },
    }


def openapi_document() -> dict:
    contribution = {
        "type": "object",
        "properties": {
            **{k: {"type": "string"} for k in PUBLIC_FIELDS},
            "id": {"type": "integer"},
            "so_tien_vnd": {"type": "integer", "description": "đồng"},
            "trang_thai": {"type": "string", "enum": ["da_nhan", "da_huy"]},
            "thoi_diem": {"type": "string", "format": "date-time", "description": "thời điểm tiền về"},
            "tai_khoan_nhan": {"type": "string", "description": "tài khoản chính thức nhận tiền (che số)"},
            "don_vi_nhan": {"type": "string", "description": "đơn vị sở hữu tài khoản nhận"},
            "chua_xac_dinh": {
                "type": "boolean",
                "description": "tiền chuyển khoản tự ghi nhận, chưa gắn với nhà tài trợ hay đăng ký nào",
            },
            "url": {"type": "string", "format": "uri"},
        },
        "example": CONTRIBUTION_EXAMPLE,
    }
    error = {"type": "object", "properties": {"error": {"type": "string"}, "status": {"type": "integer"}}}
    root = {
        "type": "object",
        "properties": {
            k: {"type": "string"} for k in ("day", "records_hash", "prev_root", "root", "created_at")
        }
        | {k: {"type": "integer"} for k in ("first_id", "last_id", "count", "total_vnd")},
        "example": ROOT_EXAMPLE,
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Chung Tay – dữ liệu mở Quỹ “Vì người nghèo”",
            "version": "1.0.0",
            "description": "API chỉ đọc: các khoản đóng góp đã công khai, tổng hợp theo địa bàn, đơn vị hành "
            "chính, cuộc vận động và chuỗi gốc công bố hằng ngày. Không chứa dữ liệu cá nhân.\n\n"
            f"**Giới hạn:** tối đa {API_RATE_LIMIT_PER_MINUTE} yêu cầu mỗi phút cho mỗi địa chỉ IP, tính chung "
            "mọi đường dẫn /api/v1; vượt quá thì nhận mã 429 kèm Retry-After. Các tiêu đề X-RateLimit-Limit, "
            "X-RateLimit-Remaining, X-RateLimit-Reset cho biết còn bao nhiêu.\n\n"
            "**CORS:** mọi trang web đều gọi được các yêu cầu GET (Access-Control-Allow-Origin: *). "
            "Không cần khóa, không dùng cookie.\n\n"
            "Số tiền là số nguyên đồng (VND); ngày theo ISO 8601 (giờ Việt Nam).",
            "license": {"name": "Dữ liệu mở"},
        },
        "x-rate-limit": {"requests": API_RATE_LIMIT_PER_MINUTE, "per": "minute", "key": "client IP"},
        "servers": [{"url": "/"}],
        "components": {
            "schemas": {
                "Contribution": contribution,
                "Error": error,
                "Root": root,
                "LedgerLine": {"type": "object", "example": LEDGER_LINE_EXAMPLE},
            }
        },
        "paths": {
            f"{API}/contributions": {
                "get": {
                    "summary": "Danh sách khoản đóng góp (phân trang bằng con trỏ)",
                    "parameters": [
                        {
                            "name": n,
                            "in": "query",
                            "required": False,
                            "description": d,
                            "schema": {"type": "string"},
                            **({"example": _FILTER_EXAMPLES[n]} if n in _FILTER_EXAMPLES else {}),
                        }
                        for n, d in _FILTERS
                    ],
                    "responses": {
                        **_ok(
                            {
                                "type": "object",
                                "properties": {
                                    "data": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Contribution"},
                                    },
                                    "next": {"type": ["string", "null"]},
                                    "prev": {"type": ["string", "null"]},
                                },
                            },
                            example={
                                "data": [CONTRIBUTION_EXAMPLE],
                                "next": "https://chungtay.example.vn/api/v1/contributions?sau=1024&limit=50",
                                "prev": None,
                            },
                        ),
                        "400": {
                            "description": "Bộ lọc không hợp lệ",
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                            },
                        },
                    },
                }
            },
            f"{API}/contributions/{{contribution_id}}": {
                "get": {
                    "summary": "Một khoản đóng góp",
                    "parameters": [
                        {
                            "name": "contribution_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer"},
                            "example": 1024,
                        }
                    ],
                    "responses": {
                        **_ok({"$ref": "#/components/schemas/Contribution"}),
                        "404": {"description": "Không tìm thấy"},
                    },
                }
            },
            f"{API}/ledger": {
                "get": {
                    "summary": "Sổ quỹ công khai: mọi bút toán vào và ra (tiền vào, phân bổ, giải ngân, điều chuyển, "
                    "hiện vật, đảo), mới nhất trước, phân trang bằng con trỏ; kèm tổng theo bộ lọc",
                    "parameters": [
                        {
                            "name": n,
                            "in": "query",
                            "required": False,
                            "description": d,
                            "schema": {"type": "string"},
                        }
                        for n, d in _LEDGER_FILTERS
                    ],
                    "responses": {
                        **_ok(
                            {
                                "type": "object",
                                "properties": {
                                    "totals": {"type": "object"},
                                    "data": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/LedgerLine"},
                                    },
                                    "next": {"type": ["string", "null"]},
                                    "prev": {"type": ["string", "null"]},
                                },
                            },
                            example={
                                "totals": {
                                    "received_vnd": 52000000,
                                    "in_kind_vnd": 0,
                                    "unallocated_vnd": 12000000,
                                    "allocated_vnd": 40000000,
                                    "disbursed_vnd": 20000000,
                                },
                                "data": [LEDGER_LINE_EXAMPLE],
                                "next": None,
                                "prev": None,
                            },
                        ),
                        "400": {
                            "description": "Bộ lọc không hợp lệ",
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                            },
                        },
                    },
                }
            },
            f"{API}/ledger/{{transaction_id}}": {
                "get": {
                    "summary": "Một bút toán của sổ quỹ công khai, kèm các khoản đóng góp của nó",
                    "parameters": [
                        {
                            "name": "transaction_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer"},
                            "example": 2048,
                        }
                    ],
                    "responses": {
                        **_ok({"$ref": "#/components/schemas/LedgerLine"}),
                        "404": {"description": "Không tìm thấy"},
                    },
                }
            },
            f"{API}/totals": {
                "get": {
                    "summary": "Tổng hợp: đã đăng ký, đã nhận, đã phân bổ, đã giải ngân; tiến độ theo địa bàn",
                    "parameters": [{"name": "chien_dich", "in": "query", "schema": {"type": "integer"}}],
                    "responses": _ok({"type": "object"}),
                }
            },
            f"{API}/charts": {
                "get": {
                    "summary": "Số liệu các biểu đồ: tiền nhận theo ngày và kênh, theo địa bàn, phân bổ và giải ngân "
                    "lũy kế theo ngày, nhà theo giai đoạn (tính sẵn, lưu đệm)",
                    "parameters": [
                        {"name": "chien_dich", "in": "query", "schema": {"type": "integer"}, "example": 1}
                    ],
                    "responses": _ok(
                        {"type": "object"},
                        example={
                            "received_by_day": [
                                {
                                    "day": "2026-10-17",
                                    "by_channel": {
                                        "bank_transfer": 50000000,
                                        "card": 0,
                                        "cash": 2000000,
                                        "household_collection": 0,
                                    },
                                    "total_vnd": 52000000,
                                }
                            ],
                            "by_area": [
                                {"code": 56, "name": "Khánh Hòa", "received_vnd": 52000000, "goal_vnd": 0}
                            ],
                            "flow_by_day": [
                                {
                                    "day": "2026-10-17",
                                    "received_vnd": 52000000,
                                    "allocated_vnd": 0,
                                    "disbursed_vnd": 0,
                                }
                            ],
                            "houses": [{"stage": "started", "label": "Đang xây dựng", "count": 3}],
                        },
                    ),
                }
            },
            f"{API}/units": {
                "get": {
                    "summary": "Tỉnh/thành phố, hoặc xã/phường của một tỉnh",
                    "parameters": [
                        {
                            "name": "tinh",
                            "in": "query",
                            "description": "Mã tỉnh (ví dụ 56)",
                            "schema": {"type": "integer"},
                            "example": 56,
                        }
                    ],
                    "responses": _ok({"type": "object"}),
                }
            },
            f"{API}/campaigns": {
                "get": {"summary": "Các cuộc vận động", "responses": _ok({"type": "object"})}
            },
            f"{API}/roots": {
                "get": {
                    "summary": "Chuỗi gốc công bố hằng ngày (SHA-256)",
                    "responses": _ok(
                        {
                            "type": "object",
                            "properties": {
                                "roots": {"type": "array", "items": {"$ref": "#/components/schemas/Root"}}
                            },
                        },
                        example={"genesis": "0" * 64, "roots": [ROOT_EXAMPLE]},
                    ),
                }
            },
            f"{API}/openapi.json": {
                "get": {"summary": "Tài liệu OpenAPI này", "responses": _ok({"type": "object"})}
            },
        },
    }
