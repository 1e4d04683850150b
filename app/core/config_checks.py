"""Production refuses to start on a weak configuration (issue 21, item 8).

Each problem names the environment variable and gives the exact command that makes a good value, so whoever
deploys can fix it in one step. A weak key is refused at start-up rather than at first use: a Fernet or signing
key that cannot be read used to be discovered only when the first beneficiary was registered or the first
certificate issued, and a guessable SECRET_KEY lets anyone forge a session or a remember cookie.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import math
import string
from collections import Counter
from collections.abc import Mapping
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from app.core.keys import SigningKeyError, read_ed25519_key

MIN_SECRET_BITS = 256  # 32 bytes of entropy

GENERATE_SECRET_KEY = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'  # noqa: S105 - a command, not a key
GENERATE_FERNET_KEY = (
    'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)
GENERATE_SIGNING_KEY = (
    'python -c "import base64, secrets; print(base64.b64encode(secrets.token_bytes(32)).decode())"'
    " (hoặc một khóa PEM: openssl genpkey -algorithm ed25519)"
)


def _is_repetition[S: (str, bytes)](value: S) -> bool:
    """A value made of one shorter piece repeated ("kkkk…", "abcabc…")."""
    return len(value) > 1 and (value + value).find(value, 1) < len(value)


def _not_random_bytes(raw: bytes) -> bool:
    """32 random bytes hold about 30 different values; fewer than half that is a typed or patterned key
    ("xxxx…=" decodes to three bytes over and over). The chance for a real random key is below 1e-9."""
    return len(set(raw)) < len(raw) // 2


def secret_bits(value: str) -> float:
    """A generous estimate of the entropy of a secret typed into the environment: its length times the bits of
    the smallest alphabet it is written in (hex, digits, letters, printable ASCII), but never more than its
    length times the Shannon entropy of its characters plus 2 bits a character (so "aaaa…b" counts for little)."""
    if not value:
        return 0.0
    chars = set(value)
    if chars <= set(string.hexdigits.lower()) or chars <= set(string.hexdigits.upper()) | set(string.digits):
        alphabet = 16
    else:
        alphabet = 0
        for group, size in (
            (string.digits, 10),
            (string.ascii_lowercase, 26),
            (string.ascii_uppercase, 26),
        ):
            if chars & set(group):
                alphabet += size
        if chars - set(string.ascii_letters + string.digits):
            alphabet += 33 if all(c in string.printable for c in chars) else 1000
    by_alphabet = len(value) * math.log2(max(alphabet, 2))
    counts = Counter(value)
    shannon = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    return min(by_alphabet, len(value) * (shannon + 2))


def _secret_key_problem(env: Mapping[str, str], dev_default: str) -> str | None:
    key = env.get("SECRET_KEY", "")
    how = f"Tạo khóa mới: {GENERATE_SECRET_KEY}"
    if not key:
        return f"SECRET_KEY chưa được đặt (ký phiên đăng nhập, cookie “Ghi nhớ đăng nhập” và mã CSRF). {how}"
    if key == dev_default:
        return f"SECRET_KEY đang là khóa mặc định của môi trường phát triển. {how}"
    if len(set(key)) == 1 or _is_repetition(key):
        return f"SECRET_KEY là một ký tự hoặc một đoạn lặp lại, ai cũng đoán được. {how}"
    bits = secret_bits(key)
    if bits < MIN_SECRET_BITS:
        return (
            f"SECRET_KEY quá yếu: khoảng {int(bits)} bit ngẫu nhiên, cần ít nhất {MIN_SECRET_BITS} bit "
            f"(32 byte). {how}"
        )
    return None


def _database_problem(env: Mapping[str, str]) -> str | None:
    example = "DATABASE_URL=postgresql+psycopg://chungtay:MẬT_KHẨU@db-host:5432/chungtay"
    url = env.get("DATABASE_URL", "")
    if not url:
        return f"DATABASE_URL chưa được đặt; production chạy trên PostgreSQL, ví dụ {example}"
    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError:
        return f"DATABASE_URL không phải một địa chỉ cơ sở dữ liệu hợp lệ; ví dụ {example}"
    if backend != "postgresql":
        return (
            f"DATABASE_URL trỏ tới {backend}, không phải PostgreSQL (khóa dòng, chỉ mục và sao lưu của "
            f"production cần PostgreSQL); ví dụ {example}"
        )
    return None


def _fernet_problem(env: Mapping[str, str]) -> str | None:
    how = f"Tạo khóa: {GENERATE_FERNET_KEY}"
    key = env.get("DATA_ENCRYPTION_KEY", "")
    if not key:
        return f"DATA_ENCRYPTION_KEY chưa được đặt (mã hóa số định danh của hộ được hỗ trợ). {how}"
    from cryptography.fernet import Fernet

    try:
        Fernet(key)
        raw = base64.urlsafe_b64decode(key)
    except (ValueError, binascii.Error):
        return f"DATA_ENCRYPTION_KEY không phải khóa Fernet hợp lệ (32 byte mã hóa base64 URL-safe). {how}"
    if _not_random_bytes(raw):
        return f"DATA_ENCRYPTION_KEY lặp lại vài byte, không phải khóa ngẫu nhiên. {how}"
    return None


def _signing_key_problem(env: Mapping[str, str]) -> str | None:
    how = f"Tạo khóa: {GENERATE_SIGNING_KEY}"
    text = env.get("CERTIFICATE_SIGNING_KEY", "")
    if not text:
        return f"CERTIFICATE_SIGNING_KEY chưa được đặt (ký mã xác minh giấy chứng nhận). {how}"

    try:
        key = read_ed25519_key(text)
    except SigningKeyError as exc:
        return f"{exc} (cần khóa Ed25519: PEM hoặc 32 byte base64). {how}"
    from cryptography.hazmat.primitives import serialization

    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    if _not_random_bytes(raw):
        return f"CERTIFICATE_SIGNING_KEY lặp lại vài byte, không phải khóa ngẫu nhiên. {how}"
    return None


def _public_base_url_problem(env: Mapping[str, str]) -> str | None:
    example = "PUBLIC_BASE_URL=https://chungtay.mttq.vn"
    url = env.get("PUBLIC_BASE_URL", "")
    if not url:
        return (
            "PUBLIC_BASE_URL chưa được đặt: liên kết trong thư, PDF và mã QR phải là địa chỉ công khai của trang "
            f"(không bao giờ lấy từ tiêu đề Host của yêu cầu); ví dụ {example}"
        )
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        return f"PUBLIC_BASE_URL phải là địa chỉ https đầy đủ của trang; ví dụ {example}"
    host = parts.hostname
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost" or host.endswith(".localhost")
    if loopback:
        return f"PUBLIC_BASE_URL trỏ về chính máy chủ ({host}), người nhận thư không mở được; ví dụ {example}"
    return None


def _payment_gateway_problem(env: Mapping[str, str]) -> str | None:
    mode = (env.get("PAYMENT_GATEWAY") or "disabled").strip().lower()
    if mode == "test":
        return (
            "PAYMENT_GATEWAY=test bật cổng thanh toán thử (ghi nhận tiền chưa hề nhận): đặt PAYMENT_GATEWAY=stripe "
            "(cùng STRIPE_SECRET_KEY và STRIPE_WEBHOOK_SECRET) hoặc PAYMENT_GATEWAY=disabled"
        )
    if mode == "stripe":
        secret = env.get("STRIPE_SECRET_KEY", "")
        if not secret or not env.get("STRIPE_WEBHOOK_SECRET"):
            return (
                "PAYMENT_GATEWAY=stripe cần STRIPE_SECRET_KEY (sk_live_…) và STRIPE_WEBHOOK_SECRET (whsec_…, trong "
                "trang Webhooks của Stripe); nếu chưa có, đặt PAYMENT_GATEWAY=disabled"
            )
        if secret.startswith(("sk_test_", "rk_test_")):
            return (
                "STRIPE_SECRET_KEY là khóa thử (sk_test_…): thẻ thử sẽ được ghi nhận như tiền thật. Dùng khóa "
                "sk_live_… hoặc đặt PAYMENT_GATEWAY=disabled"
            )
    elif mode != "disabled":
        return f"PAYMENT_GATEWAY={mode} không hợp lệ: chọn stripe hoặc disabled"
    return None


def _broker_problem(env: Mapping[str, str]) -> str | None:
    if env.get("CELERY_BROKER_URL") or env.get("REDIS_URL"):
        return None
    return "CELERY_BROKER_URL (hoặc REDIS_URL) chưa được đặt; ví dụ REDIS_URL=redis://redis-host:6379/0"


def _sms_problem(env: Mapping[str, str]) -> str | None:
    """SMS in production is eSMS with its keys, or off: the console backend would print donors' messages to a
    log and send nothing, and the donor would hear nothing while the page says "sent" (app/notifications)."""
    backend = env.get("SMS_BACKEND", "disabled")
    if backend == "disabled":
        return None
    if backend != "esms":
        return f"SMS_BACKEND={backend}: production chỉ nhận “esms” (eSMS.vn) hoặc “disabled” (không gửi SMS)."
    missing = [k for k in ("ESMS_API_KEY", "ESMS_SECRET_KEY", "ESMS_BRANDNAME") if not env.get(k)]
    if missing:
        return f"SMS_BACKEND=esms nhưng chưa đặt {', '.join(missing)} (lấy trong tài khoản eSMS, mục API)."
    return None


def production_config_problems(env: Mapping[str, str], *, dev_secret_key: str) -> list[str]:
    """Every weak or missing production setting in `env` (the process environment), one message each."""
    checks = (
        _secret_key_problem(env, dev_secret_key),
        _database_problem(env),
        _broker_problem(env),
        _fernet_problem(env),
        _signing_key_problem(env),
        _public_base_url_problem(env),
        _payment_gateway_problem(env),
        _sms_problem(env),
    )
    return [problem for problem in checks if problem]


def refuse_weak_production_config(env: Mapping[str, str], *, dev_secret_key: str) -> None:
    problems = production_config_problems(env, dev_secret_key=dev_secret_key)
    if problems:
        raise RuntimeError(
            "Không khởi động chế độ production vì cấu hình chưa an toàn:\n- " + "\n- ".join(problems)
        )
