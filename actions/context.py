"""What every action shares: the records database and the configuration, opened once."""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy.orm import sessionmaker

from bot.negotiation.ladder import load_ladder
from bot.negotiation.limits import Product, load_products
from bot.records.db import make_engine, make_session_factory


@lru_cache(maxsize=1)
def sessions() -> sessionmaker:
    return make_session_factory(make_engine())


@lru_cache(maxsize=1)
def ladder() -> tuple[str, ...]:
    """config/products.yml `ladder:` (or PRODUCTS_YML), through bot.config like the policy."""
    return load_ladder()


@lru_cache(maxsize=1)
def products() -> dict[str, Product]:
    return load_products()
