"""Showing fen as yuan without ever going through floats."""


def yuan(fen: int) -> str:
    """1234 -> "12.34", -5 -> "-0.05"."""
    sign = "-" if fen < 0 else ""
    fen = abs(int(fen))
    return f"{sign}{fen // 100}.{fen % 100:02d}"
