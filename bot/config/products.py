"""config/products.yml: the negotiation limits per product code, as typed and frozen values.

The limits are the lender's promise to its regulator and its own books: the
bot may never offer or accept anything outside them. So the file is refused
at start-up for unknown keys, negative numbers, percents over 100, floors with
more decimals than their currency, and hardship limits narrower than the
standard ones, each error naming its key. The values become the negotiation
core's own frozen `Limits` and `Product`; money is Decimal from the YAML text.
"""
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

from pydantic import BaseModel, Extra, validator

from bot.negotiation.ladder import LADDER, parse_ladder
from bot.negotiation.limits import Limits, Product
from bot.negotiation.money import minor_units, quantize

from .files import label, parse, path_of, read_yaml, stamp
from .types import Text, number, to_number, whole

Percent = number(Decimal(0), Decimal(100))
# Fields where hardship must be >= standard, and where it must be <= standard.
WIDER_IS_MORE = ("max_deferral_days", "max_instalments", "max_plan_days", "max_arrangements",
                 "promise_window_days", "max_waiver_percent")
WIDER_IS_LESS = ("min_instalment_percent", "min_down_payment_percent")


class Strict(BaseModel):
    class Config:
        extra = Extra.forbid
        allow_mutation = False


def _floors(value: Any) -> Tuple[Tuple[str, Decimal], ...]:
    """`5` or `{default: 5, KES: 200}` -> (("KES", 200), ("default", 5)); a currency's own decimals only."""
    if not isinstance(value, dict):
        return (("default", _amount(value)),)
    if "default" not in value:
        raise ValueError("needs a 'default' entry for currencies not listed")
    floors = {}
    for key, amount in value.items():
        code = str(key)
        if code != "default" and not (len(code) == 3 and code.isalpha() and code.isupper()):
            raise ValueError(f"{code!r} is not an ISO 4217 currency code")
        try:
            floors[code] = _amount(amount)
        except ValueError as exc:
            raise ValueError(f".{code}: {exc}") from None
        if code != "default" and floors[code] != quantize(floors[code], code):
            raise ValueError(f".{code}: {floors[code]} has more than {minor_units(code)} decimals")
    return tuple(sorted(floors.items()))


def _amount(value: Any) -> Decimal:
    amount = to_number(value)
    if amount < 0:
        raise ValueError(f"must be a number >= 0, got {value!r}")
    return amount


class LimitsModel(Strict):
    """One block (standard or hardship); the meaning of each key is in config/products.yml."""

    max_deferral_days: whole(0)  # type: ignore[valid-type]
    max_instalments: whole(1)  # type: ignore[valid-type]
    max_plan_days: whole(0)  # type: ignore[valid-type]
    min_instalment_amount: Any
    min_instalment_percent: Percent  # type: ignore[valid-type]
    min_down_payment_percent: Percent  # type: ignore[valid-type]
    max_waiver_percent: Percent  # type: ignore[valid-type]
    max_arrangements: whole(0)  # type: ignore[valid-type]
    promise_window_days: whole(1)  # type: ignore[valid-type]
    frequencies_days: List[whole(1)]  # type: ignore[valid-type]

    @validator("min_instalment_amount", pre=True)
    def _floor_table(cls, value: Any) -> Tuple[Tuple[str, Decimal], ...]:
        return _floors(value)

    @validator("frequencies_days")
    def _days(cls, value: List[int]) -> List[int]:
        if not value:
            raise ValueError("expected a non-empty list of days")
        if len(set(value)) != len(value):
            raise ValueError(f"repeated value in {value}")
        return sorted(value)

    def limits(self) -> Limits:
        values = self.dict(exclude={"min_instalment_amount", "frequencies_days"})
        return Limits(**values, min_instalment_amounts=self.min_instalment_amount,
                      frequencies_days=tuple(self.frequencies_days))


def _no_narrower(standard: Limits, hardship: Limits) -> None:
    """Hardship limits exist to give more room; narrower ones would punish a documented hardship."""
    for name in WIDER_IS_MORE:
        if getattr(hardship, name) < getattr(standard, name):
            raise ValueError(f".{name}: {getattr(hardship, name)} is narrower than standard {getattr(standard, name)}")
    for name in WIDER_IS_LESS:
        if getattr(hardship, name) > getattr(standard, name):
            raise ValueError(f".{name}: {getattr(hardship, name)} is stricter than standard {getattr(standard, name)}")
    codes = {c for c, _ in standard.min_instalment_amounts + hardship.min_instalment_amounts}
    for code in sorted(codes):
        lookup = "XXX" if code == "default" else code  # XXX: ISO "no currency" -> default
        if hardship.min_instalment_amount(lookup) > standard.min_instalment_amount(lookup):
            raise ValueError(f".min_instalment_amount.{code}: stricter than standard")
    if not set(standard.frequencies_days) <= set(hardship.frequencies_days):
        raise ValueError(f".frequencies_days: must include every standard frequency {list(standard.frequencies_days)}")


class ProductModel(Strict):
    description: Text
    standard: LimitsModel
    hardship: LimitsModel  # applies only to documented hardship; never narrower

    @validator("hardship")
    def _wider(cls, hardship: LimitsModel, values: Dict[str, Any]) -> LimitsModel:
        if "standard" in values:
            _no_narrower(values["standard"].limits(), hardship.limits())
        return hardship


class ProductsFile(Strict):
    version: str
    ladder: Optional[Any] = None
    floors: Any = None  # YAML anchors only: what products refer to applies
    products: Dict[str, ProductModel]

    @validator("version", pre=True)
    def _version(cls, value: Any) -> str:
        if value is None or isinstance(value, (bool, dict, list)) or not str(value).strip():
            raise ValueError("missing; every change to the limits needs a new version")
        return str(value).strip()

    @validator("ladder")
    def _ladder(cls, value: Any) -> Tuple[str, ...]:
        try:
            return parse_ladder(value)
        except ValueError as exc:
            raise ValueError(str(exc).removeprefix("ladder: ")) from None

    @validator("products", pre=True)
    def _some(cls, value: Any) -> Any:
        if not isinstance(value, dict) or not value:
            raise ValueError("expected a non-empty mapping of product_code -> limits")
        return value

    def steps(self) -> Tuple[str, ...]:
        return tuple(self.ladder) if self.ladder is not None else LADDER

    def by_code(self) -> Dict[str, Product]:
        return {code: Product(code, p.description, p.standard.limits(), p.hardship.limits(), self.version)
                for code, p in self.products.items()}


def parse_products(data: Any, where: str = "products.yml") -> ProductsFile:
    """Validate an already-read products.yml document."""
    return parse(ProductsFile, data, where)


def load_products_file(path: Union[str, Path, None] = None) -> ProductsFile:
    """config/products.yml (or PRODUCTS_YML, or `path`): read again only when the file changed."""
    resolved = path_of("products.yml", path)
    return _load(resolved, stamp(resolved))


@lru_cache(maxsize=8)
def _load(path: Path, _stamp: tuple) -> ProductsFile:
    return parse_products(read_yaml(path), label(path))
