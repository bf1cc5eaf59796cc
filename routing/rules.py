"""Routing rules: an ordered rule set that classifies a ticket.

A rule set is stored as JSON (``RuleSet.to_dict``) and compiled once by
``RuleSet.from_dict``. Shape::

    {"mode": "first" | "all",
     "default_team": "obsluga-klienta",
     "default_priority": "normal",            # optional
     "default_sla_policy": "email-first-response",  # optional
     "rules": [{"id": "payments", "name": "Płatności", "enabled": true, "stop": false,
                "conditions": [{"field": "text", "op": "contains_any",
                                "value": ["rata", "spłat*", "harmonogram spłaty"]}],
                "actions": {"category": "payment-problems", "team": "obsluga-klienta",
                            "priority": "high", "tags": ["platnosci"],
                            "sla_policy": "email-first-response"}}]}

Every condition of a rule must hold for it to match. In mode "first" the first matching
rule decides; in mode "all" every matching rule applies in order (a later rule's
category, priority, team and SLA policy replace earlier ones, tags accumulate) until a
matching rule with ``"stop": true``.

Condition fields and operators:

* ``channel``, ``line``, ``form_category``, ``language``: ``is`` (a string), ``in`` and
  ``not_in`` (a list). Lines compare in normalised form (E.164 phones, bare lower-case
  addresses), so "22 206 21 21" and "+48222062121" are the same line.
* ``subject``, ``body``, ``text`` (subject and body): ``contains_any``,
  ``contains_all``, ``not_contains_any`` with a list of words or phrases, and
  ``matches`` with a regular expression. Words and phrases match whole words,
  ignoring case, diacritics (``ł`` is ``l``) and punctuation; a word ending in ``*``
  matches any ending, which suits Polish inflection ("zalogow*" matches "zalogować",
  "zalogowanie"). A ``matches`` pattern is searched, ignoring case, in the text with
  diacritics removed and punctuation kept.
* ``customer.<attribute>``: ``is``, ``is_not``, ``in``, ``not_in`` and the numeric
  ``gt``, ``gte``, ``lt``, ``lte``. A missing attribute counts as ``false`` for a flag
  compared with ``false`` and never satisfies a numeric comparison.
* ``contact_centre_open``: ``is`` true or false, evaluated at the ticket's creation
  time on the contact-centre calendar.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from routing.facts import CHANNELS, PRIORITIES, TicketFacts
from routing.text import fold, normalise_line, phone_e164, strip_diacritics

MODES = ("first", "all")
CHOICE_FIELDS = ("channel", "line", "form_category", "language")
TEXT_FIELDS = ("subject", "body", "text")
CHOICE_OPS = ("is", "in", "not_in")
TEXT_OPS = ("contains_any", "contains_all", "not_contains_any", "matches")
CUSTOMER_OPS = ("is", "is_not", "in", "not_in", "gt", "gte", "lt", "lte")
ACTION_KEYS = ("category", "priority", "team", "tags", "sla_policy")
RULE_KEYS = ("id", "name", "enabled", "stop", "conditions", "actions")
RULE_SET_KEYS = ("mode", "default_team", "default_priority", "default_sla_policy", "rules")
_ATTRIBUTE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CHEAP, _WORDS, _CALENDAR, _REGEX = range(4)


class RuleSetError(ValueError):
    """A rule set that cannot be compiled; ``errors`` names each problem."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


class Contact:
    """One ticket's facts prepared for matching; each text is folded at most once."""

    def __init__(self, ticket: TicketFacts, contact_centre_open: Callable[[], bool]):
        self.ticket = ticket
        self.line = normalise_line(ticket.line or "")
        self._contact_centre_open = contact_centre_open
        self._open: bool | None = None
        self._folded: dict[str, tuple[frozenset[str], str]] = {}
        self._stripped: dict[str, str] = {}

    def raw(self, name: str) -> str:
        if name == "text":
            return f"{self.ticket.subject or ''}\n{self.ticket.body or ''}"
        return getattr(self.ticket, name) or ""

    def folded(self, name: str) -> tuple[frozenset[str], str]:
        """The field's set of words and its folded text padded with spaces."""
        cached = self._folded.get(name)
        if cached is None:
            text = fold(self.raw(name))
            cached = self._folded[name] = (frozenset(text.split()), f" {text} ")
        return cached

    def stripped(self, name: str) -> str:
        cached = self._stripped.get(name)
        if cached is None:
            cached = self._stripped[name] = strip_diacritics(self.raw(name))
        return cached

    @property
    def contact_centre_open(self) -> bool:
        if self._open is None:
            self._open = bool(self._contact_centre_open())
        return self._open


