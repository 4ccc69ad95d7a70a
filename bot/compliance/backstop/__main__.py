"""`python -m bot.compliance.backstop train [--out PATH] [--if-changed]`: a step of `make train`."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from bot.compliance.backstop import MODEL_ENV, MODEL_FILE, ROOT, BackstopMissing, model_path
from bot.compliance.backstop.training import train, up_to_date
from bot.compliance.rules import RulesError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.compliance.backstop",
                                     description="The compliance backstop classifier.")
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("train", help="train on data/compliance/train_*.txt and write the model")
    cmd.add_argument("--out", type=Path, default=None,
                     help=f"default: ${MODEL_ENV} or {MODEL_FILE.relative_to(ROOT)}")
    cmd.add_argument("--if-changed", action="store_true", help="skip when the model's inputs are unchanged")
    args = parser.parse_args(argv)
    out = args.out or model_path()
    try:
        if args.if_changed and (fp := up_to_date(out)):
            print(f"==> compliance backstop is up to date ({fp})")
            return 0
        started = time.monotonic()
        model = train(out)
    except (BackstopMissing, RulesError) as exc:
        print(f"compliance backstop: {exc}", file=sys.stderr)
        return 2
    lines = sum(i["lines"] for i in model["trained_on"])
    print(f"==> compliance backstop trained on {len(model['trained_on'])} files ({lines} lines) in "
          f"{time.monotonic() - started:.1f} s -> {out} ({model['fingerprint']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
