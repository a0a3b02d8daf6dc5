"""Safe arithmetic expressions in one variable, for LambdaLR / MultiplicativeLR.

User text from a browser must never run as Python. Instead of eval, the text is parsed with
``ast.parse(mode="eval")``, checked against an allow-list, and compiled into a tree of small
closures. All arithmetic is in floats (``9 ** 9 ** 9`` overflows in microseconds instead of
building a gigantic integer while holding the GIL) and every intermediate result must be finite.
Size limits are checked on the text before parsing, so the cost of any accepted expression is
bounded by construction.
"""

from __future__ import annotations

import ast
import functools
import math
import operator
from collections.abc import Callable

from lrlab.core.errors import ConfigError

MAX_LENGTH = 200
MAX_NODES = 64
MAX_DEPTH = 12

CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}
FUNCTIONS: dict[str, tuple[Callable[..., float], int, int]] = {
    # name: (function, min args, max args)
    "min": (min, 2, 8),
    "max": (max, 2, 8),
    "abs": (abs, 1, 1),
    "exp": (math.exp, 1, 1),
    "log": (math.log, 1, 1),
    "sqrt": (math.sqrt, 1, 1),
    "cos": (math.cos, 1, 1),
    "sin": (math.sin, 1, 1),
    "tanh": (math.tanh, 1, 1),
    "floor": (lambda x: float(math.floor(x)), 1, 1),
    "ceil": (lambda x: float(math.ceil(x)), 1, 1),
}
_BINARY: dict[type[ast.operator], tuple[Callable[[float, float], float], str]] = {
    ast.Add: (operator.add, "+"),
    ast.Sub: (operator.sub, "-"),
    ast.Mult: (operator.mul, "*"),
    ast.Div: (operator.truediv, "/"),
    ast.FloorDiv: (operator.floordiv, "//"),
    ast.Mod: (operator.mod, "%"),
    # math.pow, unlike float **, raises instead of returning a complex number or a huge int.
    ast.Pow: (math.pow, "**"),
}
_UNARY: dict[type[ast.unaryop], Callable[[float], float]] = {
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
}
_BUILTINS = ("min", "max", "abs")  # the functions that need no "math." in Python
ALLOWED_HELP = (
    "use the variable epoch, numbers, + - * / // % **, parentheses, "
    f"constants {', '.join(CONSTANTS)} and functions {', '.join(FUNCTIONS)}"
)


class ExpressionError(ValueError):
    """An expression that cannot be accepted or evaluated; the message is one line."""


Evaluator = Callable[[float], float]


class Expression:
    """A compiled, safe expression; call it with the value of ``epoch``."""

    def __init__(self, text: str, variable: str = "epoch") -> None:
        if not isinstance(text, str):
            raise ExpressionError(f"expected an expression as text, got {type(text).__name__}")
        self.text = text.strip()
        self.variable = variable
        self.tree = _parse(self.text, variable)
        # The raw closure: float in, float out, Python's arithmetic errors uncaught.
        self.fn: Evaluator = _compile(self.tree.body, variable)

    def __call__(self, value: float) -> float:
        try:
            result = self.fn(float(value))
        except ExpressionError as exc:
            raise ExpressionError(f"{exc} at {self.variable}={value}") from None
        except ZeroDivisionError:
            raise ExpressionError(f"division by zero at {self.variable}={value}") from None
        except OverflowError:
            raise ExpressionError(f"number too large at {self.variable}={value}") from None
        except ValueError:
            raise ExpressionError(
                f"math domain error (e.g. log or sqrt of a negative number, or a negative "
                f"number to a fractional power) at {self.variable}={value}"
            ) from None
        return result

    def to_python(self) -> str:
        """The same expression as plain Python source over the ``math`` module."""
        return ast.unparse(_PythonRenderer().visit(ast.parse(self.text, mode="eval"))).strip()

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"


def _where(node: ast.AST) -> str:
    return f"at column {getattr(node, 'col_offset', 0) + 1}"


def _parse(text: str, variable: str) -> ast.Expression:
    if not text:
        raise ExpressionError("the expression is empty")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error at column {exc.offset or 1}") from None
    except (ValueError, RecursionError, MemoryError):
        raise ExpressionError("the expression cannot be parsed") from None
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        raise ExpressionError(f"the expression has more than {MAX_NODES} parts")
    if _depth(tree) > MAX_DEPTH:
        raise ExpressionError(f"the expression is nested more than {MAX_DEPTH} levels deep")
    for node in nodes:
        _check(node, variable)
    return tree