Test = Callable[[Contact], bool]


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any
    test: Test = field(repr=False, compare=False)
    cost: int = field(repr=False, compare=False, default=_CHEAP)

    def to_dict(self) -> dict:
        return {"field": self.field, "op": self.op, "value": self.value}


@dataclass(frozen=True)
class Actions:
    category: str | None = None
    priority: str | None = None
    team: str | None = None
    tags: tuple[str, ...] = ()
    sla_policy: str | None = None

    def to_dict(self) -> dict:
        data = {key: getattr(self, key) for key in ACTION_KEYS if key != "tags" and getattr(self, key)}
        if self.tags:
            data["tags"] = list(self.tags)
        return data


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    conditions: tuple[Condition, ...]
    actions: Actions
    enabled: bool = True
    stop: bool = False
    _tests: tuple[Test, ...] = field(repr=False, compare=False, default=())

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "enabled": self.enabled,
            "stop": self.stop,
            "conditions": [c.to_dict() for c in self.conditions],
            "actions": self.actions.to_dict(),
        }


@dataclass
class RuleMatch:
    """A rule that matched a ticket, and what it set."""

    rule_id: str
    name: str
    actions: Actions

    def to_dict(self) -> dict:
        return {"rule_id": self.rule_id, "name": self.name, "actions": self.actions.to_dict()}


@dataclass
class Classification:
    """What the rules decided for a ticket, and why."""

    category: str | None
    priority: str
    team: str
    tags: list[str]
    sla_policy: str | None
    matched: list[RuleMatch]
    notes: list[str]


@dataclass(frozen=True)
class RuleSet:
    mode: str
    default_team: str
    rules: tuple[Rule, ...] = ()
    default_priority: str = "normal"
    default_sla_policy: str | None = None

    @classmethod
    def from_dict(cls, data: Any) -> "RuleSet":
        """Compile a stored rule set; raises ``RuleSetError`` naming every problem."""
        errors: list[str] = []
        rule_set = _compile(data, errors, None)
        if errors:
            raise RuleSetError(errors)
        return rule_set

    def to_dict(self) -> dict:
        data = {"mode": self.mode, "default_team": self.default_team,
                "default_priority": self.default_priority}
        if self.default_sla_policy:
            data["default_sla_policy"] = self.default_sla_policy
        data["rules"] = [rule.to_dict() for rule in self.rules]
        return data

    def classify(self, ticket: TicketFacts, contact_centre_open: Callable[[], bool]) -> Classification:
        """Run the rules over ``ticket``.

        A value no matching rule sets keeps the ticket's current value, or else the rule
        set's default; the notes say which.
        """
        contact = Contact(ticket, contact_centre_open)
        chosen: dict[str, Any] = {}
        tags: list[str] = []
        matched: list[RuleMatch] = []
        for rule in self.rules:
            if not rule.enabled:
                continue
            for test in rule._tests:
                if not test(contact):
                    break
            else:
                matched.append(RuleMatch(rule.id, rule.name, rule.actions))
                actions = rule.actions
                for key in ("category", "priority", "team", "sla_policy"):
                    value = getattr(actions, key)
                    if value is not None:
                        chosen[key] = value
                tags.extend(tag for tag in actions.tags if tag not in tags)
                if self.mode == "first" or rule.stop:
                    break
        notes: list[str] = []
        if not matched:
            notes.append("no rule matched")
        team = chosen.get("team") or ticket.team
        if not chosen.get("team"):
            if ticket.team:
                notes.append(f"no rule set a team; kept team {ticket.team}")
            else:
                team = self.default_team
                notes.append(f"no rule set a team; default team {self.default_team}")
        return Classification(
            category=chosen.get("category") or ticket.category,
            priority=chosen.get("priority") or ticket.priority or self.default_priority,
            team=team,
            tags=tags,
            sla_policy=chosen.get("sla_policy") or self.default_sla_policy,
            matched=matched,
            notes=notes,
        )


