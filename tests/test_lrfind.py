"""The LR range test: the ramp, smoothing and early stop, each method's suggestion (against
torch-lr-finder's own code where it has one), and that a range test leaves no trace."""

import copy
import math
import threading

import matplotlib
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lrlab import ConfigError
from lrlab.rangetest.curve import (
    DIVERGE_FACTOR,
    Smoother,
    apply_lr,
    parse_options,
    ramp,
    smooth,
    spread,
    steepest,
    suggestions,
    valley,
)
from lrlab.rangetest.run import range_test_on

matplotlib.use("Agg")


# -- the ramp ------------------------------------------------------------------------------
@given(
    a=st.floats(1e-9, 1.0),
    ratio=st.floats(1.001, 1e9),
    n=st.integers(2, 400),
)
def test_exp_ramp_is_the_formula_exactly(a, ratio, n):
    b = a * ratio
    lrs = ramp(a, b, n, "exp")
    assert lrs == [a * (b / a) ** (i / (n - 1)) for i in range(n)]
    assert lrs[0] == a and math.isclose(lrs[-1], b, rel_tol=1e-12)


def test_linear_ramp_is_a_straight_line():
    assert ramp(0.0 + 1, 5.0, 5, "linear") == [1.0, 2.0, 3.0, 4.0, 5.0]


def tiny(groups=1, seed=0, optimizer="SGD", **opt_kw):
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    params = [list(model[0].parameters()), list(model[2].parameters())]
    groups_ = (
        [{"params": params[0] + params[1]}]
        if groups == 1
        else [
            {"params": params[0]},
            {"params": params[1], "lr": 0.5},
        ]
    )
    opt = getattr(torch.optim, optimizer)(groups_, lr=0.1, **opt_kw)
    return model, opt


def regression_batches(seed=0):
    g = torch.Generator().manual_seed(seed)
    w = torch.randn(4, 1, generator=g)
    while True:
        x = torch.randn(32, 4, generator=g)
        yield x, x @ w


def mse(model):
    return lambda x, y: torch.nn.functional.mse_loss(model(x), y)


def test_the_optimizer_steps_at_exactly_the_ramp_with_group_ratios_kept():
    model, opt = tiny(groups=2)
    seen = []
    opt.register_step_pre_hook(lambda o, *_: seen.append([g["lr"] for g in o.param_groups]))
    lrs = ramp(1e-6, 1e-2, 30, "exp")
    curve = range_test_on(model, opt, regression_batches(), mse(model), lrs, stop_div=False)
    assert curve.lrs == lrs
    assert [s[0] for s in seen] == lrs  # group 0 gets the ramp itself
    assert [s[1] for s in seen] == [lr * (0.5 / 0.1) for lr in lrs]  # group 1 keeps its x5
    assert len(curve.losses) == len(curve.smoothed) == 30


# -- smoothing and the early stop -------------------------------------------------------------
def test_smoothing_is_fastais_debiased_average():
    losses = [2.0, 1.0, 3.0, 0.5]
    avg, want = 0.0, []
    for i, x in enumerate(losses, 1):
        avg = 0.98 * avg + 0.02 * x
        want.append(avg / (1 - 0.98**i))
    assert smooth(losses) == pytest.approx(want, rel=1e-12)
    assert smooth([3.0]) == pytest.approx([3.0])  # debiased: the first value is the loss


def test_it_stops_at_the_first_step_whose_smoothed_loss_passes_four_times_its_minimum():
    model, opt = tiny()
    lrs = ramp(1e-4, 1e3, 200, "exp")
    curve = range_test_on(model, opt, regression_batches(), mse(model), lrs)
    stop = curve.diverged_step
    assert stop is not None and stop == len(curve.lrs) - 1 < 199
    best = [min(curve.smoothed[: i + 1]) for i in range(len(curve.smoothed))]
    over = [
        not math.isfinite(s) or s > DIVERGE_FACTOR * b
        for s, b in zip(curve.smoothed, best, strict=True)
    ]
    assert over[-1] and not any(over[:-1])
    # the same curve without the rule runs to the end
    model, opt = tiny()
    full = range_test_on(model, opt, regression_batches(), mse(model), lrs, stop_div=False)
    assert len(full.lrs) == 200 and full.diverged_step is None
    assert full.losses[: stop + 1] == curve.losses


