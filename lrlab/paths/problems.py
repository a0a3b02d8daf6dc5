"""Small optimisation problems an optimizer's path is drawn on: pure torch functions.

Every problem is a loss over two plotted coordinates (``x``, ``y``) and, for ``logistic``,
a third trained parameter ``b``. The path's parameters are float64 tensors in group 0 of the
schedule's optimizer: one tensor ``p = [x, y]`` of shape (2,) for the 2-D problems, and seed
003's ``w = [w1, w2]`` (shape (2,)) and ``b`` (shape (1,)) for logistic (optimizers that take
matrices only, Muon, get the same values as (1, 2) and (1, 1) matrices). ``value`` is written
elementwise with broadcasting, so the same function gives the loss of a path point and the
contour grid of the figure.

The losses, exactly as computed (a bare loop that writes them the same way gets the same bits):

* ``rosenbrock``: ``(1 - x) ** 2 + 100 * (y - x ** 2) ** 2``; minimum 0 at (1, 1).
* ``quadratic``: ``0.5 * (x ** 2 + condition * y ** 2)``; minimum 0 at (0, 0). ``condition``
  (default 10) is the ratio of the curvatures, the condition number of the Hessian.
* ``noisy-quadratic``: the same loss; after ``backward()`` the gradient of ``p`` gets
  ``noise * torch.randn(2, generator=g, dtype=torch.float64)`` added, once per step, with
  ``g = torch.Generator().manual_seed(seed)`` made at the start (``noise`` 1, ``seed`` 0 by
  default): the noisy quadratic model used to study schedules. The ``loss`` column is the
  noiseless loss.
* ``saddle``: ``0.5 * x ** 2 + 0.25 * y ** 4 - 0.5 * y ** 2``: a saddle point at (0, 0) and
  two minima, -0.25 at (0, 1) and (0, -1). Started near the ridge y = 0, plain gradient
  descent lingers at the saddle; momentum escapes sooner.
* ``logistic``: seed 003's eight points ``X`` and labels ``Y`` (float64), its loss
  ``(torch.log(1 + torch.exp(X @ w + b)) - Y * (X @ w + b)).sum()`` with ``w = [x, y]``
  (``X`` a contiguous (8, 2) tensor, as ``torch.tensor`` of seed 003's array makes it).
  The points are linearly separable, so the loss has no minimum: it tends to 0 as ``w``
  grows along a separating direction.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from lrlab.core.errors import ConfigError

Tensor = torch.Tensor
DTYPE = torch.float64

# Seed 003's training data (www.bbbdata.com): eight points in two features and their labels.
LOGISTIC_X = (
    (2.5, -1.2),
    (1.3, 2.5),
    (6.2, 3.6),
    (1.3, 4.0),
    (5.4, 3.4),
    (6.0, 2.3),
    (4.3, 7.2),
    (8.2, 3.9),
)
LOGISTIC_Y = (0, 0, 1, 0, 1, 1, 1, 1)
_X = torch.tensor(LOGISTIC_X, dtype=DTYPE)
_Y = torch.tensor(LOGISTIC_Y, dtype=DTYPE)


def rosenbrock(x: Tensor, y: Tensor) -> Tensor:
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def quadratic(x: Tensor, y: Tensor, condition: float = 10.0) -> Tensor:
    return 0.5 * (x**2 + condition * y**2)


def saddle(x: Tensor, y: Tensor) -> Tensor:
    return 0.5 * x**2 + 0.25 * y**4 - 0.5 * y**2


def logistic(w1: Tensor, w2: Tensor, b: Tensor) -> Tensor:
    """Seed 003's loss, for a point (scalars) or a grid (same-shaped tensors)."""
    z = _X[:, 0] * w1[..., None] + _X[:, 1] * w2[..., None] + b[..., None]
    return (torch.log(1 + torch.exp(z)) - _Y * z).sum(-1)


def _logistic_loss(tensors: Sequence[Tensor]) -> Tensor:
    # Written as seed 003 writes it (x @ w + b twice), so a loop copied from it gets the same
    # bits: one shared z would sum the two gradients in another order.
    w, b = tensors[0].reshape(2), tensors[1].reshape(1)
    return (torch.log(1 + torch.exp(_X @ w + b)) - _Y * (_X @ w + b)).sum()


