"""Match a text against the prohibited-language rules, sentence by sentence.

Why sentence by sentence and first hit per rule: a block must be explainable
to an auditor ("threatens arrest: matched 'will be arrested'"), so each rule
reports the first words that fired it, in the order the rules and their
patterns are written in data/compliance/rules.yml.
"""
from __future__ import annotations

from bot.compliance.negation import negated, sentences
from bot.compliance.rules import Rule, RuleBook, default_rules


def find_violations(text: str, book: RuleBook | None = None) -> list[tuple[Rule, str]]:
    """Every (rule, matched words) in the text, in rule order; used by checks, tests and reports."""
    book = book or default_rules()
    hits = []
    parts = sentences(text, book.negation)
    for rule in book.rules:
        for sentence in parts:
            match = next((m for p in rule.patterns for m in p.finditer(sentence)
                          if not (rule.negatable and negated(sentence, m, book.negation))), None)
            if match:
                hits.append((rule, match.group(0)))
                break
    return hits
