"""privacy: versioned privacy notices, consents, erasure requests, retention rules, the registers of processing
and of incidents (issue 21 item 10; docs/PRIVACY.md). Seeds the first notice (Vietnamese and English), the
retention rules and the register of processing.

Revision ID: 0017_privacy
Revises: 0017_papers
"""

from datetime import date

from alembic import op
import sqlalchemy as sa

revision = "0017_privacy"
down_revision = "0017_papers"
branch_labels = None
depends_on = None

NOTICE_VI = """Ủy ban Mặt trận Tổ quốc Việt Nam (bên kiểm soát dữ liệu) xử lý dữ liệu cá nhân của quý vị trên Chung Tay như sau.

1. Dữ liệu thu thập: tên, loại nhà tài trợ, mã số thuế (doanh nghiệp), địa chỉ, người liên hệ, email, số điện thoại, địa bàn; số tiền và cách nộp; đối với hộ gia đình được hỗ trợ: họ tên chủ hộ, số định danh (mã hóa), hoàn cảnh nhà ở.
2. Mục đích: ghi nhận và xác nhận khoản ủng hộ, cấp biên nhận và giấy chứng nhận, công khai sao kê (chỉ tên công khai, số tiền, ngày, địa bàn; không công khai liên hệ), liên hệ khi cần, xét duyệt và hỗ trợ hộ nghèo.
3. Công khai tên: chỉ khi quý vị đồng ý; có thể chọn "Nhà hảo tâm" (ẩn danh) và rút lại sự đồng ý bất cứ lúc nào tại trang tài khoản.
4. Thời gian lưu trữ: chứng từ kế toán 10 năm theo Luật Kế toán; liên hệ của đăng ký không thực hiện 2 năm; các loại khác theo bảng thời hạn lưu trữ.
5. Quyền của quý vị (Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15, Điều 4): được biết, đồng ý hoặc rút lại sự đồng ý, xem, tải về, chỉnh sửa, yêu cầu xóa dữ liệu, khiếu nại. Khi xóa, tên và liên hệ được thay bằng bí danh; số tiền vẫn được giữ trong sổ quỹ và sao kê vì là chứng từ kế toán.
6. Liên hệ về dữ liệu cá nhân: bộ phận quản trị Chung Tay của Ủy ban MTTQ Việt Nam."""

NOTICE_EN = """The Vietnam Fatherland Front Committee (the data controller) processes your personal data on Chung Tay as follows.

1. Data collected: name, kind of donor, tax code (businesses), address, contact person, e-mail, phone, area; the amount and how it is paid; for households supported: the head's name, ID number (encrypted), housing situation.
2. Purposes: recording and confirming gifts, issuing receipts and certificates, the public statement (only the public name, amount, date and area; never contacts), contacting you when needed, assessing and supporting poor households.
3. Publishing your name: only with your consent; you may choose "Nhà hảo tâm" (anonymous) and withdraw consent at any time on your account page.
4. Retention: accounting records 10 years (Law on Accounting); contacts of pledges never paid 2 years; other data per the retention table.
5. Your rights (Law on Personal Data Protection No. 91/2025/QH15, Art. 4): to be informed, to consent or withdraw consent, to see, download and correct your data, to ask for deletion, to complain. On deletion your name and contacts are replaced by a pseudonym; amounts stay in the ledger and the statement as accounting records.
6. Contact about personal data: the Chung Tay administrators of the Vietnam Fatherland Front Committee."""

