"""Each feedback law, written once in hemasim.model.laws, gives the same values on its three paths: numpy arrays
(the reference path), numba scalars (the kernels' dispatcher) and its SBML formula (evaluated by a small
evaluator of libSBML's parse tree)."""

import math

import numpy as np
import pytest

from hemasim.model.core import FeedbackKind
from hemasim.model.laws import LAWS, N_FEEDBACK_PARAMS, feedback_value, law

# Per law: parameters and (time in days, signal) points, chosen to visit every branch (caps, floors, the edges
# of a window, ages before and after the onset).
CASES = {
    FeedbackKind.HILL_RATIO: ((100.0, 2.5, 1.7), [(0.0, 0.0), (3.0, 50.0), (0.0, 100.0), (9.0, 400.0)]),
    FeedbackKind.AGE_DECLINE: ((20.0, 0.02, 30.0, 50.0, 1.0),
                               [(0.0, 0.0), (1000.0, 0.0), (5000.0, 7.0), (20000.0, 0.0)]),
    FeedbackKind.LINEAR_INHIBITION: ((0.01,), [(0.0, 0.0), (1.0, 30.0), (2.0, 99.0), (3.0, 150.0)]),
    FeedbackKind.EMAX: ((-0.6, 2.0, 1.5), [(0.0, 0.0), (1.0, 1.0), (2.0, 2.0), (3.0, 10.0)]),
    FeedbackKind.WINDOW: ((2.0, 5.0), [(0.0, 1.0), (2.0, 1.0), (3.5, 1.0), (5.0, 1.0), (6.0, 1.0)]),
    FeedbackKind.LINEAR: ((0.3,), [(0.0, 0.0), (4.0, 7.0)]),
    FeedbackKind.POWER: ((5.0, -0.8, 0.1), [(0.0, 0.0), (1.0, 0.05), (2.0, 3.0), (3.0, 20.0)]),
}
# What each law must give at the points above (by hand, from the formulas in hemasim.model.core)
EXPECTED = {
    FeedbackKind.HILL_RATIO: [3.5, 3.5 / (1 + 2.5 * 0.5**1.7), 1.0, 3.5 / (1 + 2.5 * 4.0**1.7)],
    FeedbackKind.AGE_DECLINE: [math.exp(-0.02 * (30.0 - 50.0)), math.exp(-0.02 * (30.0 - 50.0)),
                               math.exp(-0.02 * (20.0 + 5000.0 / 365.25 - 50.0)),
                               math.exp(-0.02 * (20.0 + 20000.0 / 365.25 - 50.0))],
    FeedbackKind.LINEAR_INHIBITION: [1.0, 0.7, 1.0 - 0.99, 0.0],
    FeedbackKind.EMAX: [1.0, 1.0 - 0.6 / (2.0**1.5 + 1.0), 0.7, 1.0 - 0.6 * 10.0**1.5 / (2.0**1.5 + 10.0**1.5)],
    FeedbackKind.WINDOW: [0.0, 1.0, 1.0, 0.0, 0.0],
    FeedbackKind.LINEAR: [0.0, 2.1],
    FeedbackKind.POWER: [0.02**-0.8, 0.02**-0.8, 0.6**-0.8, 4.0**-0.8],
}


def _padded(params):
    return tuple(params) + (0.0,) * (N_FEEDBACK_PARAMS - len(params))


@pytest.fixture(scope="module")
def numba_value():
    from numba import njit

    import hemasim.solvers._kernel_numba  # noqa: F401 - registers the laws for numba, as the kernels do

    @njit
    def value(kind, t, s, p0, p1, p2, p3, p4):
        return feedback_value(kind, t, s, p0, p1, p2, p3, p4)

    return value


