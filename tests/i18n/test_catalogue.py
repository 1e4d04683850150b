"""The catalogue the standard way (issue 16, item 3): `pybabel extract` over app/ and templates/ gives the committed
app/translations/messages.pot, the English messages.po (the file people edit) translates every entry of it, and no
user-facing message is built in a way the catalogue cannot know (an f-string, `%`, `.format()` or `+`).

To add or change a string: mark it, run `bash dev.sh i18n`, write the English msgstr it lists in
app/translations/en/LC_MESSAGES/messages.po, run `bash dev.sh i18n` again (docs/CONVENTIONS.md, "Translations")."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
POT = ROOT / "app" / "translations" / "messages.pot"
PO = ROOT / "app" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%%")


def read(path: Path) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh)


def entries(catalog: Catalog) -> set[tuple[str | None, str]]:
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}


def test_the_committed_pot_is_what_pybabel_extract_finds_now(tmp_path):
    fresh = tmp_path / "messages.pot"
    subprocess.run(["bash", str(ROOT / "dev.sh"), "pot", str(fresh)], check=True, cwd=ROOT)  # noqa: S603, S607
    found, committed = entries(read(fresh)), entries(read(POT))
    assert found == committed, (
        "app/translations/messages.pot is stale: run bash dev.sh i18n "
        f"(new: {sorted(found - committed, key=str)[:10]}, gone: {sorted(committed - found, key=str)[:10]})"
    )


def test_every_entry_has_its_english_with_the_same_placeholders():
    catalog = read(PO)
    assert entries(catalog) == entries(read(POT)), (
        "messages.po does not follow messages.pot: run bash dev.sh i18n"
    )
    problems = []
    for m in catalog:
        if not m.id:
            continue
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        strings = [m.string] if isinstance(m.string, str) else list(m.string)
        if m.fuzzy:
            problems.append(f"fuzzy: {ids[0]!r}")
        elif not all(s.strip() for s in strings):
            problems.append(f"untranslated: {ids[0]!r}")
        elif any(sorted(PLACEHOLDER.findall(s)) != sorted(PLACEHOLDER.findall(ids[0])) for s in strings):
            problems.append(f"placeholders differ: {ids[0]!r} -> {strings!r}")
    problems += [f"{m.id!r}: {error}" for m, errors in catalog.check() for error in errors]
    assert problems == [], "write the English in messages.po (bash dev.sh i18n lists them)"


# --- messages built where the catalogue cannot see them ---------------------------------------------------------
GETTEXT = {"_", "_l", "gettext", "lazy_gettext", "ngettext", "N_"}
GETTEXT_WITH_CONTEXT = {"pgettext", "lazy_pgettext", "NP_"}  # the message is the second argument
SHOWN = {"flash", "ValidationError"}  # the first argument is shown to a person as it is

# Error types whose messages no page shows (they answer a machine, or an operator reads them), with the reason;
# every other error type defined in app/ is a refusal a person reads (through domain_errors / message_for).
NOT_SHOWN = {
    "FeedRefused": "answers a bank's feed (JSON back to its system); operators read it in the logs",
    "MalformedEvent": "answers Stripe's webhook with a 400; operators read it in Stripe's dashboard",
    "SigningKeyError": "a deployment problem (the certificate signing key): the operator's message at start-up",
    "CryptoError": "a key or ciphertext problem of the households' encrypted fields: an operator's message",
    "EngineError": "the matching engine's invariants: a bug logged with the proposal, never a user's mistake",
    "UnitImportError": "`flask units import-designations`: CLI output for operators",
}


def our_error_classes(trees: dict[str, ast.Module]) -> set[str]:
    """Exception classes defined in app/ (a ValueError, a DomainError, their subclasses), by name."""
    bases: dict[str, set[str]] = {}
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases.setdefault(node.name, set()).update(
                    b.id if isinstance(b, ast.Name) else b.attr
                    for b in node.bases
                    if isinstance(b, ast.Name | ast.Attribute)
                )
    ours = {"DomainError"}
    roots = {"ValueError", "Exception", "RuntimeError", "DomainError"}
    changed = True
    while changed:
        changed = False
        for name, parents in bases.items():
            if (
                name not in ours
                and parents & (ours | roots)
                and name.endswith(
                    (
                        "Error",
                        "Refused",
                        "Mismatch",
                        "Transition",
                        "Funds",
                        "Reversed",
                        "Period",
                        "Delayed",
                        "Event",
                    )
                )
            ):
                ours.add(name)
                changed = True
    return ours


def built(node: ast.expr) -> bool:
    """A message put together at run time: f-string, `%`, `.format()`, or text joined with `+`."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        return True
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"