@dataclass(frozen=True)
class Problem:
    """One problem with its settings applied. ``names``: the parameters, plotted two first."""

    name: str
    title: str
    formula: str  # LaTeX
    names: tuple[str, ...]
    start: tuple[float, ...]  # the documented default start
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    minimum: tuple[float, float] | None  # where the plotted coordinates' minimum is, if any
    min_value: float | None
    value: Callable[..., Tensor]  # elementwise loss of the coordinates (named as ``names``)
    options: Mapping[str, float] = field(default_factory=dict)
    noise: float = 0.0  # std of the Gaussian noise added to the gradient
    seed: int = 0

    def tensors(self, start: Sequence[float], matrices: bool = False) -> list[Tensor]:
        """The leaf tensors the optimizer steps (see the module's docstring for the layout)."""
        if self.name == "logistic":
            w = torch.tensor([start[0], start[1]], dtype=DTYPE)
            b = torch.tensor([start[2]], dtype=DTYPE)
            out = [w.reshape(1, 2), b.reshape(1, 1)] if matrices else [w, b]
        else:
            p = torch.tensor([start[0], start[1]], dtype=DTYPE)
            out = [p.reshape(1, 2) if matrices else p]
        return [t.requires_grad_() for t in out]

    def loss(self, tensors: Sequence[Tensor]) -> Tensor:
        """The loss of the path's tensors (a 0-d tensor with its graph)."""
        if self.name == "logistic":
            return _logistic_loss(tensors)
        p = tensors[0]
        if p.dim() != 1:  # Muon's (1, 2) matrix; a (2,) tensor needs no view node per step
            p = p.reshape(2)
        return self.value(p[0], p[1])

    def coords(self, tensors: Sequence[Tensor]) -> list[float]:
        """The parameters' values in the order of ``names``."""
        return [v for t in tensors for v in t.detach().reshape(-1).tolist()]

    def noise_generator(self) -> torch.Generator | None:
        return torch.Generator().manual_seed(self.seed) if self.noise else None

    def perturb(self, tensors: Sequence[Tensor], generator: torch.Generator | None) -> None:
        """Add this step's gradient noise (noisy-quadratic), after ``backward()``."""
        if generator is not None:
            grad = tensors[0].grad
            noise = self.noise * torch.randn(2, generator=generator, dtype=DTYPE)
            grad.add_(noise.reshape(grad.shape))

    def noise_adder(self) -> Callable[[Tensor], None] | None:
        """What :meth:`perturb` does, for a loop of many steps: ``add(grad)`` adds this
        step's noise with the same generator and the same bits, written into tensors made
        once (``randn(out=)``, ``mul(out=)``) instead of three new ones per step. None
        without noise."""
        generator = self.noise_generator()
        if generator is None:
            return None
        draw, scaled, noise = torch.empty(2, dtype=DTYPE), torch.empty(2, dtype=DTYPE), self.noise

        def add(grad: Tensor) -> None:
            torch.randn(2, generator=generator, dtype=DTYPE, out=draw)
            torch.mul(draw, noise, out=scaled)  # noise * draw: the product perturb rounds
            grad.add_(scaled.view(grad.shape))

        return add

    def grid(self, n: int = 80, extra: Sequence[float] = ()) -> tuple[Any, Any, Any]:
        """(xs, ys, z) of the loss over the plot range, z[i, j] at (xs[j], ys[i]); the
        further parameters (logistic's b) held at ``extra``."""
        xs = torch.linspace(*self.x_range, n, dtype=DTYPE)
        ys = torch.linspace(*self.y_range, n, dtype=DTYPE)
        gy, gx = torch.meshgrid(ys, xs, indexing="ij")
        rest = [torch.full_like(gx, v) for v in extra]
        with torch.no_grad():
            z = self.value(gx, gy, *rest)
        return xs.numpy(), ys.numpy(), z.numpy()