def _sbml_value(node, env):
    """The value of a libSBML formula tree, for the operators the feedback formulas use."""
    import libsbml

    kind = node.getType()
    kids = [node.getChild(i) for i in range(node.getNumChildren())]
    if node.isNumber():
        return node.getValue()
    if kind == libsbml.AST_NAME_TIME:
        return env["time"]
    if kind == libsbml.AST_NAME:
        return env[node.getName()]
    v = [_sbml_value(c, env) for c in kids] if kind != libsbml.AST_FUNCTION_PIECEWISE else None
    ops = {libsbml.AST_PLUS: lambda: sum(v), libsbml.AST_TIMES: lambda: math.prod(v),
           libsbml.AST_MINUS: lambda: -v[0] if len(v) == 1 else v[0] - v[1], libsbml.AST_DIVIDE: lambda: v[0] / v[1],
           libsbml.AST_POWER: lambda: v[0] ** v[1], libsbml.AST_FUNCTION_POWER: lambda: v[0] ** v[1],
           libsbml.AST_FUNCTION_EXP: lambda: math.exp(v[0]),
           libsbml.AST_RELATIONAL_LT: lambda: v[0] < v[1], libsbml.AST_RELATIONAL_GT: lambda: v[0] > v[1],
           libsbml.AST_RELATIONAL_LEQ: lambda: v[0] <= v[1], libsbml.AST_RELATIONAL_GEQ: lambda: v[0] >= v[1],
           libsbml.AST_LOGICAL_AND: lambda: all(v)}
    if kind == libsbml.AST_FUNCTION_PIECEWISE:  # piecewise(value, condition, ..., otherwise)
        for i in range(0, len(kids) - 1, 2):
            if _sbml_value(kids[i + 1], env):
                return _sbml_value(kids[i], env)
        return _sbml_value(kids[-1], env)
    if kind not in ops:
        raise AssertionError(f"the evaluator does not know {node.getName() or kind}")
    return ops[kind]()


def sbml_value(kind, t, s, params):
    libsbml = pytest.importorskip("libsbml")

    ids = [f"p{i}" for i in range(N_FEEDBACK_PARAMS)]
    formula = LAWS[kind].sbml_formula("sig" if LAWS[kind].reads_signal else "", ids)
    tree = libsbml.parseL3Formula(formula)
    assert tree is not None, libsbml.getLastParseL3Error()
    return _sbml_value(tree, {"time": t, "sig": s, **dict(zip(ids, _padded(params), strict=True))})


def test_every_kind_has_a_law_and_a_case():
    assert set(LAWS) == set(FeedbackKind) == set(CASES)
    assert all(law(int(k)) is LAWS[k] for k in FeedbackKind)


@pytest.mark.parametrize("kind", list(FeedbackKind), ids=lambda k: k.name)
def test_numpy_numba_and_sbml_values_agree(kind, numba_value):
    params, points = CASES[kind]
    p = _padded(params)
    t = np.array([pt[0] for pt in points])
    s = np.array([pt[1] for pt in points])
    expected = np.array(EXPECTED[kind])
    np.testing.assert_allclose(LAWS[kind].value(t, s, *p), expected, rtol=1e-13, atol=0)
    fast = np.array([numba_value(int(kind), ti, si, *p) for ti, si in zip(t, s, strict=True)])
    np.testing.assert_allclose(fast, expected, rtol=1e-13, atol=0)
    python_dispatch = np.array([feedback_value(int(kind), ti, si, *p) for ti, si in zip(t, s, strict=True)])
    np.testing.assert_allclose(python_dispatch, expected, rtol=1e-13, atol=0)
    sbml = np.array([sbml_value(kind, ti, si, params) for ti, si in zip(t, s, strict=True)])
    np.testing.assert_allclose(sbml, expected, rtol=1e-13, atol=0)


def test_unknown_kind_gives_nan_in_the_kernels(numba_value):
    assert math.isnan(numba_value(max(FeedbackKind) + 1, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0))


def test_a_hill_exponent_of_one_is_the_general_law_bit_for_bit(numba_value):
    """The kernels' dispatcher takes (s/ref)^1 as s/ref (numba's integer power) instead of the C library's pow:
    the same numbers as the law's own pow(u, 1.0), which returns u exactly, and as the numpy reference path."""
    rng = np.random.default_rng(3)
    s = np.concatenate([[0.0, 1e-300, 1e300], rng.lognormal(0.0, 8.0, 2000)])
    ref, c = rng.lognormal(0.0, 8.0, s.size), rng.uniform(0.0, 50.0, s.size)
    numpy_law = LAWS[FeedbackKind.HILL_RATIO].value(0.0, s, ref, c, 1.0, 0.0, 0.0)
    kernel = np.array([numba_value(int(FeedbackKind.HILL_RATIO), 0.0, si, ri, ci, 1.0, 0.0, 0.0)
                       for si, ri, ci in zip(s, ref, c, strict=True)])
    assert np.array_equal(kernel, numpy_law)
    assert np.array_equal(np.power(s / ref, 1.0), s / ref)  # what makes the two equal