def name_of(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def messages_shown() -> list[tuple[str, str, ast.expr, str]]:
    """(file, callee, message node, its source) for every message given to gettext, flash(), a ValidationError or
    one of our error types that a person reads."""
    trees = {
        str(p.relative_to(ROOT)): ast.parse(p.read_text(encoding="utf-8"))
        for p in sorted((ROOT / "app").rglob("*.py"))
    }
    errors = our_error_classes(trees) - set(NOT_SHOWN)
    out = []
    for path, tree in trees.items():
        source = (ROOT / path).read_text(encoding="utf-8")
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = name_of(node.func)
            if name in GETTEXT_WITH_CONTEXT:
                message = node.args[1] if len(node.args) > 1 else None
            elif name in GETTEXT or name in SHOWN or name in errors:
                message = node.args[0] if node.args else None
            else:
                continue
            if message is not None:
                out.append((path, name, message, ast.get_source_segment(source, message) or ""))
    return out


def test_no_message_is_built_with_an_f_string_or_percent():
    found = [
        f"{path}:{message.lineno}: {name}({text[:80]})"
        for path, name, message, text in messages_shown()
        if built(message)
    ]
    assert found == [], (
        "a message built at run time cannot be translated: write N_('… %(name)s …', name=value) "
        "(or _()/_l() with named values) instead:\n" + "\n".join(found)
    )


def test_refusals_and_flashes_are_marked_for_the_catalogue():
    """A literal refusal or flash must be marked (N_ where it is raised, _ in a view), or pybabel never sees it."""
    found = [
        f"{path}:{message.lineno}: {name}({text[:80]})"
        for path, name, message, text in messages_shown()
        if (name in SHOWN or name not in GETTEXT | GETTEXT_WITH_CONTEXT)
        and isinstance(message, ast.Constant)
        and isinstance(message.value, str)
        and message.value.strip()
    ]
    assert found == [], "mark these: raise XError(N_('…')), flash(_('…'))\n" + "\n".join(found)


def test_the_error_types_not_shown_exist():
    trees = {str(p): ast.parse(p.read_text(encoding="utf-8")) for p in (ROOT / "app").rglob("*.py")}
    assert set(NOT_SHOWN) <= our_error_classes(trees)


# --- placeholders and contexts ----------------------------------------------------------------------------------
READABLE_NAME = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")


def test_placeholder_names_are_readable_words():
    """A translator reads `%(max_lines)s` or `%(amount)s`, not a converter's `%(MAX_LINES)s` or `%(name__)s`."""
    bad = sorted(
        {
            f"%({name})s in {m.id!r}"
            for m in read(POT)
            if m.id
            for name in re.findall(r"%\((\w+)\)", m.id if isinstance(m.id, str) else m.id[0])
            if not READABLE_NAME.fullmatch(name)
        }
    )
    assert bad == [], "rename these placeholders (code and messages.po):\n" + "\n".join(bad)


def test_a_word_used_in_two_senses_has_a_context_for_each():
    """“Người phê duyệt” is a role (Approver) and a column saying who approved (Approved by)."""
    english = {(m.context, m.id): m.string for m in read(PO) if m.id}
    assert english[(None, "Người phê duyệt")] == "Approver"
    assert english[("approved by", "Người phê duyệt")] == "Approved by"


# --- Vietnamese text built with f-strings (messages kept in lists, stored as JSON, put together in pieces) -------
VIETNAMESE = re.compile(
    "[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.IGNORECASE
)

# Files that may still build Vietnamese text with an f-string, each with the reason. Everything else in app/ writes
# such text as N_("… %(name)s …", name=value) (or _() in a request), so that the English pages can translate it.
VIETNAMESE_F_STRINGS_ALLOWED = {
    # Official documents: Vietnamese on purpose (docs/CONVENTIONS.md, "Translations").
    "app/certificates/pdf.py": "the certificate PDF (an official document)",
    "app/papers/pdf.py": "receipts and sponsorship records (official documents)",
    "app/papers/services.py": "the sponsorship record's own text (official document); its e-mail is translated",
    "app/reports/render.py": "the Front's reports (official documents)",
    "app/reports/services.py": "the Front's reports: titles and periods printed on the official document",
    "app/reports/figures.py": "a row name of the Front's official report",
    "app/certificates/services.py": "the batch's decision title printed on the certificates (official document)",
    # Records written into the books and the registers: data, kept as written (like a memo a person types).
    "app/contributions/receive.py": "ledger memos and receipt lines written into the books",
    "app/contributions/reversal.py": "the reversal's memo in the books",
    "app/ledger/services.py": "memos of reversal entries in the books",
    "app/ledger/transfers.py": "the transfer's memo in the books",
    "app/ledger/yearend.py": "the year-end close's summary line kept in the books",
    "app/needs/funding.py": "the disbursement's memo in the books",
    "app/goods/services.py": "the handout's memo in the books",
    "app/bankfeed/services.py": "memos of matched feed rows in the books",
    "app/payouts/services.py": "memos of a bank's debit in the books",
    "app/payments/gateway.py": "the card payment's description sent to Stripe and the refund memo",
    "app/adoptions/services.py": "the adoption pledge's note (data on the pledge)",
    "app/recurring/services.py": "the monthly pledge's note (data on the pledge)",
    "app/agencies/services.py": "the agency pledge's note (data on the pledge)",
    "app/pledges/services.py": "the automatic lapse's reason kept in the audit log",
    # Machines and operators, not a page a person reads.
    "app/bankfeed/adapters.py": "FeedRefused: the answer to a bank's feed (NOT_SHOWN)",
    "app/payments/events.py": "MalformedEvent: the answer to Stripe's webhook (NOT_SHOWN)",
    "app/transparency/api.py": "the public API's JSON texts (its documentation and the 429 answer)",
    "app/notifications/sms.py": "the provider's own error text, kept on the row for staff",
    "app/core/config_checks.py": "start-up checks printed for the operator",
    "app/units/services.py": "UnitImportError: `flask units import-designations` output (NOT_SHOWN)",
    "app/transparency/verify_export.py": "the offline verification tool's printed report (CLI)",
    "app/core/cli.py": "CLI output",
    "app/accounts/cli.py": "CLI output",
    "app/bankfeed/cli.py": "CLI output",
    "app/demo/cli.py": "CLI output",
    "app/demo/generate.py": "demo data",
    "app/needs/demo.py": "demo data",
    "app/ledger/cli.py": "CLI output",
    "app/transparency/cli.py": "CLI output",
    "app/units/cli.py": "CLI output",
}


def vietnamese_f_strings() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / "app").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.JoinedStr):
                text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
                if VIETNAMESE.search(text):
                    rel = str(path.relative_to(ROOT))
                    found.setdefault(rel, []).append(
                        f"{rel}:{node.lineno}: {ast.get_source_segment(source, node)}"
                    )
    return found


def test_no_vietnamese_text_is_built_with_an_f_string_outside_the_allowed_files():
    """Messages put in a list, stored as JSON or joined from pieces never pass through gettext's keywords: the
    scan above cannot see them. Any f-string holding Vietnamese letters is one, unless its file is allowed."""
    found = vietnamese_f_strings()
    stray = [
        line for path, lines in found.items() if path not in VIETNAMESE_F_STRINGS_ALLOWED for line in lines
    ]
    assert stray == [], "write N_('… %(name)s …', name=value) instead:\n" + "\n".join(stray[:40])
    stale = sorted(set(VIETNAMESE_F_STRINGS_ALLOWED) - set(found))
    assert stale == [], f"no Vietnamese f-string left in these: take them off the allow-list: {stale}"
