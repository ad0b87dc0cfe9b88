"""Notebook 08's checks: steps per epoch, a parameter count, the last activation, and diagnose(history, patience)."""
from types import SimpleNamespace

import numpy as np

from nnlib.callbacks import EarlyStopping, History

from . import answer, register

answer("08", 1, {"6a94a11cd90fa20078f1e8ad1fb9c049cc536502a0e0d766d4c10e4786784aa6"}, kind="a whole number",
       correct="31 full batches and a last, smaller batch of 8 samples: one step each.",
       hint=lambda a: f"{a} is not the number of steps; one step per batch, and the last, smaller batch counts too.")

answer("08", 2, {"15652ef60c39da2bb56805df901d5501edd7798dd8b5dc528df9aa054df9e32c"}, kind="a whole number",
       correct="(10 x 16 + 16) + (16 x 8 + 8) + (8 x 3 + 3).",
       hint=lambda a: f"{a} is not the count: a Dense layer from n_in inputs to n_out units holds a weight for every "
                      f"pair (input, unit) and a bias for every unit; add the three layers.")

answer("08", 3, {"e833354938c3e016e1b0b21610062fb05f2e61d15a01aff4dd8797a181bd7e0c"}, kind="a name",
       correct="Binary cross-entropy needs a probability: an output in (0, 1) for any input.",
       hint=lambda a: f"{a!r}: binary cross-entropy takes ln p and ln(1 - p) of the output, so the output must be a "
                      f"probability, between 0 and 1, for any input.")


def _early_stopping(history, patience):
    """nnlib's EarlyStopping fed the history's epochs: (its best epoch over the whole run, the epoch it stops at)."""
    callback, stop = EarlyStopping(patience=patience), None
    callback.on_train_begin(SimpleNamespace(stop_training=False))
    for epoch, loss in zip(history.epoch, history.history["val_loss"]):
        callback.on_epoch_end(epoch, {"val_loss": loss})
        stop = stop if stop is not None else callback.stopped_epoch
    return callback.best_epoch, stop


def _histories(rng):
    """Made-up Histories of random lengths, with ties (losses in steps of 0.05), and a patience for each."""
    for n in rng.integers(3, 16, size=40):
        history = History()
        for epoch, loss in enumerate(np.round(rng.uniform(0.2, 0.9, size=n) * 20) / 20, start=1):
            history.append(epoch, {"loss": 1.0 / epoch, "val_loss": float(loss)})
        yield history, int(rng.integers(1, 5))


@register("08", 4)
def diagnose(answer):
    if not callable(answer):
        return f"not yet. diagnose must be a function diagnose(history, patience); got {type(answer).__name__}."
    for history, patience in _histories(np.random.default_rng(8)):
        call = f"diagnose(history, patience={patience}) with val_loss {history.history['val_loss']}"
        try:
            got = answer(history, patience)
        except Exception as error:
            return f"not yet. {call} raised {type(error).__name__}: {error}"
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            return f"not yet. {call} returned {got!r}; return a pair (best_epoch, stop_epoch)."
        (best, stop), (best_got, stop_got) = _early_stopping(history, patience), got
        if best_got != best:
            return (f"not yet. {call} returned best_epoch {best_got!r}; nnlib's EarlyStopping finds {best} (epochs "
                    f"count from 1, as in history.epoch; the first one if several tie).")
        if stop_got != stop:
            return (f"not yet. {call} returned stop_epoch {stop_got!r}; nnlib's EarlyStopping stops at {stop} "
                    f"(a new lowest value is strictly lower than every one before it).")
    return "correct. Your diagnose agrees with nnlib's EarlyStopping on 40 random Histories, ties included."
