"""Bank statements: reading the exports of Vietnamese banks (presets and a column mapping) into lines."""

from app.payments.statements.parsing import (  # noqa: F401
    PRESETS,
    ROLE_LABELS,
    ParsedLine,
    ParseResult,
    PresetScore,
    RowError,
    StatementFormatError,
    fingerprint,
    parse_rows,
    read_rows,
    score_presets,
)
