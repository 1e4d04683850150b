"""reference data: the two national multidimensional poverty standards, so that a production database records
which standard made a household eligible without loading the demo (issue 18.5). Support limits stay data
that staff enter on /can-bo/muc-ho-tro with their legal basis: their instruments are not verified here.

Revision ID: 0017_reference
Revises: 0016_donors
"""

from alembic import op
import sqlalchemy as sa

revision = "0017_reference"
down_revision = "0016_donors"
branch_labels = None
depends_on = None

STANDARDS = [
    {
        "code": "2022-2025",
        "name": "Chuẩn nghèo đa chiều giai đoạn 2022–2025",
        "legal_basis": "Nghị định 07/2021/NĐ-CP ngày 27/01/2021",
        "lists_from": 2021,
        "lists_to": 2026,
    },
    {
        "code": "2026-2030",
        "name": "Chuẩn nghèo đa chiều giai đoạn 2026–2030",
        "legal_basis": "Nghị định 351/2025/NĐ-CP ngày 30/12/2025",
        "lists_from": 2027,
        "lists_to": None,
    },
]


def upgrade():
    table = sa.table(
        "poverty_standards",
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("legal_basis", sa.String),
        sa.column("lists_from", sa.Integer),
        sa.column("lists_to", sa.Integer),
    )
    conn = op.get_bind()
    have = {row[0] for row in conn.execute(sa.text("SELECT code FROM poverty_standards"))}
    rows = [s for s in STANDARDS if s["code"] not in have]
    if rows:
        op.bulk_insert(table, rows)


def downgrade():
    conn = op.get_bind()
    for s in STANDARDS:
        conn.execute(sa.text("DELETE FROM poverty_standards WHERE code = :code"), {"code": s["code"]})
