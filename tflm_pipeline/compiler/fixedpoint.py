"""gemmlowp fixed-point arithmetic on Python ints, step for step as TFLM runs it on int32.

TFLM's int8 LOGISTIC, TANH and SOFTMAX evaluate exp/tanh/logistic with gemmlowp's fixed-point
polynomials and Newton-Raphson divisions (``fixedpoint/fixedpoint.h``). Their int8 results depend on
the input value only through a small set of integers (256 inputs; 256 max-minus-input differences),
so the compiler evaluates these functions once, here, and places the results in flash as tables.
Every function mirrors one gemmlowp function on the scalar int32 path; ``ib`` is the number of
integer bits of the ``FixedPoint<int32_t, ib>`` argument (fractional bits ``31 - ib``).

Overflowing additions wrap as int32 (gemmlowp's plain ``Add``/``Sub``); multiplications are
SaturatingRoundingDoublingHighMul; rescaling left shifts saturate.
"""

from __future__ import annotations

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1


def wrap32(x: int) -> int:
    """Two's complement int32 wrap-around of a Python int."""
    return ((x + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


def srdhm(a: int, b: int) -> int:
    """SaturatingRoundingDoublingHighMul (int32): round(a*b / 2^31), INT32_MIN^2 saturates."""
    if a == INT32_MIN and b == INT32_MIN:
        return INT32_MAX
    ab = a * b
    r = ab + ((1 << 30) if ab >= 0 else 1 - (1 << 30))
    q = abs(r) >> 31  # C division truncates toward zero
    return q if r >= 0 else -q


def rdbpot(x: int, exponent: int) -> int:
    """RoundingDivideByPOT: x / 2^exponent, round half away from zero."""
    mask = (1 << exponent) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> exponent) + (1 if remainder > threshold else 0)


def sat_mul_pot(x: int, exponent: int) -> int:
    """SaturatingRoundingMultiplyByPOT<exponent>: saturating left shift or rounding right shift."""
    if exponent == 0:
        return x
    if exponent < 0:
        return rdbpot(x, -exponent)
    threshold = (1 << (31 - exponent)) - 1
    if x > threshold:
        return INT32_MAX
    if x < -threshold:
        return INT32_MIN
    return x << exponent


def rescale(x: int, src_ib: int, dst_ib: int) -> int:
    """Rescale<dst>(FixedPoint<src>)."""
    return sat_mul_pot(x, src_ib - dst_ib)


def rounding_half_sum(a: int, b: int) -> int:
    s = a + b
    s += 1 if s >= 0 else -1
    return abs(s) // 2 * (1 if s >= 0 else -1)


def _exp_on_interval_between_negative_one_quarter_and_0_excl(a: int) -> int:
    constant_term = 1895147668       # exp(-1/8) in Q0.31
    constant_1_over_3 = 715827883
    x = wrap32(a + (1 << 28))        # x = a + 1/8
    x2 = srdhm(x, x)
    x3 = srdhm(x2, x)
    x4 = srdhm(x2, x2)
    x4_over_4 = rdbpot(x4, 2)
    poly = rdbpot(wrap32(srdhm(wrap32(x4_over_4 + x3), constant_1_over_3) + x2), 1)
    return wrap32(constant_term + srdhm(constant_term, wrap32(x + poly)))


_EXP_BARREL = ((-2, 1672461947), (-1, 1302514674), (0, 790015084), (1, 290630308),
               (2, 39332535), (3, 720401), (4, 242))


def exp_on_negative_values(a: int, ib: int) -> int:
    """exp(a) for a <= 0, a in Q(ib).(31-ib); result in Q0.31."""
    frac = 31 - ib
    one_quarter = 1 << (frac - 2)
    a_mod_quarter_minus_one_quarter = wrap32((a & (one_quarter - 1)) - one_quarter)
    result = _exp_on_interval_between_negative_one_quarter_and_0_excl(
        rescale(a_mod_quarter_minus_one_quarter, ib, 0))
    remainder = wrap32(a_mod_quarter_minus_one_quarter - a)
    for exponent, multiplier in _EXP_BARREL:
        if ib > exponent and remainder & (1 << (frac + exponent)):
            result = srdhm(result, multiplier)
    if ib > 5 and a < -(1 << (36 - ib)):
        result = 0
    if a == 0:
        result = INT32_MAX
    return result


def _newton_reciprocal_half(half_denominator: int) -> int:
    """Three Newton-Raphson steps for 1/half_denominator, in Q2.29 (shared by the two below)."""
    one_f2 = 1 << 29
    x = wrap32(1515870810 + srdhm(half_denominator, -1010580540))  # 48/17 - 32/17 * d
    for _ in range(3):
        half_denominator_times_x = srdhm(half_denominator, x)
        one_minus = wrap32(one_f2 - half_denominator_times_x)
        x = wrap32(x + rescale(srdhm(x, one_minus), 4, 2))
    return x


def one_over_one_plus_x_for_x_in_0_1(a: int) -> int:
    """1 / (1 + a) for a in [0, 1) (Q0.31 in and out)."""
    x = _newton_reciprocal_half(rounding_half_sum(a, INT32_MAX))
    return rescale(x, 1, 0)  # ExactMulByPot<-1> then Rescale<0>


def one_minus_x_over_one_plus_x_for_x_in_0_1(a: int) -> int:
    x = _newton_reciprocal_half(rounding_half_sum(a, INT32_MAX))
    return rescale(wrap32(x - (1 << 29)), 2, 0)


def logistic(a: int, ib: int) -> int:
    """gemmlowp::logistic of a Q(ib) value; result Q0.31."""
    if a == 0:
        return 1 << 30
    abs_input = a if a > 0 else wrap32(-a)
    positive = one_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(wrap32(-abs_input), ib))
    return positive if a > 0 else wrap32(INT32_MAX - positive)


def tanh(a: int, ib: int) -> int:
    """gemmlowp::tanh of a Q(ib) value; result Q0.31."""
    if a == 0:
        return 0
    n = a if a < 0 else wrap32(-a)
    t = one_minus_x_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(n, ib + 1))
    return wrap32(-t) if a < 0 else t
