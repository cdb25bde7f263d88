"""Factor shapes for a Kronecker product ``W = A (m1 x n1) kron B (m2 x n2)`` of a given m x n.

A Kronecker product has rank ``rank(A) * rank(B) <= min(m1, n1) * min(m2, n2)``, so a shape pair
can only reach a full-rank W when ``min(m1, n1) * min(m2, n2) >= min(m, n)``. Among the pairs
that keep that possible, :func:`kronecker_factor_shapes` picks the one with the fewest parameters
``m1 n1 + m2 n2`` (ties: fewer MACs, then the more balanced pair), as KPRNN (arXiv 1906.02876)
does when it chooses factors for a matrix.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KroneckerShapes:
    """``A`` is ``m1 x n1``, ``B`` is ``m2 x n2``; the product is ``(m1 m2) x (n1 n2)``."""

    m1: int
    n1: int
    m2: int
    n2: int

    @property
    def shape(self) -> tuple[int, int]:
        return self.m1 * self.m2, self.n1 * self.n2

    @property
    def params(self) -> int:
        return self.m1 * self.n1 + self.m2 * self.n2

    @property
    def max_rank(self) -> int:
        return min(self.m1, self.n1) * min(self.m2, self.n2)

    @property
    def macs(self) -> int:
        """MACs of ``A X B^T`` on one input, computed in the cheaper of the two orders."""
        return min(kron_macs_b_first(self), kron_macs_a_first(self))

    def as_tuple(self) -> tuple[tuple[int, int], tuple[int, int]]:
        return (self.m1, self.n1), (self.m2, self.n2)

    def __str__(self) -> str:
        return f"({self.m1}x{self.n1}) kron ({self.m2}x{self.n2})"


def kron_macs_b_first(s: KroneckerShapes) -> int:
    """``T = X B^T`` (n1 x m2, costs n1 n2 m2), then ``A T`` (m1 x m2, costs m1 n1 m2)."""
    return s.n1 * s.n2 * s.m2 + s.m1 * s.n1 * s.m2


def kron_macs_a_first(s: KroneckerShapes) -> int:
    """``T = A X`` (m1 x n2, costs m1 n1 n2), then ``T B^T`` (m1 x m2, costs m1 n2 m2)."""
    return s.m1 * s.n1 * s.n2 + s.m1 * s.n2 * s.m2


def _divisors(x: int) -> list[int]:
    return [d for d in range(1, x + 1) if x % d == 0]


def kronecker_factor_shapes(m: int, n: int) -> KroneckerShapes:
    """The parameter-minimal factor shapes for an ``m x n`` matrix that can still be full rank.

    >>> str(kronecker_factor_shapes(256, 64))
    '(16x8) kron (16x8)'
    """
    if m < 1 or n < 1:
        raise ValueError(f"Kronecker factor shapes need a positive matrix shape, got {m}x{n}")
    best = None
    for m1 in _divisors(m):
        for n1 in _divisors(n):
            s = KroneckerShapes(m1, n1, m // m1, n // n1)
            if s.max_rank < min(m, n):
                continue
            key = (s.params, s.macs, abs(s.m1 * s.n1 - s.m2 * s.n2), -s.m1)
            if best is None or key < best[0]:
                best = (key, s)
    return best[1]


def parse_factor_shapes(value, owner: str) -> KroneckerShapes | None:
    """Accept ``None`` (automatic), ``((m1, n1), (m2, n2))`` or a :class:`KroneckerShapes`."""
    if value is None or isinstance(value, KroneckerShapes):
        return value
    try:
        (m1, n1), (m2, n2) = value
        s = KroneckerShapes(int(m1), int(n1), int(m2), int(n2))
    except (TypeError, ValueError):
        raise ValueError(
            f"{owner}: factor_shapes must be ((m1, n1), (m2, n2)) or None for automatic shapes, "
            f"got {value!r}") from None
    if min(s.m1, s.n1, s.m2, s.n2) < 1:
        raise ValueError(f"{owner}: factor shapes {s} must all be positive")
    return s


def check_factor_shapes(s: KroneckerShapes, m: int, n: int, owner: str) -> None:
    """Raise one clear line when explicit factor shapes do not multiply out to ``m x n``."""
    if s.shape != (m, n):
        raise ValueError(
            f"{owner}: factor shapes {s} give {s.shape[0]}x{s.shape[1]}, but the layer maps "
            f"{n} inputs to {m} units (needs m1*m2 = {m} and n1*n2 = {n})")