def _depth(node: ast.AST) -> int:
    children = list(ast.iter_child_nodes(node))
    return 1 + max((_depth(child) for child in children), default=0)


def _check(node: ast.AST, variable: str) -> None:
    if isinstance(node, ast.Expression | ast.Load | ast.operator | ast.unaryop):
        if isinstance(node, ast.operator) and type(node) not in _BINARY:
            raise ExpressionError(f"operator {type(node).__name__} is not allowed")
        if isinstance(node, ast.unaryop) and type(node) not in _UNARY:
            raise ExpressionError(f"operator {type(node).__name__} is not allowed")
        return
    if isinstance(node, ast.BinOp | ast.UnaryOp):
        return
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise ExpressionError(f"only numbers are allowed as literals ({_where(node)})")
        return
    if isinstance(node, ast.Name):
        if node.id != variable and node.id not in CONSTANTS and node.id not in FUNCTIONS:
            raise ExpressionError(f"unknown name '{node.id}' {_where(node)}; {ALLOWED_HELP}")
        return
    if isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in FUNCTIONS:
            raise ExpressionError(f"only the listed functions can be called ({_where(node)})")
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise ExpressionError(f"{name}() takes plain arguments only ({_where(node)})")
        _, lo, hi = FUNCTIONS[name]
        if not lo <= len(node.args) <= hi:
            count = str(lo) if lo == hi else f"{lo} to {hi}"
            raise ExpressionError(f"{name}() takes {count} arguments ({_where(node)})")
        return
    what = {
        ast.Attribute: "attribute access",
        ast.Subscript: "indexing",
        ast.Lambda: "lambda",
        ast.Compare: "comparison",
        ast.BoolOp: "and/or",
        ast.IfExp: "if/else",
    }.get(type(node), type(node).__name__)
    raise ExpressionError(f"{what} is not allowed ({_where(node)}); {ALLOWED_HELP}")


def _finite(value: float, node: ast.AST) -> float:
    if not math.isfinite(value):
        raise ExpressionError(f"result is not a finite number ({_where(node)})")
    return value


def _has_variable(node: ast.AST, variable: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == variable for n in ast.walk(node))


def _compile(node: ast.AST, variable: str) -> Evaluator:
    """A closure for ``node``, specialised so that one call does little Python work.

    Subtrees without the variable are evaluated once here (when that fails, the failure is
    kept for call time, so a bad constant part still reports where it happens). Operators on
    the variable or a constant read them directly instead of calling a leaf closure.
    """
    if isinstance(node, ast.Constant):
        try:
            value = _finite(float(node.value), node)
        except OverflowError:
            raise ExpressionError(f"number too large ({_where(node)})") from None
        return lambda _x: value
    if not _has_variable(node, variable) and not isinstance(node, ast.Name):
        fn = _compile_node(node, variable)
        try:
            value = fn(0.0)
        except (ExpressionError, ArithmeticError, ValueError):
            return fn
        return lambda _x: value
    return _compile_node(node, variable)


def _compile_node(node: ast.AST, variable: str) -> Evaluator:
    if isinstance(node, ast.Constant):
        return _compile(node, variable)
    if isinstance(node, ast.Name):
        if node.id == variable:
            return lambda x: x
        if node.id in CONSTANTS:
            const = CONSTANTS[node.id]
            return lambda _x: const
        raise ExpressionError(f"function '{node.id}' must be called ({_where(node)})")
    if isinstance(node, ast.UnaryOp):
        operand = _compile(node.operand, variable)
        if isinstance(node.op, ast.UAdd):
            return operand
        return lambda x: -operand(x)
    if isinstance(node, ast.BinOp):
        return _binary(node, variable)
    if isinstance(node, ast.Call):
        return _call(node, variable)
    raise ExpressionError(f"unsupported expression ({_where(node)})")  # pragma: no cover


def _operand(node: ast.AST, variable: str) -> tuple[str, Evaluator | float]:
    """('x', None) for the variable, ('c', value) for a constant, ('f', closure) otherwise."""
    if isinstance(node, ast.Name) and node.id == variable:
        return "x", 0.0
    fn = _compile(node, variable)
    if not _has_variable(node, variable):
        try:
            return "c", fn(0.0)
        except (ExpressionError, ArithmeticError, ValueError):
            pass
    return "f", fn


