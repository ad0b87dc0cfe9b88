"""nnlib.optim (notebooks 07 and 09): golden values for the first five steps of every optimizer, computed here
independently, number by number, from the published rules as torch.optim implements them; convergence;
state per array; state_dict round trips; schedules; and argument checks."""
import math

import numpy as np
import pytest

from nnlib.optim import (
    OPTIMIZERS, SGD, AdaGrad, Adam, AdamW, CosineDecay, ExponentialDecay, Optimizer, RMSProp, StepDecay, get,
)

P0 = [1.0, -2.0, 0.0]
GRADIENTS = [[0.5, -1.0, 0.0], [0.3, 2.0, 1e-3], [-0.2, 0.1, -4.0], [1.0, -0.5, 0.5], [0.0, 0.25, 2.0]]


def reference(kind, hp):
    """The five iterates, one coordinate at a time in Python floats, from the rules as written in the docs."""
    out = []
    for j, p in enumerate(P0):
        s = dict(v=None, sum=0.0, avg=0.0, buf=0.0, m=0.0, sq=0.0)
        history = []
        for t, grads in enumerate(GRADIENTS, start=1):
            g = grads[j]
            if kind == "sgd":
                g = g + hp.get("weight_decay", 0.0) * p
                mu = hp.get("momentum", 0.0)
                if mu:
                    s["v"] = g if s["v"] is None else mu * s["v"] + g
                    g = g + mu * s["v"] if hp.get("nesterov") else s["v"]
                p = p - hp["lr"] * g
            elif kind == "adagrad":
                s["sum"] += g * g
                p = p - hp["lr"] * g / (math.sqrt(s["sum"]) + hp["eps"])
            elif kind == "rmsprop":
                s["avg"] = hp["rho"] * s["avg"] + (1 - hp["rho"]) * g * g
                scaled = g / (math.sqrt(s["avg"]) + hp["eps"])
                if hp.get("momentum"):
                    s["buf"] = hp["momentum"] * s["buf"] + scaled
                    scaled = s["buf"]
                p = p - hp["lr"] * scaled
            else:  # adam, adamw
                if kind == "adamw":
                    p = p * (1 - hp["lr"] * hp["weight_decay"])
                else:
                    g = g + hp.get("weight_decay", 0.0) * p
                s["m"] = hp["beta1"] * s["m"] + (1 - hp["beta1"]) * g
                s["sq"] = hp["beta2"] * s["sq"] + (1 - hp["beta2"]) * g * g
                m_hat, v_hat = s["m"] / (1 - hp["beta1"] ** t), s["sq"] / (1 - hp["beta2"] ** t)
                p = p - hp["lr"] * m_hat / (math.sqrt(v_hat) + hp["eps"])
            history.append(p)
        out.append(history)
    return np.array(out).T  # (5 steps, 3 coordinates)