_SPECS: dict[str, dict[str, Any]] = {
    "rosenbrock": {
        "title": "Rosenbrock's banana valley (a = 1, b = 100)",
        "formula": r"f(x, y) = (1 - x)^2 + 100\,(y - x^2)^2",
        "start": (-1.5, 2.0),
        "x_range": (-2.0, 2.0),
        "y_range": (-1.0, 3.0),
        "minimum": (1.0, 1.0),
        "min_value": 0.0,
    },
    "quadratic": {
        "title": "An ill-conditioned bowl",
        "formula": r"f(x, y) = \tfrac12\,(x^2 + \kappa\,y^2)",
        "start": (-4.0, 1.5),
        "x_range": (-5.0, 5.0),
        "y_range": (-2.5, 2.5),
        "minimum": (0.0, 0.0),
        "min_value": 0.0,
    },
    "noisy-quadratic": {
        "title": "The bowl with Gaussian gradient noise (the noisy quadratic model)",
        "formula": r"f(x, y) = \tfrac12\,(x^2 + \kappa\,y^2),\quad "
        r"\tilde g_t = \nabla f + \sigma\,\xi_t,\ \xi_t \sim \mathcal N(0, I)",
        "start": (-4.0, 1.5),
        "x_range": (-5.0, 5.0),
        "y_range": (-2.5, 2.5),
        "minimum": (0.0, 0.0),
        "min_value": 0.0,
    },
    "saddle": {
        "title": "A saddle between two valleys",
        "formula": r"f(x, y) = \tfrac12 x^2 + \tfrac14 y^4 - \tfrac12 y^2",
        "start": (1.5, 0.01),
        "x_range": (-2.0, 2.0),
        "y_range": (-1.6, 1.6),
        "minimum": (0.0, 1.0),
        "min_value": -0.25,
    },
    "logistic": {
        "title": "Seed 003's logistic regression on eight points (w1, w2; b trained too)",
        "formula": r"L(w, b) = \sum_i \log\left(1 + e^{x_i \cdot w + b}\right) "
        r"- y_i\,(x_i \cdot w + b)",
        "start": (2.0, 2.0, 1.0),
        "x_range": (-1.5, 3.0),
        "y_range": (-1.5, 3.0),
        "minimum": None,
        "min_value": None,
    },
}
PROBLEM_NAMES: tuple[str, ...] = tuple(_SPECS)
# What the pages open on: the default schedule (SGD, lr 0.1, momentum 0.9) converges on the
# ill-conditioned bowl and shows what warmup and momentum do there, where it diverges on
# Rosenbrock at step 7 (lr 0.1 is far past that valley's stable step size).
DEFAULT_PROBLEM = "quadratic"
DEFAULT_OPTIONS: dict[str, dict[str, float]] = {
    "quadratic": {"condition": 10.0},
    "noisy-quadratic": {"condition": 10.0, "noise": 1.0, "seed": 0},
}
MAX_CONDITION = 1e4
MAX_NOISE = 100.0
_MAX_START = 1e6


def get_problem(name: str, **options: float) -> Problem:
    """The problem ``name`` with its settings (``condition``, ``noise``, ``seed``: see
    :data:`DEFAULT_OPTIONS`). Raises :class:`ConfigError` naming the field."""
    if name not in _SPECS:
        raise ConfigError("problem", f"unknown problem {name!r}: one of {', '.join(_SPECS)}")
    allowed = DEFAULT_OPTIONS.get(name, {})
    for key in options:
        if key not in allowed:
            raise ConfigError(key, f"not a setting of {name} (its settings: {list(allowed)})")
    opts = {**allowed, **options}
    spec = dict(_SPECS[name])
    value: Callable[..., Tensor] = {
        "rosenbrock": rosenbrock,
        "saddle": saddle,
        "logistic": logistic,
    }.get(name, quadratic)
    noise, seed = 0.0, 0
    if "condition" in opts:
        cond = _number("condition", opts["condition"], 1.0, MAX_CONDITION)

        def value(x: Tensor, y: Tensor, condition: float = cond) -> Tensor:
            return quadratic(x, y, condition)

    if "noise" in opts:
        noise = _number("noise", opts["noise"], 0.0, MAX_NOISE)
        seed = int(_number("seed", opts["seed"], 0, 2**31 - 1, integer=True))
    names = ("x", "y", "b") if name == "logistic" else ("x", "y")
    return Problem(
        name=name, names=names, value=value, options=opts, noise=noise, seed=seed, **spec
    )


def parse_start(problem: Problem, text: str | Sequence[float] | None) -> tuple[float, ...]:
    """The start ``"X,Y"`` (logistic also ``"X,Y,B"``; B defaults to seed 003's 1) as floats,
    or the problem's default for None. Raises :class:`ConfigError` on anything else."""
    if text is None:
        return problem.start
    if isinstance(text, str):
        parts = [s.strip() for s in text.split(",")]
        try:
            values = [float(s) for s in parts]
        except ValueError:
            raise ConfigError("start", f"{text!r} is not X,Y (two numbers)") from None
    else:
        values = [float(v) for v in text]
    extra = len(problem.names) - 2
    if len(values) == 2:
        values += list(problem.start[2:])
    if len(values) != len(problem.names):
        want = "X,Y" + (" or X,Y,B" if extra else "")
        raise ConfigError("start", f"{text!r}: expected {want}")
    for v in values:
        if not math.isfinite(v) or abs(v) > _MAX_START:
            raise ConfigError("start", f"{v!r} is not a finite number within ±{_MAX_START:g}")
    return tuple(values)


def _number(key: str, v: Any, lo: float, hi: float, integer: bool = False) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise ConfigError(key, f"{v!r} is not a number")
    if integer and v != int(v):
        raise ConfigError(key, f"{v!r} is not a whole number")
    if not lo <= v <= hi:
        raise ConfigError(key, f"{v!r} is outside [{lo:g}, {hi:g}]")
    return float(v)
