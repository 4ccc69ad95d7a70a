"""One typed configuration: every file under config/ read through one pydantic model each.

- `bot_file`: config/bot.yml (lender, ports, crisis lines, verification, escalation, limits)
- `products`: config/products.yml (negotiation limits, the concession ladder)
- `compliance`: config/compliance.yml (one profile per jurisdiction)
- `messages`: config/messages.yml (every text the bot sends)

Paths are absolute (from the repository root) with one environment override
per file (`files.ENV_VARS`), results are cached, and a wrong value stops the
process at start-up with `ConfigError("<file>: <key path>: <what is wrong>")`.
This package imports only the value types of the layers it builds
(negotiation's `Limits`, compliance's `Profile`); those layers import it back
lazily, inside their `load_*` functions, so neither import order can cycle.
Nothing is imported here eagerly for the same reason.
"""
from .errors import ConfigError
from .files import ROOT

__all__ = ["ConfigError", "ROOT"]
