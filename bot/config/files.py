"""Where each configuration file is, and reading one into a typed model.

Paths are absolute (the repository root found from this package), so the
policy inside Rasa, the action server, the web server, the CLI and the tests
read the same files whatever their working directory. Each file can be moved
by one environment variable (e.g. PRODUCTS_YML), read when the file is loaded.
"""
import os
from pathlib import Path
from typing import Any, Optional, Type, TypeVar, Union

import yaml
from pydantic import BaseModel, ValidationError

from .errors import ConfigError, from_validation

ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIR = ROOT / "config"

# file -> the environment variable that moves it
ENV_VARS = {"bot.yml": "BOT_YML", "products.yml": "PRODUCTS_YML", "compliance.yml": "COMPLIANCE_YML",
            "messages.yml": "MESSAGES_YML"}

Model = TypeVar("Model", bound=BaseModel)
PathLike = Union[str, Path]


def path_of(name: str, path: Optional[PathLike] = None) -> Path:
    """The absolute path of config file `name`: `path` if given, else its env variable, else config/<name>.

    A relative path is taken from the repository root, never the working directory.
    """
    chosen = Path(path or os.environ.get(ENV_VARS[name]) or CONFIG_DIR / name)
    return chosen if chosen.is_absolute() else ROOT / chosen


def label(path: Path) -> str:
    """How errors name a file: relative to the repository when it is inside it."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{label(path)}: cannot read: file not found") from None
    except OSError as exc:
        raise ConfigError(f"{label(path)}: cannot read ({exc.strerror})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{label(path)}: not valid YAML: {exc}") from None


def parse(model: Type[Model], data: Any, where: str) -> Model:
    """Validate an already-read document; ConfigError lists every wrong key by its path."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping at the top of the file")
    try:
        return model.parse_obj(data)
    except ValidationError as exc:
        raise from_validation(where, exc) from None


def load(model: Type[Model], path: Path) -> Model:
    return parse(model, read_yaml(path), label(path))


def stamp(path: Path) -> tuple:
    """(mtime, size) of a file, so a cache keyed by it reads an edited file again."""
    try:
        stat = path.stat()
        return (stat.st_mtime_ns, stat.st_size)
    except OSError:
        return (0, -1)  # reading it raises the error that names the file