RULES = [
    ("pledge_contacts_unpaid", "Liên hệ của đăng ký ủng hộ chưa nộp tiền", 730, "pseudonymise",
     "Luật 91/2025/QH15: lưu trữ trong thời gian phù hợp với mục đích xử lý"),
    ("login_attempts", "Số lần đăng nhập sai (lưu ngoài cơ sở dữ liệu, tự hết hạn)", 90, "store_expiry",
     "Bảo đảm an toàn tài khoản; bộ đếm trong kho của bộ giới hạn tần suất tự hết hạn"),
    ("password_reset_tokens", "Liên kết đặt lại mật khẩu", 30, "delete", "Chỉ cần đến khi liên kết hết hạn"),
    ("audit_log", "Nhật ký thao tác (chỉ ghi thêm)", 3650, "keep",
     "Luật Kế toán 88/2015/QH13, Điều 41: chứng từ kế toán 10 năm; xóa sau hạn bằng thủ tục lưu trữ của quản trị"),
    ("household_registry_rejected", "Dữ liệu hộ không được duyệt", 365, "pseudonymise",
     "Mục đích xét duyệt đã kết thúc; giữ chữ viết tắt tên và số liệu"),
    ("household_registry_handed_over", "Dữ liệu hộ đã bàn giao nhà (theo chương trình)", 1825, "pseudonymise",
     "Hồ sơ chương trình hỗ trợ nhà ở: 5 năm sau bàn giao; giữ chữ viết tắt tên và số liệu"),
]

ACTIVITIES = [
    ("Tiếp nhận đăng ký và khoản ủng hộ", "Ghi nhận, xác nhận, cấp biên nhận",
     "Tên, mã số thuế, địa chỉ, liên hệ, số tiền, tài khoản gửi (che một phần)", "Nhà tài trợ",
     "Cán bộ MTTQ địa bàn; ngân hàng; cổng thanh toán thẻ", "Chứng từ kế toán 10 năm",
     "Sự đồng ý (Luật 91/2025/QH15 Điều 9) và nghĩa vụ kế toán"),
    ("Công khai sao kê", "Minh bạch việc sử dụng quỹ", "Tên công khai (hoặc Nhà hảo tâm), số tiền, ngày, địa bàn",
     "Nhà tài trợ", "Công chúng", "Theo chứng từ kế toán", "Sự đồng ý công khai tên"),
    ("Danh sách nhu cầu của hộ nghèo", "Xét duyệt và hỗ trợ nhà ở",
     "Họ tên chủ hộ, số định danh (mã hóa), điện thoại, địa chỉ, hoàn cảnh", "Hộ gia đình",
     "Cán bộ MTTQ xã, tỉnh", "Theo bảng thời hạn lưu trữ", "Sự đồng ý của hộ; nhiệm vụ của MTTQ"),
]


