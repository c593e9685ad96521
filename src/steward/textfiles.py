"""Reading a text file a person named (a body, a note, a findings file): every failure is one usage sentence."""

from __future__ import annotations

from pathlib import Path

from steward.errors import UsageError

ONE_MIB = 1024 * 1024


def read_text_input(path: Path, what: str, *, max_bytes: int = ONE_MIB) -> str:
    """UTF-8 text of `path`; `what` names it in the error (`--body-file`, `scan report`, ...), exit 2 (G8)."""
    try:
        if path.stat().st_size > max_bytes:
            raise UsageError(f"{what} {path} is larger than {max_bytes} bytes; shorten or split it.")
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{what} {path} does not exist; check the path.") from None
    except IsADirectoryError:
        raise UsageError(f"{what} {path} is a directory; give the file itself.") from None
    except UnicodeDecodeError:
        raise UsageError(f"{what} {path} is not UTF-8 text; save it as UTF-8.") from None
    except OSError as exc:
        raise UsageError(f"{what} {path} cannot be read ({exc.strerror}).") from None