def validate_rules(data: Any, *, categories: Iterable[str], teams: Iterable[str],
                   sla_policies: Iterable[str]) -> list[str]:
    """Every problem with a stored rule set, each naming its rule; empty when it is valid."""
    errors: list[str] = []
    known = {"category": set(categories), "team": set(teams), "sla_policy": set(sla_policies)}
    _compile(data, errors, known)
    return errors


def _compile(data: Any, errors: list[str], known: dict[str, set[str]] | None) -> RuleSet | None:
    if not isinstance(data, dict):
        errors.append("the rule set must be an object with mode, default_team and rules")
        return None
    for key in data:
        if key not in RULE_SET_KEYS:
            errors.append(f"rule set: unknown field {key!r}")
    mode = data.get("mode")
    if mode not in MODES:
        errors.append(f"rule set: mode must be one of {', '.join(MODES)}, not {mode!r}")
    default_team = data.get("default_team")
    if not isinstance(default_team, str) or not default_team:
        errors.append("rule set: default_team is required")
    elif known is not None and default_team not in known["team"]:
        errors.append(f"rule set: unknown default team {default_team!r}")
    default_priority = data.get("default_priority", "normal")
    if default_priority not in PRIORITIES:
        errors.append(f"rule set: unknown default priority {default_priority!r}")
    default_sla = data.get("default_sla_policy")
    if default_sla is not None and (not isinstance(default_sla, str) or
                                    (known is not None and default_sla not in known["sla_policy"])):
        errors.append(f"rule set: unknown default SLA policy {default_sla!r}")
    raw_rules = data.get("rules", [])
    if not isinstance(raw_rules, list):
        errors.append("rule set: rules must be a list")
        raw_rules = []
    rules: list[Rule] = []
    seen: set[str] = set()
    for position, raw in enumerate(raw_rules, start=1):
        rule = _compile_rule(raw, position, seen, errors, known)
        if rule is not None:
            rules.append(rule)
    if errors:
        return None
    return RuleSet(mode=mode, default_team=default_team, rules=tuple(rules),
                   default_priority=default_priority, default_sla_policy=default_sla)


def _compile_rule(raw: Any, position: int, seen: set[str], errors: list[str],
                  known: dict[str, set[str]] | None) -> Rule | None:
    if not isinstance(raw, dict):
        errors.append(f"rule #{position}: must be an object")
        return None
    rule_id = raw.get("id")
    label = f"rule {rule_id!r}" if isinstance(rule_id, str) and rule_id else f"rule #{position}"
    before = len(errors)
    if not isinstance(rule_id, str) or not rule_id.strip():
        errors.append(f"{label}: id is required")
    elif rule_id in seen:
        errors.append(f"{label}: the id is used by another rule")
    else:
        seen.add(rule_id)
    for key in raw:
        if key not in RULE_KEYS:
            errors.append(f"{label}: unknown field {key!r}")
    name = raw.get("name", rule_id)
    if not isinstance(name, str):
        errors.append(f"{label}: name must be text")
    for flag in ("enabled", "stop"):
        if flag in raw and not isinstance(raw[flag], bool):
            errors.append(f"{label}: {flag} must be true or false")
    raw_conditions = raw.get("conditions", [])
    conditions: list[Condition] = []
    if not isinstance(raw_conditions, list):
        errors.append(f"{label}: conditions must be a list")
    else:
        for number, raw_condition in enumerate(raw_conditions, start=1):
            condition = _compile_condition(raw_condition, f"{label} condition {number}", errors, known)
            if condition is not None:
                conditions.append(condition)
    actions = _compile_actions(raw.get("actions"), label, errors, known)
    if len(errors) > before:
        return None
    tests = tuple(c.test for c in sorted(conditions, key=lambda c: c.cost))
    return Rule(id=rule_id, name=name, conditions=tuple(conditions), actions=actions,
                enabled=raw.get("enabled", True), stop=raw.get("stop", False), _tests=tests)


