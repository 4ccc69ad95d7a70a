"""python -m bot.campaigns.worker: the Huey consumer for the campaign task (bot/campaigns/tasks.py)."""
from __future__ import annotations

import logging
import sys

from huey.consumer_options import ConsumerConfig

from bot.records.db import migrate

from .tasks import huey


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    migrate()
    config = ConsumerConfig(workers=1, periodic=True, check_worker_health=True)
    config.validate()
    huey.create_consumer(**config.values).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
