"""Environment variables over a section of a configuration file, checked by the same model.

An operator (or a test, or `make run`) may move a number without editing the
YAML: LIMITS_PER_IP_PER_MINUTE over bot.yml `limits.per_ip_per_minute`,
PAYMENT_SIGNATURE_TOLERANCE_S over `payment_callback.signature_tolerance_seconds`.
The variable must meet the file's own rules (the same bounds, no second copy
of them), and a bad one stops the process naming the variable, not the file.
"""
import re
from typing import Any, Mapping, TypeVar

from pydantic import BaseModel, ValidationError

from .errors import ConfigError

Section = TypeVar("Section", bound=BaseModel)
_WHOLE = re.compile(r"^[+-]?\d+$")


def _value(text: str) -> Any:
    """A whole number as int (the models refuse "3" as a number), anything else as the text."""
    return int(text) if _WHOLE.match(text) else text


def overridden(section: Section, variables: Mapping[str, str], environ: Mapping[str, str]) -> Section:
    """`section` with each field of `variables` ({field: VARIABLE}) taken from `environ` where set
    (surrounding spaces dropped); ConfigError "VARIABLE: <what is wrong>" when one is out of bounds."""
    changes = {field: _value(environ[variable].strip())
               for field, variable in variables.items() if (environ.get(variable) or "").strip()}
    if not changes:
        return section
    try:
        return type(section).parse_obj({**section.dict(), **changes})
    except ValidationError as exc:
        lines = [f"{variables.get(str(error['loc'][0]), error['loc'][0])}: {error['msg']}" for error in exc.errors()]
        raise ConfigError("\n".join(lines)) from None
