"""The ``torch.optim`` optimizers lrlab offers, described once (names and defaults are torch's)."""

from __future__ import annotations

from dataclasses import replace

from lrlab.catalog.optimizer_formulas import FORMULAS
from lrlab.catalog.spec import OptimizerSpec, Param

_LR_HELP = "Learning rate: the step size of each update."
_WD = Param("weight_decay", "float", 0, "L2 penalty (weight decay).", ge=0, log=True)
_EPS = Param("eps", "float", 1e-8, "Added to the denominator for numerical stability.", ge=0)
_BETAS = Param(
    "betas",
    "float_pair",
    (0.9, 0.999),
    "Decay rates of the running averages of the gradient and its square (beta1 is momentum).",
    ge=0,
    lt=1,
)
_DECOUPLED = Param(
    "decoupled_weight_decay", "bool", False, "Apply weight decay AdamW-style, outside the update."
)

# Keyword arguments that change how an update is computed, not what the schedule is; the same
# for every optimizer, so they are listed once.
IMPLEMENTATION_FLAGS: dict[str, str] = {
    "foreach": "an implementation choice (batched kernels); it does not change the schedule",
    "fused": "an implementation choice (fused kernels); it does not change the schedule",
    "capturable": "for CUDA graphs; it does not change the schedule",
    "differentiable": "for higher-order optimisation; it does not change the schedule",
    "maximize": "flips the sign of the update; it does not change the schedule",
    "params": "built by lrlab from param_groups",
}


def _lr(default: float) -> Param:
    return Param("lr", "float", default, _LR_HELP, ge=0, log=True)


