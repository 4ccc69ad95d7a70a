"""Load the prohibited-language rules from data/compliance/rules.yml.

Why a YAML file: the rules are regulation, not code. A compliance officer reads
and edits them (id, reason, source, patterns) and the loader refuses a file it
cannot vouch for, naming the rule: an unknown key (a typo such as `negateable`
would otherwise silently change a rule), a pattern that does not compile, or a
pattern that could take exponential time on a long message (nested repetition
such as "(a+)+", which would let one agent's text stall every conversation).

Two shorthands keep the file readable:
- `{who}` in a pattern stands for the lexicon `who` (the third parties a
  collector must not involve), written once under `lexicons:`.
- a `fuzzy_words:` entry in a rule's patterns is a word list; each word also
  matches with repeated letters and look-alike digits ("stuuupid", "1diot",
  "l0ser"), because agents who want to insult dodge exact lists.

The `negation:` section holds the words and phrases bot/compliance/negation.py
works with, and `backstop: hold_at` the score at which the classifier holds a
text (bot/compliance/backstop.py); both are loaded and checked here too.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

try:  # Python >= 3.11
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # Python 3.10
    import sre_parse  # type: ignore[no-redef]

RULES_FILE = Path(__file__).resolve().parents[2] / "data" / "compliance" / "rules.yml"

# Look-alike characters for fuzzy words: a letter also matches these.
LOOK_ALIKES = {"a": "[a@4]", "e": "[e3]", "i": "[i1!l]", "o": "[o0]", "s": "[s$5z]", "t": "[t7]"}
# A quantifier may wrap something that itself repeats only if it allows at
# most this many repetitions ("(\w+ ){1,2}" is fine, "(\w+ )+" is not).
MAX_OUTER_REPEAT = 2

# "prohibited_language", not "rules": Rasa reads every YAML file under data/ and
# takes any file with a line starting "rules:" or "stories:" for its own stories.
_TOP_KEYS = {"lexicons", "prohibited_language", "negation", "backstop"}
_RULE_KEYS = {"id", "reason", "source", "negatable", "patterns"}
_LEXICON_KEYS = {"prefix", "terms"}
_NEGATION_KEYS = {"negators", "warnings", "clause_words", "new_subject", "sentence_breaks", "rewrites"}
_REWRITE_KEYS = {"find", "replace", "why"}
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")  # {who}; never a regex count like {0,25}


class RulesError(ValueError):
    """rules.yml is malformed; the message names the file, the rule and the problem."""


@dataclass(frozen=True)
class Rule:
    id: str
    reason: str  # an auditor-readable sentence; the matched words are appended
    source: tuple[str, ...]  # the regulation or clause that prohibits it, or "lender policy"
    patterns: tuple[re.Pattern, ...]
    negatable: bool  # a negation in the same clause clears it (see negation.py)


@dataclass(frozen=True)
class Negation:
    negators: re.Pattern
    warnings: re.Pattern  # deny only what follows them ("anyone claiming to be the police ...")
    boundary_before: re.Pattern  # ends a clause between a negation and a later match
    boundary_after: re.Pattern  # ends a clause between a match and a later negation
    sentence_breaks: re.Pattern
    rewrites: tuple[tuple[re.Pattern, str], ...]
    fingerprint: str  # of the rewrites: the backstop was trained on text they produced


@dataclass(frozen=True)
class RuleBook:
    rules: tuple[Rule, ...]
    negation: Negation
    hold_at: float  # an n-gram backstop score at or above this holds the text for review
    path: Path
    embedding_hold_at: float = 0.9  # the same for the sentence-embedding classifier (English)
    other_languages_hold_at: float = 0.9  # and for the multilingual one (every other language)


def fuzzy_pattern(words: list[str]) -> str:
    """One regex for the words that tolerates repeated letters and look-alike digits."""
    def one(word: str) -> str:
        return "".join(LOOK_ALIKES.get(c, re.escape(c)) + "+" for c in word)
    return r"\b(" + "|".join(one(w) for w in words) + r")s?\b"


def _repeats_inside(items) -> bool:
    """Whether a parsed (sub)pattern contains a quantifier allowing more than one repetition."""
    for op, av in items:
        name = _name(op)
        if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            if av[1] > 1 or _repeats_inside(av[2]):
                return True
        elif any(_repeats_inside(sub) for sub in _children(op, av)):
            return True
    return False


def _name(op) -> str:
    return getattr(op, "name", str(op))


def _children(op, av) -> list:
    name = _name(op)
    if name == "SUBPATTERN":
        return [av[-1]]
    if name == "BRANCH":
        return list(av[1])
    if name in ("ASSERT", "ASSERT_NOT"):
        return [av[1]]
    if name == "ATOMIC_GROUP":
        return [av]
    if name == "GROUPREF_EXISTS":
        return [b for b in av[1:] if b is not None]
    return []


def nested_repetition(pattern: str) -> bool:
    """True when a quantifier allowing more than MAX_OUTER_REPEAT repetitions wraps
    something that repeats: the shape ("(a+)+", "(\\w+ )*") whose backtracking
    grows exponentially with the text. A static check, so it is conservative."""
    def walk(items) -> bool:
        for op, av in items:
            if _name(op) in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                if av[1] > MAX_OUTER_REPEAT and _repeats_inside(av[2]):
                    return True
                if walk(av[2]):
                    return True
            elif any(walk(sub) for sub in _children(op, av)):
                return True
        return False
    return walk(sre_parse.parse(pattern))


def _compile(pattern: str, where: str, flags: int = re.IGNORECASE) -> re.Pattern:
    try:
        compiled = re.compile(pattern, flags)
    except re.error as exc:
        raise RulesError(f"{where}: pattern {pattern!r} is not a valid regex ({exc})") from None
    if nested_repetition(pattern):
        raise RulesError(f"{where}: pattern {pattern!r} nests repetition (like '(a+)+'), which can take "
                         "exponential time on a long message; rewrite it without a repeated group that repeats")
    return compiled


def _keys(data: Any, allowed: set[str], required: set[str], where: str) -> dict:
    if not isinstance(data, dict):
        raise RulesError(f"{where}: expected a mapping, got {type(data).__name__}")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise RulesError(f"{where}: unknown key(s) {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})")
    missing = sorted(required - set(data))
    if missing:
        raise RulesError(f"{where}: missing key(s) {', '.join(missing)}")
    return data


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RulesError(f"{where}: expected a non-empty string, got {value!r}")
    return value


def _lexicons(data: Any, where: str) -> dict[str, str]:
    if not isinstance(data, dict):
        raise RulesError(f"{where}: expected a mapping of name -> {{prefix, terms}}")
    out = {}
    for name, body in data.items():
        here = f"{where}.{name}"
        if not isinstance(name, str) or not re.fullmatch(r"[a-z_]+", name):
            raise RulesError(f"{where}: lexicon name {name!r} must be lowercase letters and _")
        body = _keys(body, _LEXICON_KEYS, {"terms"}, here)
        terms = body["terms"]
        if not isinstance(terms, list) or not terms:
            raise RulesError(f"{here}.terms: expected a non-empty list")
        prefix = body.get("prefix", "")
        out[name] = "(" + prefix + "(" + "|".join(_text(t, f"{here}.terms") for t in terms) + "))"
        _compile(out[name], here)
    return out


def _expand(pattern: str, lexicons: dict[str, str], where: str) -> str:
    def sub(match: re.Match) -> str:
        if match.group(1) not in lexicons:
            raise RulesError(f"{where}: pattern {pattern!r} names an unknown lexicon {{{match.group(1)}}} "
                             f"(known: {', '.join(sorted(lexicons)) or 'none'})")
        return lexicons[match.group(1)]
    return _PLACEHOLDER.sub(sub, pattern)


def _patterns(items: Any, lexicons: dict[str, str], where: str) -> tuple[re.Pattern, ...]:
    if not isinstance(items, list) or not items:
        raise RulesError(f"{where}.patterns: expected a non-empty list")
    out = []
    for item in items:
        if isinstance(item, dict):
            words = _keys(item, {"fuzzy_words"}, {"fuzzy_words"}, f"{where}.patterns")["fuzzy_words"]
            if not isinstance(words, list) or not words:
                raise RulesError(f"{where}.patterns.fuzzy_words: expected a non-empty list of words")
            source = fuzzy_pattern([_text(w, f"{where}.fuzzy_words") for w in words])
        else:
            source = _expand(_text(item, f"{where}.patterns"), lexicons, where)
        out.append(_compile(source, where))
    return tuple(out)


def _sources(value: Any, where: str) -> tuple[str, ...]:
    values = value if isinstance(value, list) else [value]
    if not values:
        raise RulesError(f"{where}.source: name the regulation or clause, or 'lender policy'")
    return tuple(_text(v, f"{where}.source") for v in values)


def _rule(data: Any, index: int, lexicons: dict[str, str], path: Path) -> Rule:
    rule_id = data.get("id") if isinstance(data, dict) else None
    where = f"{path.name}: rule {rule_id!r}" if rule_id else f"{path.name}: prohibited_language[{index}]"
    data = _keys(data, _RULE_KEYS, _RULE_KEYS, where)
    if not isinstance(rule_id, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", rule_id):
        raise RulesError(f"{where}: id must be lowercase letters, digits and _ (it becomes "
                         "prohibited_language.<id> in decisions and audits)")
    if not isinstance(data["negatable"], bool):
        raise RulesError(f"{where}: negatable must be true or false")
    return Rule(rule_id, _text(data["reason"], f"{where}.reason").strip(), _sources(data["source"], where),
                _patterns(data["patterns"], lexicons, where), data["negatable"])


def _negation(data: Any, path: Path) -> Negation:
    where = f"{path.name}: negation"
    data = _keys(data, _NEGATION_KEYS, _NEGATION_KEYS, where)
    conj = _text(data["clause_words"], f"{where}.clause_words")
    subject = _text(data["new_subject"], f"{where}.new_subject")
    if not isinstance(data["rewrites"], list):
        raise RulesError(f"{where}.rewrites: expected a list of {{find, replace, why}}")
    rewrites = []
    for i, item in enumerate(data["rewrites"]):
        here = f"{where}.rewrites[{i}]"
        item = _keys(item, _REWRITE_KEYS, _REWRITE_KEYS, here)
        pattern = _compile(_text(item["find"], f"{here}.find"), here)
        replace = item["replace"]
        if not isinstance(replace, str):
            raise RulesError(f"{here}.replace: expected a string")
        try:
            pattern.sub(replace, "")  # checks group references such as \1
        except re.error as exc:
            raise RulesError(f"{here}: replacement {replace!r} does not fit the pattern ({exc})") from None
        rewrites.append((pattern, replace))
    digest = hashlib.sha256(repr([(p.pattern, r) for p, r in rewrites]).encode()).hexdigest()[:16]
    return Negation(
        negators=_compile(_text(data["negators"], f"{where}.negators"), f"{where}.negators"),
        warnings=_compile(_text(data["warnings"], f"{where}.warnings"), f"{where}.warnings"),
        boundary_before=_compile(conj + r"|[,:\u2014\u2013]" + subject, f"{where}.clause_words"),
        boundary_after=_compile(conj + r"|[,:\u2014\u2013]", f"{where}.clause_words"),
        sentence_breaks=_compile(_text(data["sentence_breaks"], f"{where}.sentence_breaks"),
                                 f"{where}.sentence_breaks", flags=0),
        rewrites=tuple(rewrites), fingerprint=digest)


def load_rules(path: Path | str = RULES_FILE) -> RuleBook:
    """Parse and check rules.yml; raises RulesError naming the rule and the problem."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RulesError(f"cannot read the prohibited-language rules {path}: {exc}") from None
    except yaml.YAMLError as exc:
        raise RulesError(f"{path.name} is not valid YAML: {exc}") from None
    data = _keys(data, _TOP_KEYS, _TOP_KEYS, path.name)
    lexicons = _lexicons(data["lexicons"], f"{path.name}: lexicons")
    if not isinstance(data["prohibited_language"], list) or not data["prohibited_language"]:
        raise RulesError(f"{path.name}: prohibited_language must be a non-empty list of rules")
    rules = tuple(_rule(r, i, lexicons, path) for i, r in enumerate(data["prohibited_language"]))
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise RulesError(f"{path.name}: rule {rule.id!r} is defined twice")
        seen.add(rule.id)
    keys = {"hold_at", "embedding_hold_at", "other_languages_hold_at"}
    backstop = _keys(data["backstop"], keys, keys, f"{path.name}: backstop")
    for key in sorted(keys):
        value = backstop[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
            raise RulesError(f"{path.name}: backstop.{key} must be a number between 0 and 1, got {value!r}")
    return RuleBook(rules, _negation(data["negation"], path), float(backstop["hold_at"]), path,
                    float(backstop["embedding_hold_at"]), float(backstop["other_languages_hold_at"]))


@lru_cache(maxsize=1)
def default_rules() -> RuleBook:
    """The rules every check uses (data/compliance/rules.yml), parsed once per process."""
    return load_rules(RULES_FILE)
