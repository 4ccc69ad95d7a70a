"""Value types shared by the configuration models, each with an operator-readable error.

Whole numbers refuse booleans, floats and text ("3" or 2.5 is a typo, not 3);
numbers become Decimal through their text, so 2.5 in YAML is exactly
Decimal("2.5") and money never passes through float.
"""
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Iterator, Optional, Type


def _bounds(low: Any, high: Any) -> str:
    return f"from {low} to {high}" if high is not None else f">= {low}"


def whole(low: int, high: Optional[int] = None) -> Type[int]:
    """An int field in [low, high]: `must be a whole number from 1 to 3600, got 0`."""

    class Whole(int):
        @classmethod
        def __get_validators__(cls) -> Iterator[Callable[[Any], int]]:
            yield cls.check

        @classmethod
        def check(cls, value: Any) -> int:
            if isinstance(value, bool) or not isinstance(value, int) or value < low \
                    or (high is not None and value > high):
                raise ValueError(f"must be a whole number {_bounds(low, high)}, got {value!r}")
            return int(value)

    return Whole


def to_number(value: Any) -> Decimal:
    """A YAML int, float or text as an exact, finite Decimal; ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise ValueError(f"expected a number, got {value!r}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"expected a number, got {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"expected a number, got {value!r}")
    return number


def number(low: Decimal = Decimal(0), high: Optional[Decimal] = None) -> Type[Decimal]:
    """A Decimal field in [low, high]: `must be a number from 0 to 100, got 120`."""

    class Number(Decimal):
        @classmethod
        def __get_validators__(cls) -> Iterator[Callable[[Any], Decimal]]:
            yield cls.check

        @classmethod
        def check(cls, value: Any) -> Decimal:
            result = to_number(value)
            if result < low or (high is not None and result > high):
                raise ValueError(f"must be a number {_bounds(low, high)}, got {value!r}")
            return result

    return Number


class Text(str):
    """A non-empty text (surrounding spaces dropped); numbers are not silently turned into text."""

    @classmethod
    def __get_validators__(cls) -> Iterator[Callable[[Any], str]]:
        yield cls.check

    @classmethod
    def check(cls, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"expected a non-empty text, got {value!r}")
        return value.strip()


Port = whole(1, 65535)