OPTIMIZERS: dict[str, OptimizerSpec] = {
    o.name: o
    for o in [
        OptimizerSpec(
            "SGD",
            (
                _lr(1e-3),
                Param("momentum", "float", 0, "Momentum factor.", ge=0),
                Param("dampening", "float", 0, "Dampening for momentum."),
                _WD,
                Param(
                    "nesterov",
                    "bool",
                    False,
                    "Nesterov momentum (needs momentum > 0 and dampening 0).",
                ),
            ),
            "Stochastic gradient descent, optionally with (Nesterov) momentum: the workhorse "
            "of image classification.",
            momentum_key="momentum",
        ),
        OptimizerSpec(
            "Adam",
            (
                _lr(1e-3),
                _BETAS,
                _EPS,
                _WD,
                Param("amsgrad", "bool", False, "Use the AMSGrad variant."),
                _DECOUPLED,
            ),
            "Adaptive moments: per-parameter step sizes from running averages of the gradient "
            "and its square.",
            momentum_key="betas",
        ),
        OptimizerSpec(
            "AdamW",
            (
                _lr(1e-3),
                _BETAS,
                _EPS,
                Param("weight_decay", "float", 1e-2, "Decoupled weight decay.", ge=0, log=True),
                Param("amsgrad", "bool", False, "Use the AMSGrad variant."),
            ),
            "Adam with weight decay decoupled from the gradient update: the default for "
            "transformers.",
            momentum_key="betas",
        ),
        OptimizerSpec(
            "Adamax",
            (_lr(2e-3), _BETAS, _EPS, _WD),
            "Adam with the infinity norm in place of the second moment.",
            momentum_key="betas",
        ),
        OptimizerSpec(
            "NAdam",
            (
                _lr(2e-3),
                _BETAS,
                _EPS,
                _WD,
                Param("momentum_decay", "float", 4e-3, "Momentum decay.", ge=0),
                _DECOUPLED,
            ),
            "Adam with Nesterov momentum.",
            momentum_key="betas",
        ),
        OptimizerSpec(
            "RAdam",
            (_lr(1e-3), _BETAS, _EPS, _WD, _DECOUPLED),
            "Rectified Adam: damps the variance of adaptive steps early in training, a "
            "built-in warmup.",
            momentum_key="betas",
        ),
        OptimizerSpec(
            "RMSprop",
            (
                _lr(1e-2),
                Param("alpha", "float", 0.99, "Smoothing constant.", ge=0),
                _EPS,
                _WD,
                Param("momentum", "float", 0, "Momentum factor.", ge=0),
                Param("centered", "bool", False, "Normalise by the estimated variance."),
            ),
            "Divides the step by a running average of recent gradient magnitudes.",
            momentum_key="momentum",
        ),
        OptimizerSpec(
            "Adagrad",
            (
                _lr(1e-2),
                Param("lr_decay", "float", 0, "Learning rate decay (inside the optimizer).", ge=0),
                _WD,
                Param(
                    "initial_accumulator_value",
                    "float",
                    0,
                    "Starting value of the squared-gradient sum.",
                    ge=0,
                ),
                Param("eps", "float", 1e-10, "Added to the denominator.", ge=0),
            ),
            "Per-parameter rates that shrink with the sum of past squared gradients.",
        ),
        OptimizerSpec(
            "Adadelta",
            (
                _lr(1.0),
                Param("rho", "float", 0.9, "Decay of the running averages.", ge=0, le=1),
                Param("eps", "float", 1e-6, "Added to the denominator.", ge=0),
                _WD,
            ),
            "Adagrad without the ever-shrinking rate: running averages of updates and gradients.",
        ),
        OptimizerSpec(
            "ASGD",
            (
                _lr(1e-2),
                Param("lambd", "float", 1e-4, "Decay term."),
                Param("alpha", "float", 0.75, "Power for the eta update."),
                Param("t0", "float", 1e6, "Step at which averaging starts."),
                _WD,
            ),
            "Averaged SGD: keeps a running average of the weights.",
        ),
        OptimizerSpec(
            "Rprop",
            (
                _lr(1e-2),
                Param(
                    "etas",
                    "float_pair",
                    (0.5, 1.2),
                    "Multiplicative decrease and increase factors (0 < decrease < 1 < increase).",
                ),
                Param("step_sizes", "float_pair", (1e-6, 50), "Minimal and maximal step sizes."),
            ),
            "Resilient backprop: uses only the sign of the gradient; meant for full batches.",
        ),
        OptimizerSpec(
            "Adafactor",
            (
                _lr(1e-2),
                Param("beta2_decay", "float", -0.8, "Decay rate of the second moment.", le=0),
                Param("d", "float", 1.0, "Clipping threshold of the update.", ge=1),
                Param("weight_decay", "float", 0.0, "Weight decay.", ge=0, log=True),
            ),
            "Memory-light Adam relative with factored second moments, used for large "
            "language models.",
            omitted={"eps": "a pair that may hold None; torch's default is kept"},
        ),
        OptimizerSpec(
            "Muon",
            (
                _lr(1e-3),
                Param("weight_decay", "float", 0.1, "Decoupled weight decay.", ge=0, log=True),
                Param("momentum", "float", 0.95, "Momentum factor.", ge=0),
                Param("nesterov", "bool", True, "Nesterov momentum."),
                Param("eps", "float", 1e-7, "Added to the norm before normalising."),
                Param("ns_steps", "int", 5, "Newton-Schulz iterations that orthogonalise."),
                Param(
                    "adjust_lr_fn",
                    "choice",
                    None,
                    "How the lr is scaled by the matrix shape (None: torch's 'original').",
                    choices=("original", "match_rms_adamw", "spectral_unclamped"),
                    nullable=True,
                ),
            ),
            "Momentum whose update is orthogonalised by Newton-Schulz iterations (Jordan et "
            "al. 2024), for the 2-D weight matrices of hidden layers; biases, embeddings and "
            "heads usually get AdamW. Takes 2-D parameters only, so the Train page's models "
            "(which have biases and convolutions) cannot use it; its schedule is simulated on "
            "matrices.",
            momentum_key="momentum",
            omitted={"ns_coefficients": "constants of the Newton-Schulz polynomial; torch's kept"},
            matrices_only=True,
        ),
    ]
}
# The update formulas live beside (optimizer_formulas.py), one per optimizer.
OPTIMIZERS = {n: replace(o, formula=FORMULAS[n]) for n, o in OPTIMIZERS.items()}

# torch.optim optimizers that lrlab leaves out, and why.
OMITTED_OPTIMIZERS: dict[str, str] = {
    "LBFGS": "cannot be simulated meaningfully: step() needs a closure that re-evaluates the "
    "loss up to max_iter times, and its lr scales a quasi-Newton direction found by a line "
    "search, so a schedule of it says little without the loss; it allows one parameter group "
    "only",
    "SparseAdam": "cannot be simulated meaningfully: it updates only from sparse gradients "
    "(nn.Embedding(sparse=True)) and raises on dense ones, so neither lrlab's stand-in "
    "parameters nor its models can drive it; its schedule is Adam's (pick Adam)",
    "Optimizer": "the abstract base class of every optimizer, not an algorithm",
}