def _compile_actions(raw: Any, label: str, errors: list[str],
                     known: dict[str, set[str]] | None) -> Actions:
    if not isinstance(raw, dict) or not raw:
        errors.append(f"{label}: actions must set at least one of {', '.join(ACTION_KEYS)}")
        return Actions()
    for key in raw:
        if key not in ACTION_KEYS:
            errors.append(f"{label}: unknown action {key!r}")
    for key, word in (("category", "category"), ("team", "team"), ("sla_policy", "SLA policy")):
        value = raw.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or not value:
            errors.append(f"{label}: {word} must be a name")
        elif known is not None and value not in known[key]:
            errors.append(f"{label}: unknown {word} {value!r}")
    priority = raw.get("priority")
    if priority is not None and priority not in PRIORITIES:
        errors.append(f"{label}: unknown priority {priority!r} (use {', '.join(PRIORITIES)})")
    tags = raw.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() for t in tags):
        errors.append(f"{label}: tags must be a list of words")
        tags = []
    return Actions(category=raw.get("category"), priority=priority, team=raw.get("team"),
                   tags=tuple(dict.fromkeys(t.strip() for t in tags)),
                   sla_policy=raw.get("sla_policy"))


def _compile_condition(raw: Any, label: str, errors: list[str],
                       known: dict[str, set[str]] | None) -> Condition | None:
    if not isinstance(raw, dict):
        errors.append(f"{label}: must be an object with field, op and value")
        return None
    for key in raw:
        if key not in ("field", "op", "value"):
            errors.append(f"{label}: unknown key {key!r}")
    name, op, value = raw.get("field"), raw.get("op"), raw.get("value")
    if not isinstance(name, str):
        errors.append(f"{label}: field is required")
        return None
    if name in CHOICE_FIELDS:
        compiled = _choice_condition(name, op, value, label, errors, known)
    elif name in TEXT_FIELDS:
        compiled = _text_condition(name, op, value, label, errors)
    elif name.startswith("customer."):
        compiled = _customer_condition(name, op, value, label, errors)
    elif name == "contact_centre_open":
        if op != "is":
            errors.append(f"{label}: unknown operator {op!r} for contact_centre_open (use is)")
            return None
        if not isinstance(value, bool):
            errors.append(f"{label}: contact_centre_open must be compared with true or false")
            return None
        compiled = ((lambda c: c.contact_centre_open) if value else (lambda c: not c.contact_centre_open),
                    _CALENDAR)
    else:
        errors.append(f"{label}: unknown field {name!r}")
        return None
    if compiled is None:
        return None
    test, cost = compiled
    return Condition(field=name, op=op, value=value, test=test, cost=cost)


def _choice_condition(name, op, value, label, errors, known):
    if op not in CHOICE_OPS:
        errors.append(f"{label}: unknown operator {op!r} for {name} (use {', '.join(CHOICE_OPS)})")
        return None
    values = [value] if op == "is" else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) and v for v in values):
        wanted = "a value" if op == "is" else "a non-empty list of values"
        errors.append(f"{label}: {name} {op} needs {wanted}")
        return None
    if name == "channel":
        for v in values:
            if v not in CHANNELS:
                errors.append(f"{label}: unknown channel {v!r} (use {', '.join(CHANNELS)})")
    elif name == "line":
        for v in values:
            if "@" not in v and phone_e164(v) is None:
                errors.append(f"{label}: line {v!r} is neither a phone number nor an e-mail address")
        values = [normalise_line(v) for v in values]
    elif name == "form_category" and known is not None:
        for v in values:
            if v not in known["category"]:
                errors.append(f"{label}: unknown category {v!r}")
    wanted = frozenset(values)
    if name == "line":
        def read(c):
            return c.line
    else:
        def read(c, attribute=name):
            return getattr(c.ticket, attribute)
    if op == "not_in":
        return (lambda c: read(c) not in wanted), _CHEAP
    return (lambda c: read(c) in wanted), _CHEAP