CASES = [  # (kind, a function making a fresh optimizer, its hyper-parameters): no state shared between runs
    ("sgd", lambda: SGD(lr=0.1), dict(lr=0.1)),
    ("sgd", lambda: SGD(lr=0.1, momentum=0.9), dict(lr=0.1, momentum=0.9)),
    ("sgd", lambda: SGD(lr=0.1, momentum=0.9, nesterov=True), dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("sgd", lambda: SGD(lr=0.05, momentum=0.5, weight_decay=0.1), dict(lr=0.05, momentum=0.5, weight_decay=0.1)),
    ("adagrad", lambda: AdaGrad(lr=0.1), dict(lr=0.1, eps=1e-10)),
    ("rmsprop", lambda: RMSProp(lr=0.01), dict(lr=0.01, rho=0.99, eps=1e-8)),
    ("rmsprop", lambda: RMSProp(lr=0.01, rho=0.9, momentum=0.8), dict(lr=0.01, rho=0.9, eps=1e-8, momentum=0.8)),
    ("adam", lambda: Adam(lr=0.1), dict(lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8)),
    ("adam", lambda: Adam(lr=0.1, beta1=0.5, beta2=0.9, weight_decay=0.2), dict(lr=0.1, beta1=0.5, beta2=0.9, eps=1e-8, weight_decay=0.2)),
    ("adamw", lambda: AdamW(lr=0.1), dict(lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01)),
]


@pytest.mark.parametrize("kind, make, hp", CASES, ids=[repr(c[1]()) for c in CASES])
def test_first_five_steps_match_the_rules_computed_by_hand(kind, make, hp):
    p, optimizer = np.array(P0), make()
    steps = []
    for g in GRADIENTS:
        optimizer.step([p], [np.array(g)])
        steps.append(p.copy())
    np.testing.assert_allclose(np.array(steps), reference(kind, hp), rtol=0, atol=1e-12)


def test_defaults_are_pytorchs():
    assert (SGD().lr, SGD().momentum, SGD().nesterov, SGD().weight_decay) == (0.001, 0.0, False, 0.0)
    assert (AdaGrad().lr, AdaGrad().eps) == (0.01, 1e-10)
    assert (RMSProp().lr, RMSProp().rho, RMSProp().eps, RMSProp().momentum) == (0.01, 0.99, 1e-8, 0.0)
    assert (Adam().lr, Adam().beta1, Adam().beta2, Adam().eps, Adam().weight_decay) == (0.001, 0.9, 0.999, 1e-8, 0.0)
    assert (AdamW().lr, AdamW().beta1, AdamW().beta2, AdamW().eps, AdamW().weight_decay) == (0.001, 0.9, 0.999, 1e-8,
                                                                                             0.01)
    assert StepDecay(5).gamma == 0.1 and CosineDecay(5).lr_min == 0.0  # PyTorch's StepLR and CosineAnnealingLR


def test_each_optimizers_state_has_its_documented_names():
    """The names are those of state_dict() and of a saved model's file."""
    names = {}
    for optimizer in (SGD(0.1, momentum=0.5), AdaGrad(), RMSProp(momentum=0.5), Adam(), AdamW()):
        optimizer.step([np.ones(2)], [np.ones(2)])
        names[type(optimizer).__name__] = set(optimizer.state[0])
    assert names == {"SGD": {"velocity"}, "AdaGrad": {"sum_of_squares"}, "RMSProp": {"square_average", "momentum_buffer"},
                     "Adam": {"step", "m", "v"}, "AdamW": {"step", "m", "v"}}


def test_adams_first_step_is_lr_times_the_sign():
    p = np.zeros(3)
    Adam(lr=0.01).step([p], [np.array([1e-3, -7.0, 300.0])])
    np.testing.assert_allclose(p, [-0.01, 0.01, -0.01], rtol=1e-4)


# The first step of each weight decay, by hand from torch.optim's documented rules, with lr != 1 (so that a decay
# applied without the learning rate differs) and a p and g for which a decay of the wrong sign, or of the other
# kind, moves at least one coordinate the other way. At step 1, m_hat = g and v_hat = g^2: Adam's step is
# lr * g / (|g| + eps), the sign of g times lr.
P_DECAY, G_DECAY = [2.0, -1.0, 0.5], [0.1, 0.3, -2.0]


def test_adams_weight_decay_is_added_to_the_gradient_before_the_adaptive_step():
    p = np.array(P_DECAY)
    Adam(lr=0.5, weight_decay=0.2).step([p], [np.array(G_DECAY)])
    g = np.array([0.1 + 0.2 * 2.0, 0.3 + 0.2 * -1.0, -2.0 + 0.2 * 0.5])  # g + weight_decay * p = [0.5, 0.1, -1.9]
    np.testing.assert_allclose(p, np.array(P_DECAY) - 0.5 * g / (np.abs(g) + 1e-8), rtol=1e-12, atol=0)
    np.testing.assert_allclose(p, [1.5, -1.5, 1.0], rtol=0, atol=1e-7)


def test_adamws_weight_decay_shrinks_p_by_lr_times_weight_decay_then_steps():
    p = np.array(P_DECAY)
    AdamW(lr=0.5, weight_decay=0.1).step([p], [np.array(G_DECAY)])
    g = np.array(G_DECAY)  # decoupled: the gradient is left alone
    np.testing.assert_allclose(p, np.array(P_DECAY) * (1 - 0.5 * 0.1) - 0.5 * g / (np.abs(g) + 1e-8), rtol=1e-12)
    np.testing.assert_allclose(p, [1.9 - 0.5, -0.95 - 0.5, 0.475 + 0.5], rtol=0, atol=1e-7)


def test_sgds_weight_decay_is_added_to_the_gradient():
    p = np.array(P_DECAY)
    SGD(lr=0.5, weight_decay=0.2).step([p], [np.array(G_DECAY)])
    np.testing.assert_allclose(p, [2.0 - 0.5 * (0.1 + 0.4), -1.0 - 0.5 * (0.3 - 0.2), 0.5 - 0.5 * (-2.0 + 0.1)],
                               rtol=1e-15)


@pytest.mark.parametrize("make, tolerance", [
    (lambda: SGD(0.02), 1e-6), (lambda: SGD(0.02, momentum=0.9), 1e-6), (lambda: SGD(0.02, 0.9, True), 1e-6),
    (lambda: AdaGrad(0.5), 1e-6), (lambda: Adam(0.05), 1e-3), (lambda: AdamW(0.05, weight_decay=0), 1e-3),
    (lambda: RMSProp(0.01), 0.02),  # a constant-lr RMSProp ends hovering at about lr around the minimum
])
def test_every_optimizer_converges_on_a_convex_quadratic(make, tolerance):
    H, w = np.array([[3.0, 1.0], [1.0, 2.0]]), np.array([2.0, -3.0])
    optimizer = make()
    for _ in range(3000):
        optimizer.step([w], [H @ w])
    assert np.abs(w).max() < tolerance


def test_state_is_kept_per_array():
    a, b = np.array([1.0, 2.0]), np.array([[3.0]])
    together = Adam(0.1)
    alone_a, alone_b = np.array([1.0, 2.0]), np.array([[3.0]])
    opt_a, opt_b = Adam(0.1), Adam(0.1)
    for t in range(4):
        ga, gb = np.array([t - 1.0, 0.5]), np.array([[2.0 - t]])
        together.step([a, b], [ga, gb])
        opt_a.step([alone_a], [ga])
        opt_b.step([alone_b], [gb])
    assert np.array_equal(a, alone_a) and np.array_equal(b, alone_b)
    assert set(together.state) == {0, 1} and together.state[1]["m"].shape == (1, 1)
    with pytest.raises(ValueError, match=r"params\[0\] has shape \(3,\) but this optimizer's state for it"):
        together([np.ones(3), b], [np.ones(3), gb])  # the door checks; step is the plain rule


@pytest.mark.parametrize("make", [lambda: SGD(0.1, momentum=0.9, nesterov=True), lambda: AdaGrad(0.1),
                                  lambda: RMSProp(0.01, momentum=0.5), lambda: Adam(0.05), lambda: AdamW(0.05)])
def test_state_dict_round_trip_resumes_identically(make):
    rng = np.random.default_rng(0)
    grads = [rng.normal(size=(2, 3)) for _ in range(10)]
    straight, p = make(), np.ones((2, 3))
    for g in grads:
        straight.step([p], [g])
    first, q = make(), np.ones((2, 3))
    for g in grads[:5]:
        first.step([q], [g])
    saved = first.state_dict()
    for g in grads[:5]:  # keep using the first optimizer: the saved copy must not change
        first.step([np.ones((2, 3))], [g])
    resumed = make()
    resumed.load_state_dict(saved)
    for g in grads[5:]:
        resumed.step([q], [g])
    assert np.array_equal(p, q)


def test_load_state_dict_copies_the_arrays_it_is_given():
    source = Adam(0.1)
    source.step([np.ones(1)], [np.ones(1)])
    saved = source.state_dict()
    m, v = saved["state"][0]["m"].copy(), saved["state"][0]["v"].copy()
    optimizer = Adam()
    optimizer.load_state_dict(saved)
    optimizer.step([np.ones(1)], [np.full(1, 3.0)])  # steps the loaded state, not the arrays of saved
    assert np.array_equal(saved["state"][0]["m"], m) and np.array_equal(saved["state"][0]["v"], v)
    assert optimizer.state[0]["step"] == 2 and optimizer.lr == 0.1 and not np.array_equal(optimizer.state[0]["m"], m)


def test_load_state_dict_checks_its_input():
    with pytest.raises(ValueError, match="this is a SGD; the state_dict comes from a Adam"):
        SGD().load_state_dict(Adam().state_dict())
    with pytest.raises(ValueError, match=r"^state_dict must be a dict made by state_dict\(\): keys optimizer, "
                                         r"hyperparameters, state$"):
        SGD().load_state_dict({"lr": 0.1})
    bad = Adam().state_dict()
    bad["hyperparameters"]["beta1"] = 1.5
    with pytest.raises(ValueError, match=r"beta1 must be in \[0, 1\); got 1.5"):
        Adam().load_state_dict(bad)


@pytest.mark.parametrize("call, error, message", [
    (lambda: SGD(0), ValueError, "lr must be > 0; got 0"),
    (lambda: SGD(float("inf")), ValueError, "lr must be finite"),
    (lambda: SGD("0.1"), TypeError, "lr must be a real number"),
    (lambda: SGD(0.1, momentum=1.0), ValueError, r"momentum must be in \[0, 1\); got 1"),
    (lambda: SGD(0.1, momentum=-0.1), ValueError, r"momentum must be in \[0, 1\)"),
    (lambda: SGD(0.1, nesterov=True), ValueError, "nesterov=True needs a momentum > 0"),
    (lambda: SGD(0.1, momentum=0.9, nesterov=1), TypeError, "nesterov must be True or False"),
    (lambda: SGD(0.1, weight_decay=-1), ValueError, "weight_decay must be >= 0"),
    (lambda: AdaGrad(eps=0), ValueError, "eps must be > 0"),
    (lambda: RMSProp(rho=1), ValueError, r"rho must be in \[0, 1\)"),
    (lambda: RMSProp(eps=0), ValueError, "^eps must be > 0; got 0$"),
    (lambda: RMSProp(momentum=1.5), ValueError, r"^momentum must be in \[0, 1\); got 1.5$"),
    (lambda: Adam(eps=-1e-8), ValueError, "^eps must be > 0; got -1e-08$"),
    (lambda: StepDecay(2, gamma=0), ValueError, "^gamma must be > 0; got 0$"),
    (lambda: CosineDecay(0), ValueError, "^T must be >= 1; got 0$"),
    (lambda: SGD(0.1, momentum=0.9, nesterov="yes"), TypeError, "^nesterov must be True or False; got str 'yes'$"),
    (lambda: SGD(0.1, nesterov=True), ValueError, r"^nesterov=True needs a momentum > 0 \(as in PyTorch\)$"),
    (lambda: Adam(beta1=1), ValueError, r"beta1 must be in \[0, 1\)"),
    (lambda: Adam(beta2=float("nan")), ValueError, "beta2 must be finite"),
    (lambda: AdamW(weight_decay=-0.1), ValueError, "weight_decay must be >= 0"),
    (lambda: StepDecay(0), ValueError, "step_size must be >= 1"),
    (lambda: ExponentialDecay(0), ValueError, "gamma must be > 0"),
    (lambda: CosineDecay(10, lr_min=-1), ValueError, "lr_min must be >= 0"),
])
def test_bad_hyperparameters_raise(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("params, grads, error, message", [
    ([np.ones(2)], [np.ones(2), np.ones(2)], ValueError, "same length; got 1 and 2"),
    ([np.ones(2)], [np.ones(3)], ValueError, r"grads\[0\] must have the shape of params\[0\] \(2,\); got \(3,\)"),
    ([np.ones(2, int)], [np.ones(2)], TypeError, r"params\[0\] must be a float numpy array"),
    (np.ones(2), np.ones(2), TypeError, "params and grads must be lists of arrays"),
    ([np.ones(2)], np.ones(2), TypeError, r"^params and grads must be lists of arrays; got list \[array\(\[1\., 1\.\]\)\] "
                                          r"and an array of shape \(2,\) and dtype float64$"),
    (np.ones(2), [np.ones(2)], TypeError, r"^params and grads must be lists of arrays; got an array of shape \(2,\)"),
    ([[1.0, 2.0]], [np.ones(2)], TypeError, r"^params\[0\] must be a float numpy array \(updated in place\); got list "
                                            r"\[1\.0, 2\.0\]$"),
])
def test_the_door_checks_the_arguments_of_step(params, grads, error, message):
    with pytest.raises(error, match=message):
        SGD(0.1)(params, grads)  # optimizer(params, grads): check, then step
    with pytest.raises(error, match=message):
        SGD(0.1).check(params, grads)  # the same checks, as Sequential.fit runs them once


def test_calling_an_optimizer_checks_then_steps_and_step_itself_does_not_check():
    p, q = np.array([1.0, 2.0]), np.array([1.0, 2.0])
    SGD(0.5)([p], [np.array([1.0, -1.0])])
    SGD(0.5).step([q], [np.array([1.0, -1.0])])
    assert p.tolist() == q.tolist() == [0.5, 2.5]
    r = np.array([1.0, 2.0])
    SGD(0.5).step([r], [np.array([np.nan, 0.0])])  # the plain rule computes what it is given
    assert np.isnan(r[0]) and r[1] == 2.0


def test_float32_params_keep_float32_state_from_float64_gradients():
    p, optimizer = np.ones(3, np.float32), SGD(0.1, momentum=0.9)
    optimizer.step([p], [np.full(3, 0.5)])  # the velocity takes the param's dtype, not the gradient's
    assert p.dtype == optimizer.state[0]["velocity"].dtype == np.float32


def test_float32_stays_float32_with_state():
    p = np.ones(3, np.float32)
    for optimizer in (SGD(0.1, momentum=0.9), AdaGrad(), RMSProp(momentum=0.5), Adam(), AdamW()):
        optimizer.step([p], [np.ones(3, np.float32)])
        assert p.dtype == np.float32 and all(v.dtype == np.float32 for v in optimizer.state[0].values()
                                             if isinstance(v, np.ndarray))


def _chain(schedule, epochs, lr0):
    """The lr of epochs 0 .. epochs - 1 as LearningRateScheduler (Keras) calls a schedule: from the lr before."""
    lrs, lr = [], lr0
    for epoch in range(epochs):
        lr = schedule(epoch, lr)
        lrs.append(lr)
    return lrs


def test_schedules_step_from_the_current_lr_and_follow_the_closed_forms():
    # one epoch from the one before (PyTorch's recursive forms): the current lr in, the next out
    assert [StepDecay(10, 0.5)(e, 0.1) for e in (0, 9, 10, 11, 20)] == [0.1, 0.1, 0.05, 0.1, 0.05]
    assert [ExponentialDecay(0.5)(e, 8.0) for e in (0, 1, 3)] == [8.0, 4.0, 4.0]
    assert _chain(StepDecay(10, 0.5), 26, 0.1)[25] == 0.025 and _chain(ExponentialDecay(0.5), 4, 8.0)[3] == 1.0
    cosine = CosineDecay(10, lr_min=0.01)
    lrs = _chain(cosine, 12, 0.11)
    assert lrs[0] == 0.11 and lrs[5] == pytest.approx(0.06, rel=1e-14) and lrs[10] == lrs[11] == 0.01
    closed = [0.01 + 0.1 * (1 + math.cos(math.pi * e / 10)) / 2 for e in range(10)]
    assert lrs[:10] == pytest.approx(closed, rel=1e-13, abs=0)
    assert cosine(50, 0.5) == 0.01 and cosine(0, 0.5) == 0.5


def test_names_and_interface():
    for name, cls, extra in [("sgd", SGD, {"lr": 0.01}), ("momentum", SGD, {"lr": 0.01, "momentum": 0.9}),
                             ("adagrad", AdaGrad, {"lr": 0.001}), ("rmsprop", RMSProp, {"lr": 0.001, "rho": 0.99}),
                             ("nesterov", SGD, {"lr": 0.01, "momentum": 0.9, "nesterov": True}),
                             ("adam", Adam, {"lr": 0.001}), ("adamw", AdamW, {"lr": 0.001, "weight_decay": 0.01})]:
        optimizer = get(name)  # a name: Keras's default learning rate (the rest as PyTorch)
        assert type(optimizer) is cls and all(getattr(optimizer, k) == v for k, v in extra.items()), name
    assert (SGD().lr, AdaGrad().lr, RMSProp().lr, Adam().lr) == (0.001, 0.01, 0.01, 0.001)  # objects: PyTorch's
    assert set(OPTIMIZERS) == {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"}
    adam = Adam()
    assert get(adam) is adam and repr(SGD(0.05)) == "SGD(lr=0.05, momentum=0.0, nesterov=False, weight_decay=0.0)"
    with pytest.raises(ValueError, match="unknown optimizer 'lbfgs'; valid names: sgd, momentum"):
        get("lbfgs")
    with pytest.raises(TypeError, match="^optimizer must be a name such as 'sgd' or an Optimizer; got float 0.1$"):
        get(0.1)
    with pytest.raises(NotImplementedError, match=r"Optimizer must define update\(param, grad, state\)"):
        Optimizer(0.1).step([np.ones(1)], [np.ones(1)])


def test_an_optimizer_describes_its_hyper_parameters_and_not_its_state():
    """get_config (notebook 03's Describable) replaces notebook 09's hyperparameters(): every attribute but the state."""
    sgd = SGD(0.1, momentum=0.9)
    sgd.step([np.ones(2)], [np.ones(2)])
    assert sgd.state[0]["velocity"].tolist() == [1.0, 1.0]
    assert sgd.get_config() == {"lr": 0.1, "momentum": 0.9, "nesterov": False, "weight_decay": 0.0}
    assert AdamW().get_config() == {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.01}
    assert RMSProp(0.02, momentum=0.5).get_config() == {"lr": 0.02, "rho": 0.99, "eps": 1e-8, "momentum": 0.5}
    assert sgd.state_dict()["hyperparameters"] == sgd.get_config() and not hasattr(sgd, "hyperparameters")
    again = SGD.from_config(sgd.get_config())
    assert repr(again) == repr(sgd) and again.state == {}
    # a schedule describes itself too, and compares by its settings
    assert StepDecay(10, 0.5).get_config() == {"step_size": 10, "gamma": 0.5} and StepDecay(10, 0.5) == StepDecay(10, 0.5)
    assert StepDecay(10, 0.5) != StepDecay(10, 0.25) and CosineDecay(5) == CosineDecay(5, lr_min=0.0)
    assert repr(ExponentialDecay(0.9)) == "ExponentialDecay(gamma=0.9)" and hash(CosineDecay(5)) == hash(CosineDecay(5))