def test_a_gently_diverging_curve_stops_once_the_smoothed_loss_passes_four_times_its_best():
    """fastai's rule with its numbers written out: 0.98 smoothing, 4x the best smoothed loss.
    The loss is scripted (flat, then growing 10% a step), so where it stops is known."""
    scripted = [1.0] * 30 + [1.1**k for k in range(1, 171)]
    model, opt = tiny()
    step = iter(scripted)
    loss = lambda x, y: model(x).sum() * 0.0 + next(step)  # noqa: E731
    lrs = ramp(1e-4, 1.0, len(scripted), "exp")
    curve = range_test_on(model, opt, regression_batches(), loss, lrs)
    avg, best, want = 0.0, math.inf, None
    for i, x in enumerate(scripted):
        avg = 0.98 * avg + 0.02 * x
        smoothed = avg / (1 - 0.98 ** (i + 1))
        best = min(best, smoothed)
        if smoothed > 4.0 * best:
            want = i
            break
    assert want is not None and 30 < want < 100
    assert curve.diverged_step == want and len(curve.losses) == want + 1
    assert curve.losses == pytest.approx(scripted[: want + 1])
    assert curve.smoothed[-1] > 4.0 * min(curve.smoothed) >= curve.smoothed[-2]


def test_smoother_flags_nan_and_inf():
    s = Smoother()
    s.add(1.0)
    assert s.diverged(s.add(math.inf))
    assert Smoother().diverged(float("nan"))


# -- nothing changes ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["SGD", "Adam", "Adafactor", "Rprop", "ASGD"])
def test_model_and_optimizer_state_are_restored(name):
    model, opt = tiny(groups=2, optimizer=name)
    batches = regression_batches(1)
    for _ in range(3):  # some optimizer state (momentum buffers, Adam moments) to keep
        opt.zero_grad()
        mse(model)(*next(batches)).backward()
        opt.step()
    model.eval()
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    opt_state = {
        i: {k: v.clone() if torch.is_tensor(v) else v for k, v in s.items()}
        for i, s in enumerate(opt.state.values())
    }
    groups = [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]
    rng = torch.get_rng_state()
    range_test_on(model, opt, batches, mse(model), ramp(1e-5, 10.0, 40, "exp"))
    assert not model.training
    for k, v in model.state_dict().items():
        assert torch.equal(v, weights[k]), k
    assert [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups] == groups
    for i, s in enumerate(opt.state.values()):
        for k, v in s.items():
            assert torch.equal(v, opt_state[i][k]) if torch.is_tensor(v) else v == opt_state[i][k]
    # and a step after the test is the step that would have been taken without it
    twin, twin_opt = tiny(groups=2, optimizer=name)
    twin.load_state_dict(weights)
    twin_opt.load_state_dict(copy.deepcopy(opt.state_dict()))  # load_state_dict shares tensors
    x, y = next(regression_batches(7))
    for m, o in ((model, opt), (twin, twin_opt)):
        o.zero_grad()
        mse(m)(x, y).backward()
        o.step()
    for a, b in zip(model.parameters(), twin.parameters(), strict=True):
        assert torch.equal(a, b)
    assert torch.equal(torch.get_rng_state(), rng)  # batches come from their own generator


def test_state_is_restored_after_an_error_and_cancel_stops_at_once():
    model, opt = tiny()
    before = {k: v.clone() for k, v in model.state_dict().items()}

    def broken():
        yield from [(torch.randn(8, 4), torch.randn(8, 1))] * 3
        raise RuntimeError("the data went away")

    with pytest.raises(RuntimeError):
        range_test_on(model, opt, broken(), mse(model), ramp(1e-3, 1.0, 10))
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())
    assert opt.param_groups[0]["lr"] == 0.1
    cancel = threading.Event()
    cancel.set()
    curve = range_test_on(model, opt, regression_batches(), mse(model), [0.1] * 5, cancel=cancel)
    assert curve.cancelled and curve.lrs == []