def _text_condition(name, op, value, label, errors):
    if op not in TEXT_OPS:
        errors.append(f"{label}: unknown operator {op!r} for {name} (use {', '.join(TEXT_OPS)})")
        return None
    if op == "matches":
        if not isinstance(value, str) or not value:
            errors.append(f"{label}: matches needs a regular expression")
            return None
        try:
            pattern = re.compile(strip_diacritics(value), re.IGNORECASE)
        except re.error as exc:
            errors.append(f"{label}: bad regular expression {value!r}: {exc}")
            return None
        return (lambda c: pattern.search(c.stripped(name)) is not None), _REGEX
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        errors.append(f"{label}: {op} needs a non-empty list of words or phrases")
        return None
    phrases = []
    for phrase in value:
        compiled = _phrase(phrase)
        if compiled is None:
            errors.append(f"{label}: {phrase!r} has no letters or digits to match")
            return None
        phrases.append(compiled)
    if op == "contains_all":
        tests = [_any_of([p], name) for p in phrases]
        return (lambda c: all(t(c) for t in tests)), _WORDS
    test = _any_of(phrases, name)
    if op == "not_contains_any":
        return (lambda c: not test(c)), _WORDS
    return test, _WORDS


def _phrase(phrase: str) -> tuple[str, str] | None:
    """A phrase as ("word", w), ("phrase", " w1 w2 ") or ("regex", pattern)."""
    parts = []
    wildcard = False
    for token in phrase.split():
        starred = token.endswith("*")
        words = fold(token.rstrip("*")).split()
        if not words:
            continue
        parts.extend(re.escape(w) for w in words[:-1])
        parts.append(re.escape(words[-1]) + (r"\w*" if starred else ""))
        wildcard = wildcard or starred
    if not parts:
        return None
    if wildcard:
        return "regex", " ".join(parts)
    words = fold(phrase).split()
    if len(words) == 1:
        return "word", words[0]
    return "phrase", " " + " ".join(words) + " "


def _any_of(phrases: list[tuple[str, str]], name: str) -> Test:
    """One test for "any of these phrases": a set lookup, substring checks, one regex."""
    words = frozenset(p for kind, p in phrases if kind == "word")
    substrings = tuple(p for kind, p in phrases if kind == "phrase")
    patterns = [p for kind, p in phrases if kind == "regex"]
    regex = re.compile(" (?:" + "|".join(patterns) + ") ") if patterns else None

    def test(contact: Contact) -> bool:
        text_words, padded = contact.folded(name)
        if words and not words.isdisjoint(text_words):
            return True
        for substring in substrings:
            if substring in padded:
                return True
        return regex is not None and regex.search(padded) is not None

    return test


def _customer_condition(name, op, value, label, errors):
    attribute = name[len("customer."):]
    if not _ATTRIBUTE.fullmatch(attribute):
        errors.append(f"{label}: {name!r} is not a customer attribute name")
        return None
    if op not in CUSTOMER_OPS:
        errors.append(f"{label}: unknown operator {op!r} for {name} (use {', '.join(CUSTOMER_OPS)})")
        return None
    scalar = (str, int, float, bool, type(None))
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value or not all(isinstance(v, scalar) for v in value):
            errors.append(f"{label}: {name} {op} needs a non-empty list of values")
            return None
    elif op in ("gt", "gte", "lt", "lte"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            errors.append(f"{label}: {name} {op} needs a number")
            return None
    elif not isinstance(value, scalar):
        errors.append(f"{label}: {name} {op} needs a single value")
        return None

    def read(c: Contact):
        actual = c.ticket.customer.get(attribute)
        return False if actual is None else actual

    if op == "is":
        expected = False if value is None else value
        return (lambda c: read(c) == expected), _CHEAP
    if op == "is_not":
        expected = False if value is None else value
        return (lambda c: read(c) != expected), _CHEAP
    if op in ("in", "not_in"):
        wanted = [False if v is None else v for v in value]
        inside = op == "in"
        return (lambda c: (read(c) in wanted) is inside), _CHEAP
    compare = {"gt": lambda a: a > value, "gte": lambda a: a >= value,
               "lt": lambda a: a < value, "lte": lambda a: a <= value}[op]

    def numeric(c: Contact) -> bool:
        actual = c.ticket.customer.get(attribute)
        return (isinstance(actual, (int, float)) and not isinstance(actual, bool)
                and compare(actual))

    return numeric, _CHEAP
