#!/usr/bin/python3
"""Prints the PyTorch reference values that examples/test_ops_softplus.cpp compares with.

Run from the repository root with Debian's PyTorch (python3-torch; the C++ test does not need it):

    /usr/bin/python3 examples/softplus_reference.py

Each line: beta, then (x, torch softplus(x), torch's gradient) for each x, computed in float64
and printed as doubles with 10 significant digits: some values are below float32's range,
where attend's float result must be 0 or a subnormal close to them.
"""
import torch

XS = [-100.0, -30.0, -17.5, -5.0, -1.0, -0.25, 0.0, 0.25, 1.0, 5.0, 9.5, 19.0, 25.0, 100.0]
for beta in (1.0, 2.0, 0.5):
    x = torch.tensor(XS, dtype=torch.float64, requires_grad=True)
    y = torch.nn.functional.softplus(x, beta=beta, threshold=20.0)
    (g,) = torch.autograd.grad(y.sum(), x)
    print(f"    // beta = {beta:g}")
    for xi, yi, gi in zip(XS, y.tolist(), g.tolist()):
        print(f"    {{{beta:g}, {xi:g}, {yi:.10g}, {gi:.10g}}},")