def _binary(node: ast.BinOp, variable: str) -> Evaluator:
    op, _ = _BINARY[type(node.op)]
    (lk, lv), (rk, rv) = _operand(node.left, variable), _operand(node.right, variable)
    isfinite = math.isfinite

    def bad() -> ExpressionError:
        return ExpressionError(f"result is not a finite number ({_where(node)})")

    # math.pow raises on overflow and exp/log/... raise or stay finite, so only the plain
    # operators need the finiteness check that keeps every intermediate result finite.
    # The near-identical closures below are deliberate: one per operand shape (variable,
    # constant, sub-expression) saves a call per operand, which is what keeps a lambda string
    # within 3x of a Python lambda (bench/simulate.py lambda); the last one is the general case.
    kind = lk + rk
    if kind == "xc":
        c = rv

        def f(x: float) -> float:
            r = op(x, c)
            if isfinite(r):
                return r
            raise bad()
    elif kind == "cx":
        c = lv

        def f(x: float) -> float:
            r = op(c, x)
            if isfinite(r):
                return r
            raise bad()
    elif kind == "fc":
        a, c = lv, rv

        def f(x: float) -> float:
            r = op(a(x), c)
            if isfinite(r):
                return r
            raise bad()
    elif kind == "cf":
        c, b = lv, rv

        def f(x: float) -> float:
            r = op(c, b(x))
            if isfinite(r):
                return r
            raise bad()
    else:
        a = (lambda x: x) if lk == "x" else (lambda _x, v=lv: v) if lk == "c" else lv
        b = (lambda x: x) if rk == "x" else (lambda _x, v=rv: v) if rk == "c" else rv

        def f(x: float) -> float:
            r = op(a(x), b(x))
            if isfinite(r):
                return r
            raise bad()

    return f


def _call(node: ast.Call, variable: str) -> Evaluator:
    fn = FUNCTIONS[node.func.id][0]
    args = [_compile(a, variable) for a in node.args]
    if len(args) == 1:
        (a,) = args
        if isinstance(node.args[0], ast.Name) and node.args[0].id == variable:
            return lambda x: float(fn(x))
        return lambda x: float(fn(a(x)))
    if len(args) == 2:
        a, b = args
        return lambda x: float(fn(a(x), b(x)))
    return lambda x: float(fn(*[a(x) for a in args]))


class _PythonRenderer(ast.NodeTransformer):
    """Rewrites names so the expression runs as ordinary Python with ``import math``."""

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in CONSTANTS or (node.id in FUNCTIONS and node.id not in _BUILTINS):
            return ast.Attribute(value=ast.Name(id="math", ctx=ast.Load()), attr=node.id)
        return node


def expression_parts(text: str) -> int:
    """How many parts (syntax nodes) an accepted expression has: its cost per evaluation."""
    return len(list(ast.walk(compile_expression(text).tree)))


def compile_expression(text: str, variable: str = "epoch") -> Expression:
    """Parse and check ``text``; raises :class:`ExpressionError` with a one-line message.

    Cached: validation and building compile the same text once, and an Expression is never
    changed after it is made.
    """
    if not isinstance(text, str):  # also keeps unhashable values out of the cache
        raise ExpressionError(f"expected an expression as text, got {type(text).__name__}")
    return _compiled(text, variable)


@functools.lru_cache(maxsize=256)
def _compiled(text: str, variable: str) -> Expression:
    return Expression(text, variable)


def safe_lambda(text: str, field: str) -> Callable[[int], float]:
    """A user expression as the plain function torch expects; errors name the config field.

    The expression is compiled once per text (``compile_expression`` is cached) and a call
    runs its closure directly; only a failing call takes the slower path that builds the
    message. A negative factor is torch's to take (simulate warns about a negative lr). A plain
    function (not an object) also keeps the scheduler's ``state_dict`` free of it.
    """
    expression = compile_expression(text)
    fn = expression.fn

    def slow(epoch: int) -> float:
        try:
            return expression(epoch)
        except ExpressionError as exc:
            raise ConfigError(field, str(exc)) from None

    def call(epoch: int) -> float:
        try:
            return fn(float(epoch))
        except (ExpressionError, ArithmeticError, ValueError):
            return slow(epoch)

    return call
