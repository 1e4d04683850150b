"""Priority rules: which criteria a need meets and the score they add up to. Pure functions, no database
access except rules_for_campaign(); the matching engine uses score_need() to rank and explain."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.messages import N_
from app.needs.models import PriorityRule

# code -> (default weight, Vietnamese label). Order is the order shown to staff and the public.
CRITERIA: dict[str, tuple[int, str]] = {
    "poor": (40, N_("Hộ nghèo")),
    "near_poor": (20, "Hộ cận nghèo"),
    "special_hardship": (10, N_("Hộ có hoàn cảnh đặc biệt khó khăn")),
    "merit_family": (25, "Gia đình có công với cách mạng"),
    "ethnic_minority": (15, "Hộ đồng bào dân tộc thiểu số"),
    "elderly_alone": (15, "Người cao tuổi sống một mình"),
    "disability": (15, "Có thành viên là người khuyết tật"),
    "single_parent": (10, "Cha hoặc mẹ đơn thân nuôi con"),
    "poor_district": (20, N_("Thuộc huyện nghèo (địa bàn cũ)")),
    "special_difficulty_commune": (15, N_("Thuộc xã đặc biệt khó khăn")),
    "ethnic_minority_area": (10, N_("Thuộc vùng đồng bào dân tộc thiểu số và miền núi")),
}

HOUSEHOLD_FLAGS = ("merit_family", "ethnic_minority", "elderly_alone", "disability", "single_parent")

# Area designation kind (app.units AreaDesignation.kind) -> criterion code.
DESIGNATION_CRITERIA = {
    "huyen_ngheo": "poor_district",
    "xa_dbkk": "special_difficulty_commune",
    "xa_dbkk_bai_ngang": "special_difficulty_commune",
    "vung_dtts": "ethnic_minority_area",
}


@dataclass(frozen=True)
class Rule:
    criterion: str
    weight: int
    label: str


def default_rules() -> list[Rule]:
    return [Rule(code, weight, label) for code, (weight, label) in CRITERIA.items()]


def _get(need: Any, name: str) -> Any:
    if isinstance(need, Mapping):
        return need.get(name)
    return getattr(need, name, None)


def _value(v: Any) -> Any:
    return getattr(v, "value", v)


def criteria_met(need: Any, designations: Iterable[Any] = ()) -> list[str]:
    """Criterion codes a need meets. `need` is a HouseholdNeed or a mapping with the same field names (a frozen
    snapshot); `designations` are AreaDesignation rows or their kind strings (from designations_for_commune)."""
    met: list[str] = []
    status = _value(_get(need, "poverty_status"))
    if status in ("poor", "near_poor", "special_hardship"):
        met.append(status)
    met += [flag for flag in HOUSEHOLD_FLAGS if _get(need, flag)]
    for d in designations:
        code = DESIGNATION_CRITERIA.get(d if isinstance(d, str) else getattr(d, "kind", ""))
        if code and code not in met:
            met.append(code)
    return met


class CompiledRules(dict):
    """{code: Rule}, as returned by compile_rules."""


def compile_rules(rules: Iterable[Any] | Mapping[str, Any] | None) -> CompiledRules:
    """Rules in any accepted shape as {code: Rule}; pass the result to score_need when scoring many needs."""
    if isinstance(rules, CompiledRules):
        return rules
    if rules is None:
        return CompiledRules((r.criterion, r) for r in default_rules())
    if isinstance(rules, Mapping):
        return CompiledRules(
            (code, w if isinstance(w, Rule) else Rule(code, int(w), CRITERIA.get(code, (0, code))[1]))
            for code, w in rules.items()
        )
    out = CompiledRules()
    for r in rules:
        if isinstance(r, tuple):
            code, label, weight = r
            out[code] = Rule(code, int(weight), label)
        else:
            out[r.criterion] = Rule(r.criterion, int(r.weight), r.label)
    return out


_ORDER = tuple(CRITERIA)


def score_need(
    need: Any, designations: Iterable[Any], rules: Iterable[Any] | Mapping[str, Any] | None
) -> tuple[int, list[tuple[str, str, int]]]:
    """The need's priority score and its explanation: [(criterion, label, weight), …] for each criterion met
    that carries a positive weight, in the published order. `rules`: PriorityRule rows, Rule, (code, label,
    weight) tuples, a {code: weight} mapping, the result of compile_rules (fastest), or None for the defaults."""
    by_code = compile_rules(rules)
    met = set(criteria_met(need, designations))
    reasons = []
    for code in _ORDER:
        if code in met:
            rule = by_code.get(code)
            if rule is not None and rule.weight > 0:
                reasons.append((code, rule.label, rule.weight))
    return sum(w for _, _, w in reasons), reasons


def rules_for_campaign(session: Session, campaign_id: int) -> list[Rule]:
    """The campaign's rules (defaults for any criterion it has not set), in the published order."""

    saved = {
        r.criterion: r
        for r in session.execute(
            select(PriorityRule).where(PriorityRule.campaign_id == campaign_id)
        ).scalars()
    }
    rules = []
    for code, (weight, label) in CRITERIA.items():
        r = saved.get(code)
        rules.append(Rule(code, r.weight, r.label) if r else Rule(code, weight, label))
    return rules