def _seed():
    notices = sa.table(
        "privacy_notices",
        sa.column("version", sa.String),
        sa.column("locale", sa.String),
        sa.column("title", sa.String),
        sa.column("body", sa.Text),
        sa.column("effective_on", sa.Date),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc)
    op.bulk_insert(
        notices,
        [
            {"version": "2026-01", "locale": "vi", "title": "Thông báo xử lý dữ liệu cá nhân", "body": NOTICE_VI,
             "effective_on": date(2026, 1, 1), "created_at": now},
            {"version": "2026-01", "locale": "en", "title": "Personal data processing notice", "body": NOTICE_EN,
             "effective_on": date(2026, 1, 1), "created_at": now},
        ],
    )
    rules = sa.table(
        "privacy_retention_rules",
        sa.column("kind", sa.String),
        sa.column("label", sa.String),
        sa.column("days", sa.Integer),
        sa.column("action", sa.String),
        sa.column("legal_basis", sa.Text),
        sa.column("last_count", sa.Integer),
    )
    op.bulk_insert(
        rules,
        [
            {"kind": k, "label": label, "days": d, "action": a, "legal_basis": basis, "last_count": 0}
            for k, label, d, a, basis in RULES
        ],
    )
    activities = sa.table(
        "privacy_processing_activities",
        sa.column("name", sa.String),
        sa.column("purpose", sa.Text),
        sa.column("data_categories", sa.Text),
        sa.column("subjects", sa.Text),
        sa.column("recipients", sa.Text),
        sa.column("retention", sa.Text),
        sa.column("legal_basis", sa.Text),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    fields = ("name", "purpose", "data_categories", "subjects", "recipients", "retention", "legal_basis")
    op.bulk_insert(activities, [dict(zip(fields, a), updated_at=now) for a in ACTIVITIES])


def upgrade():
    op.create_table('privacy_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=20), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_notices')),
    sa.UniqueConstraint('version', 'locale', name=op.f('uq_privacy_notices_version_locale'))
    )
    op.create_table('privacy_retention_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('label', sa.String(length=255), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('action', sa.Enum('pseudonymise', 'delete', 'store_expiry', 'keep', name='privacy_retention_action', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('legal_basis', sa.Text(), nullable=False),
    sa.Column('last_run_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_retention_rules')),
    sa.UniqueConstraint('kind', name=op.f('uq_privacy_retention_rules_kind'))
    )
    op.create_table('privacy_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_type', sa.Enum('donor', 'household', 'user', name='privacy_subject_type', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Enum('publish_name', 'contact', 'registry_data', name='privacy_purpose', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('given', sa.Boolean(), nullable=False),
    sa.Column('notice_version', sa.String(length=20), nullable=False),
    sa.Column('source', sa.String(length=80), nullable=False),
    sa.Column('given_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_privacy_consents_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_consents'))
    )
    with op.batch_alter_table('privacy_consents', schema=None) as batch_op:
        batch_op.create_index('ix_privacy_consents_subject', ['subject_type', 'subject_id', 'purpose'], unique=False)

    op.create_table('privacy_erasure_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('donor_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('pending', 'done', 'refused', name='privacy_erasure_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('pseudonym', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_privacy_erasure_requests_decided_by_id_users')),
    sa.ForeignKeyConstraint(['donor_id'], ['donors.id'], name=op.f('fk_privacy_erasure_requests_donor_id_donors')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_privacy_erasure_requests_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_erasure_requests'))
    )
    with op.batch_alter_table('privacy_erasure_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_privacy_erasure_requests_donor_id'), ['donor_id'], unique=False)

    op.create_table('privacy_incidents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('detected_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('subjects_affected', sa.Integer(), nullable=False),
    sa.Column('notified_authority_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.Enum('open', 'contained', 'closed', name='privacy_incident_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_privacy_incidents_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_incidents'))
    )
    op.create_table('privacy_processing_activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('data_categories', sa.Text(), nullable=False),
    sa.Column('subjects', sa.Text(), nullable=False),
    sa.Column('recipients', sa.Text(), nullable=False),
    sa.Column('retention', sa.Text(), nullable=False),
    sa.Column('legal_basis', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_privacy_processing_activities_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_processing_activities'))
    )
    op.create_table('privacy_erased_certificate_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code_sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], name=op.f('fk_privacy_erased_certificate_codes_certificate_id_certificates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_erased_certificate_codes')),
    sa.UniqueConstraint('code_sha256', name=op.f('uq_privacy_erased_certificate_codes_code_sha256'))
    )
    with op.batch_alter_table('privacy_erased_certificate_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_privacy_erased_certificate_codes_certificate_id'), ['certificate_id'], unique=False)

    _seed()



def downgrade():
    with op.batch_alter_table('privacy_erased_certificate_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_privacy_erased_certificate_codes_certificate_id'))

    op.drop_table('privacy_erased_certificate_codes')
    op.drop_table('privacy_processing_activities')
    op.drop_table('privacy_incidents')
    with op.batch_alter_table('privacy_erasure_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_privacy_erasure_requests_donor_id'))

    op.drop_table('privacy_erasure_requests')
    with op.batch_alter_table('privacy_consents', schema=None) as batch_op:
        batch_op.drop_index('ix_privacy_consents_subject')

    op.drop_table('privacy_consents')
    op.drop_table('privacy_retention_rules')
    op.drop_table('privacy_notices')
