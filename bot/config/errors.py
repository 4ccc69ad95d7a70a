"""The one error a configuration file raises, naming the file and the key.

A wrong limit or a mistyped port must stop the process at start-up with a
message an operator can act on without reading code, so every error reads
"config/products.yml: products.WALLET-30.standard.max_instalments: must be >= 1".
"""
from typing import Any, Iterable, Sequence, Union

from pydantic import ValidationError


class ConfigError(ValueError):
    """A configuration file is missing, unreadable, or holds a value the bot must not apply."""


def key_path(loc: Sequence[Union[str, int]]) -> str:
    """("products", "WALLET-30", "standard") -> "products.WALLET-30.standard"; list items as [i]."""
    text = ""
    for part in loc:
        if part == "__root__":
            continue
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _message(error: dict[str, Any]) -> str:
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind == "value_error.missing":
        return "missing"
    if kind == "value_error.extra":
        return "unknown key (not a setting)"
    if kind == "type_error.none.not_allowed":
        return "must be set, got null"
    if kind == "type_error.integer":
        return "expected a whole number"
    if kind.endswith(".not_ge"):
        return f"must be >= {ctx['limit_value']}"
    if kind.endswith(".not_gt"):
        return f"must be > {ctx['limit_value']}"
    if kind.endswith(".not_le"):
        return f"must be <= {ctx['limit_value']}"
    if kind.endswith(".not_lt"):
        return f"must be < {ctx['limit_value']}"
    if kind == "type_error.decimal" or kind == "value_error.decimal.not_finite":
        return "expected a number"
    if kind == "type_error.dict":
        return "must be a mapping"
    if kind == "type_error.list":
        return "must be a list"
    return str(error.get("msg", "invalid value"))


def describe(label: str, errors: Iterable[dict[str, Any]]) -> str:
    """Every error of one file, one per line, each as "<file>: <key path>: <what is wrong>".

    A validator may name a key below the one it checks by starting its message
    with ".sub.key: " (e.g. the hardship block checking each of its limits).
    """
    lines = []
    for error in errors:
        path, message = key_path(error.get("loc", ())), _message(error)
        if message.startswith(".") and ": " in message:
            sub, message = message[1:].split(": ", 1)
            path = f"{path}.{sub}" if path else sub
        lines.append(f"{label}: {path}: {message}" if path else f"{label}: {message}")
    return "\n".join(lines)


def from_validation(label: str, exc: ValidationError) -> ConfigError:
    return ConfigError(describe(label, exc.errors()))
