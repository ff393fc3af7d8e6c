#!/usr/bin/env python3
"""Coefficients of vec::normal_cdf_pdf (autograd/vec_math.h): the Mills ratio
m(a) = Phi(-a) / phi(a) of the standard normal distribution as a degree-8 polynomial in
u = 1 / (1 + 0.4 a), a >= 0, fitted by least squares on relative error in double precision over
[0, 13.3] (past 13.22, phi(a) is below float32's normal range and vec::exp returns 0).
Prints the C++ Horner lines and the worst errors of a float32 evaluation of Phi.

    /usr/bin/python3 scripts/fit_normal_cdf.py     # needs python3-numpy
"""
import math

import numpy as np

C, DEGREE = 0.4, 8
INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)


def mills(a):
    return 0.5 * math.erfc(a / math.sqrt(2)) / (INV_SQRT_2PI * math.exp(-a * a / 2))


def fit():
    a = np.linspace(0, 13.3, 40001)
    m = np.array([mills(x) for x in a])
    poly = np.polynomial.chebyshev.Chebyshev.fit(1 / (1 + C * a), m, DEGREE, w=1 / m)
    return [float(np.float32(c)) for c in poly.convert(kind=np.polynomial.Polynomial).coef]


def normal_cdf_f32(x, coef):
    """Phi(x) as vec::normal_cdf_pdf evaluates it, in float32."""
    f = np.float32
    a = np.abs(x)
    u = f(1) / (f(1) + f(C) * a)
    p = f(coef[-1])
    for c in reversed(coef[:-1]):
        p = p * u + f(c)
    tail = f(INV_SQRT_2PI) * np.exp(f(-0.5) * x * x) * p  # Phi(-|x|)
    return np.where(x < 0, tail, f(1) - tail)


def main():
    coef = fit()
    print(f"  float m = {coef[-1]:.9g}f;")
    for c in reversed(coef[:-1]):
        print(f"  m = m * u {'-' if c < 0 else '+'} {abs(c):.9g}f;")
    x = np.linspace(-9, 9, 200001).astype(np.float32)
    ref = np.array([0.5 * math.erfc(-float(v) / math.sqrt(2)) for v in x])
    err = np.abs(normal_cdf_f32(x, coef).astype(np.float64) - ref)
    print(f"|x| <= 9: worst absolute error {err.max():.2e}, relative {(err / ref).max():.2e}")


if __name__ == "__main__":
    main()