# -- suggestions on curves with known answers ---------------------------------------------
def test_suggestions_on_a_synthetic_curve_with_a_known_answer():
    # loss = 2 - tanh(log10(lr) + 2): falls fastest at lr = 1e-2; it rises again past 1e0.
    lrs = ramp(1e-6, 1e2, 161, "exp")  # 20 points per decade: 1e-2 is lrs[80]
    x = [math.log10(lr) for lr in lrs]
    loss = [2 - math.tanh(v + 2) + (max(0.0, v) ** 2) for v in x]
    assert steepest(lrs, loss) == lrs[80]
    # valley: the longest falling stretch runs from the start of the trimmed curve (index 16)
    # to the minimum (lr ~ 1); fastai starts it one point early (end - length) and
    # takes the point int(s) + int(s/2) into it, s a third of its span
    lo = 161 // 10
    hi = min(range(161), key=lambda i: loss[i])
    assert 1.0 <= lrs[hi] < 1.2
    s = (hi - lo + 1) / 3
    assert valley(lrs, loss, 161) == lrs[lo - 1 + int(s) + int(s / 2)]
    got = suggestions(lrs, loss, 161)
    assert got["minimum"] == pytest.approx(lrs[hi] / 10)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(0.01, 10.0), min_size=17, max_size=120),
    st.floats(1e-7, 1e-3),
)
def test_steepest_is_torch_lr_finders_suggestion(losses, start):
    from torch_lr_finder import LRFinder

    lrs = ramp(start, 10.0, len(losses))
    model, opt = tiny()
    finder = LRFinder(model, opt, torch.nn.MSELoss())
    finder.history = {"lr": list(lrs), "loss": list(losses)}
    fig = matplotlib.figure.Figure()
    _, theirs = finder.plot(skip_start=10, skip_end=5, suggest_lr=True, ax=fig.add_subplot())
    assert steepest(lrs, losses) == theirs


def test_spread_and_too_short_curves():
    assert spread([1e-3, None, 4e-3, 2e-3]) == {
        "median": 2e-3,
        "min": 1e-3,
        "max": 4e-3,
        "ratio": 4.0,
        "n": 3,
    }
    assert spread([None]) is None
    assert suggestions([1e-3, 1e-2], [1.0, 2.0], 100) == {
        "minimum7": None,
        "valley": None,
        "steepest": None,
        "minimum": None,
    }


# -- options and putting a suggestion into a schedule -------------------------------------
def test_options_defaults_and_bad_values():
    o = parse_options({})
    assert (o.start_lr, o.end_lr, o.iters, o.mode, o.repeats) == (1e-7, 10.0, 100, "exp", 1)
    for bad, field in [
        ({"start_lr": 0}, "start_lr"),
        ({"end_lr": 1e-8}, "end_lr"),
        ({"end_lr": float("inf")}, "end_lr"),
        ({"iters": 1}, "iters"),
        ({"iters": 10**6}, "iters"),
        ({"mode": "log"}, "mode"),
        ({"repeats": 0}, "repeats"),
        ({"method": "guess"}, "method"),
    ]:
        with pytest.raises(ConfigError) as err:
            parse_options(bad)
        assert err.value.field == field


def test_apply_lr_sets_the_peak_of_each_kind_of_schedule():
    one = {
        "optimizer": {"name": "SGD", "lr": 0.1},
        "scheduler": {"name": "OneCycleLR", "max_lr": [0.4, 0.8]},
    }
    assert apply_lr(one, 0.02, "peak")["scheduler"]["max_lr"] == pytest.approx([0.02, 0.04])
    assert apply_lr(one, 0.02, "lr")["optimizer"]["lr"] == 0.02
    assert one["scheduler"]["max_lr"] == [0.4, 0.8]  # a copy
    warm = {
        "optimizer": {"name": "SGD", "lr": 0.1},
        "param_groups": [{}, {"lr": 0.5}],
        "scheduler": {"name": "SequentialLR", "schedulers": [], "milestones": [5]},
    }
    out = apply_lr(warm, 0.02, "peak")  # warmup + cosine peaks at the optimizer's lr
    assert out["optimizer"]["lr"] == 0.02
    assert out["param_groups"][1]["lr"] == pytest.approx(0.1)  # keeps its x5
    cyclic = {
        "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9},
        "scheduler": {"name": "CyclicLR", "base_lr": 0.001, "max_lr": 0.01},
    }
    out = apply_lr(cyclic, 0.05, "peak")["scheduler"]  # the peak, and the floor keeps 1:10
    assert (out["max_lr"], out["base_lr"]) == pytest.approx((0.05, 0.005))
