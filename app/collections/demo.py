"""Demo: Xã Khánh Sơn's door-to-door collections: a committed import batch and a few typed rows."""

from __future__ import annotations

import csv
import io
import random
import uuid
from datetime import date

from sqlalchemy.orm import Session

from app.collections import services as svc
from app.core.actor import Actor
from app.demo.names import unique_names
from app.units.models import Hamlet

FAMILY = [
    "Cao",
    "Mấu",
    "Bo Bo",
    "Nguyễn",
    "Trần",
    "Lê",
    "Pi Năng",
    "Bùi",
]  # Raglai and Kinh families of Khánh Sơn
COLLECTORS = [
    "Mấu Văn Tám (Trưởng thôn Tà Lương)",
    "Cao Thị Hiền (Chi hội phụ nữ)",
    "Bo Bo Văn Long (Trưởng thôn Tô Hạp)",
]


def load(session: Session, ctx: dict) -> None:
    commune = ctx["communes"][22714]
    campaign = ctx["campaign"]
    user = ctx["users"].get("khanhson@khanhhoa.chungtay.vn")
    actor = Actor(user_id=user.id if user else None, label="demo")
    hamlets = [h.name for h in session.query(Hamlet).filter_by(commune_id=commune.id).order_by(Hamlet.id)]
    rng = random.Random(22714)  # noqa: S311 - demo names, not security
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(svc.HEADERS)
    others = {
        "Pi Năng Thị Xuân",
        "Bo Bo Văn Dũng",
        "Cao Văn Lực",
        "Lê Văn Thử",
    }  # typed below, the collector
    others |= {c.split(" (")[0] for c in COLLECTORS}
    for i, name in enumerate(unique_names(rng, 40, FAMILY, exclude=others)):
        in_kind = "20 kg gạo" if i % 13 == 5 else ""
        writer.writerow(
            [
                name,
                hamlets[i % 3],
                rng.choice([50_000, 100_000, 200_000, 300_000]),
                in_kind,
                date(2026, 10, 18 + i % 5).strftime("%d/%m/%Y"),
                COLLECTORS[i % 3],
            ]
        )
    batch = svc.create_import(
        session,
        actor,
        campaign,
        commune,
        "csv",
        buf.getvalue().encode("utf-8"),
        "danh-sach-thu-thon-ta-luong-to-hap.csv",
    )
    svc.request_commit(session, actor, batch, skip_errors=False)
    typed = [
        ("Pi Năng Thị Xuân", hamlets[3], "150.000", ""),
        ("Bo Bo Văn Dũng", hamlets[4], "100.000", ""),
        ("Cao Văn Lực", hamlets[3], "250.000", "10 kg gạo"),
    ]
    for name, hamlet, amount, in_kind in typed:
        svc.record_row(
            session,
            actor,
            campaign,
            commune,
            svc.RowInput(name, hamlet, amount, in_kind, "22/10/2026", "Lê Văn Thử"),
            str(uuid.uuid4()),
        )
    ctx["collections_batch"] = batch
