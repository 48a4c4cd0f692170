"""The basic recipe (Ng): the gap that is the problem picks the remedies.

Every remedy is a config change (`set`, dotted keys, as `tuneup run --set` and the improve loop take
them) with a one-line reason; advice that no config change can carry out (better features, more data,
fewer rounds of choosing on dev) goes to `advice`. Remedies come for the verdict first, then for the
other problem gaps, largest first; within a gap, what the run's own history points at comes first.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from tuneup.config import Config
from tuneup.data.split import holdout_share
from tuneup.diagnose.evidence import Evidence
from tuneup.diagnose.mismatch import Mismatch
from tuneup.diagnose.training_checks import Check
from tuneup.train.lr_range import LRRange

MAX_WIDTH = 4096
MIN_WIDER = 16  # a wider tiny network grows to at least this many units (filters) per layer
IMAGE_AUGMENT = [{"name": "shift", "max": 0.1}, {"name": "rotate", "degrees": 10}]  # no flips: digits, text
TABLE_AUGMENT = [{"name": "noise", "std": 0.1}]


@dataclass
class Remedy:
    gap: str
    action: str
    why: str
    set: dict[str, Any]

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Context:
    """What the recipe looks at: the run's config and summary, and what the diagnosis measured."""

    cfg: Config
    summary: dict
    model: str  # mlp | cnn, as resolved
    checks: list[Check] = field(default_factory=list)
    mismatch: Mismatch | None = None
    lr_range: LRRange | None = None
    more_data: str | None = None  # the learning curve's answer, when one exists for this config
    evidence: Evidence | None = None  # chance level, the history's best epoch, what the data checks measured
    # baseline name -> how it compares with the network on dev: "beats" | "ties" | "worse" (beyond the noise)
    baselines: dict[str, str] = field(default_factory=dict)
    tolerance: float = 0.01

    @property
    def kind(self) -> str:
        return self.summary["data"]["kind"]

    def check(self, kind: str) -> Check | None:
        return next((c for c in self.checks if c.kind == kind), None)

    @property
    def two_sources(self) -> bool:
        return self.cfg.data.target is not None


def remedies(ctx: Context, problems: list[str]) -> tuple[list[Remedy], list[str]]:
    """Ranked remedies and advice for the problem gaps (largest first), without repeats."""
    verdict = problems[0] if problems else "ok"
    switch = family_switch(ctx, verdict, plausible=not problems)
    # a family that beats the network is tried first, but a network that did not learn is fixed first
    out: list[Remedy] = [] if verdict == "did_not_learn" else switch
    advice: list[str] = []
    for gap in problems or ["ok"]:
        r, a = family_remedies(ctx, gap) if ctx.model in FAMILIES else CATALOG[gap](ctx)
        out += r
        advice += a
    out += switch if verdict == "did_not_learn" else []
    unstable = ctx.check("unstable")
    if unstable and not {"avoidable_bias", "did_not_learn"} & set(problems):  # worth fixing whatever the verdict
        out.append(_lower_lr(ctx, unstable))
    seen: list[dict] = []
    unique = []
    for r in out:
        if r.set not in seen:
            seen.append(r.set)
            unique.append(r)
    return unique, advice


# ---- another model family ------------------------------------------------------------------------------
FAMILIES = {"linear": "a linear model (scikit-learn's LogisticRegression / LinearRegression)",
            "hgb": "gradient-boosted trees (scikit-learn's HistGradientBoosting)"}


def family_switch(ctx: Context, gap: str, plausible: bool) -> list[Remedy]:
    """The seeds' "try similar algorithms and keep the best": a baseline fitted on the same splits that
    beats the network on dev beyond the noise is a model worth training as the model (`model.kind`); when
    nothing else is wrong (`plausible`), one that is as good as the network is worth a try too."""
    import typing

    from tuneup.config import Model

    kinds = typing.get_args(Model.model_fields["kind"].annotation)
    out = []
    for name, how in ctx.baselines.items():
        if name not in FAMILIES or name not in kinds or ctx.model == name:
            continue
        if not (how == "beats" or (plausible and how == "ties")):
            continue
        said = "beats the network on dev beyond the noise" if how == "beats" else "is as good as the network on dev"
        out.append(Remedy(gap, f"{FAMILIES[name]} as the model", f"the {name} baseline {said}; as the model it is "
                          "diagnosed, analysed, exported and served like the network", {"model.kind": name}))
    return out


def family_remedies(ctx: Context, gap: str) -> tuple[list[Remedy], list[str]]:
    """The same gaps for scikit-learn's models: their own knobs (model.linear, model.hgb), the other families,
    and for a mismatch the data levers (augmentation is a network's)."""
    m = ctx.cfg.model
    out: list[Remedy | None] = []
    tighter = gap == "variance"
    if gap in ("avoidable_bias", "did_not_learn", "variance") and ctx.model == "linear":
        c = _round(m.linear.C / 10 if tighter else m.linear.C * 10)
        out.append(Remedy(gap, f"{'more' if tighter else 'less'} L2 regularisation: C {c:g}",
                          f"C {m.linear.C:g} now (the inverse of the penalty's strength)", {"model.linear.C": c}))
    if gap in ("avoidable_bias", "did_not_learn") and ctx.model == "linear":
        other = "cnn" if ctx.kind == "image" else "hgb"
        out.append(Remedy(gap, f"{'a CNN' if other == 'cnn' else FAMILIES['hgb']} as the model",
                          "a linear model cannot fit interactions and thresholds; this one can",
                          {"model.kind": other}))
    h = m.hgb
    if gap in ("avoidable_bias", "did_not_learn") and ctx.model == "hgb":
        leaves = min(2 * (h.max_leaf_nodes or 31), 1024)
        out += [Remedy(gap, f"larger trees: max_leaf_nodes {leaves}", f"{h.max_leaf_nodes} leaves now",
                       {"model.hgb.max_leaf_nodes": leaves}),
                Remedy(gap, f"more boosting: max_iter {2 * h.max_iter}", f"{h.max_iter} iterations now",
                       {"model.hgb.max_iter": 2 * h.max_iter})]
        if h.l2_regularization > 0 or h.min_samples_leaf > 5:
            out.append(Remedy(gap, "less regularisation", f"l2 {h.l2_regularization:g}, leaves of at least "
                              f"{h.min_samples_leaf} rows now",
                              {"model.hgb.l2_regularization": 0.0, "model.hgb.min_samples_leaf": 5}))
    if gap == "variance" and ctx.model == "hgb":
        l2 = 1.0 if h.l2_regularization == 0 else min(h.l2_regularization * 10, 1e4)
        out += [Remedy(gap, f"L2 on the leaves: l2_regularization {l2:g}", f"{h.l2_regularization:g} now",
                       {"model.hgb.l2_regularization": l2}),
                Remedy(gap, f"larger leaves: min_samples_leaf {2 * h.min_samples_leaf}",
                       f"{h.min_samples_leaf} rows now", {"model.hgb.min_samples_leaf": 2 * h.min_samples_leaf}),
                Remedy(gap, f"smaller trees: max_leaf_nodes {max((h.max_leaf_nodes or 31) // 2, 2)}",
                       f"{h.max_leaf_nodes} leaves now",
                       {"model.hgb.max_leaf_nodes": max((h.max_leaf_nodes or 31) // 2, 2)}),
                Remedy(gap, "each split sees half the features", f"max_features {h.max_features:g} now",
                       {"model.hgb.max_features": 0.5}) if h.max_features > 0.5 else None]
    if gap == "data_mismatch":
        r, a = data_mismatch(ctx)
        return [x for x in r if "train.augment" not in x.set], a
    if gap == "dev_overfit":
        return dev_overfit(ctx)
    if gap == "ok":
        return [], ok(ctx)[1]
    return [r for r in out if r], []


def ok(ctx: Context) -> tuple[list[Remedy], list[str]]:
    """No gap is a problem: more capacity is still plausible while the training error is above the tolerance."""
    out: list[Remedy] = []
    train = ctx.summary["ladder"].get("train")
    if ctx.model in ("mlp", "cnn") and train is not None and train > ctx.tolerance:
        wider, deeper = _wider(ctx), _deeper(ctx)
        out += [Remedy("ok", r.action, f"{r.why}; the training error ({100 * train:.1f}% or {train:.3g}) leaves room",
                       r.set) for r in (wider, deeper)]
    data = "more data of the kind that matters (the target source)" if ctx.two_sources else "more training data"
    advice = [f"{data}, or better features: no gap says which model change would help",
              "a hyperparameter sweep over the classic levers: tuneup sweep CONFIG"]
    if ctx.summary.get("human_level_error") is None:
        advice.append("the error a person makes here (human_level_error in the config): avoidable bias is judged "
                      "against the best baseline until then")
    return out, advice


# ---- avoidable bias ----------------------------------------------------------------------------------
def avoidable_bias(ctx: Context) -> tuple[list[Remedy], list[str]]:
    g, m, t = "avoidable_bias", ctx.cfg.model, ctx.cfg.train
    out: list[Remedy | None] = []
    if ctx.check("unstable"):
        out.append(_lower_lr(ctx, ctx.check("unstable")))
    if ctx.kind == "image" and ctx.model == "mlp":
        out.append(Remedy(g, "a CNN instead of an MLP", "convolutions see local shapes wherever they are in the "
                          "image; an MLP on raw pixels has to learn each position apart", {"model.kind": "cnn"}))
    if ctx.check("still_improving"):
        out.append(_train_longer(ctx, ctx.check("still_improving").message))
    out.append(_range_tested_lr(ctx))
    out += [_wider(ctx), _deeper(ctx)]
    if not ctx.check("still_improving") and ctx.summary["training"]["epochs_run"] >= t.epochs:
        out.append(_train_longer(ctx, f"training ran into its limit of {t.epochs} epochs"))
    if t.optimizer == "sgd":
        out.append(Remedy(g, "Adam instead of plain SGD", "adaptive steps per weight usually reach a lower training "
                          "loss in the same epochs", {"train.optimizer": "adam", "train.lr": 0.001}))
    if t.weight_decay > 0:
        out.append(Remedy(g, "no weight decay", f"weight decay {t.weight_decay:g} holds the weights back from fitting "
                          "the training data", {"train.weight_decay": 0.0}))
    if m.dropout > 0:
        out.append(Remedy(g, "no dropout", f"dropout {m.dropout:g} makes the training data harder to fit",
                          {"model.dropout": 0.0}))
    if not m.batch_norm:
        out.append(Remedy(g, "batch norm", "normalised layer inputs let the optimiser take larger, steadier steps",
                          {"model.batch_norm": True}))
    advice = []
    if ctx.kind == "table":
        advice.append("better features: a column that carries what the model cannot work out on its own "
                      "(ratios, counts, domain knowledge) lowers the training error where width cannot")
    return [r for r in out if r], advice


def _lower_lr(ctx: Context, check: Check, gap: str = "avoidable_bias") -> Remedy:
    lr = ctx.cfg.train.lr
    return Remedy(gap, "a 3x lower learning rate", check.message, {"train.lr": _round(lr / 3)})


def _range_tested_lr(ctx: Context, gap: str = "avoidable_bias") -> Remedy | None:
    test, lr = ctx.lr_range, ctx.cfg.train.lr
    if test is None or not (test.suggested >= 3 * lr or test.suggested <= lr / 3):
        return None
    return Remedy(gap, f"learning rate {_round(test.suggested):g} (range test)",
                  f"a learning-rate range test ({len(test.lrs)} steps from {test.lrs[0]:.0e}) found the loss lowest "
                  f"near {test.at_minimum:.2g}, so about {_round(test.suggested):g}; the run used {lr:g}",
                  {"train.lr": _round(test.suggested)})


def _wider(ctx: Context) -> Remedy:
    m = ctx.cfg.model
    if ctx.model == "cnn":
        wider = [min(max(2 * c, MIN_WIDER), 1024) for c in m.channels]
        return Remedy("avoidable_bias", f"a wider network: channels {wider}",
                      f"more filters per layer ({m.channels} now) can fit more of the training data",
                      {"model.channels": wider})
    wider = [min(max(2 * h, MIN_WIDER), MAX_WIDTH) for h in m.hidden] or [64]
    return Remedy("avoidable_bias", f"a wider network: hidden {wider}",
                  f"more units per layer ({m.hidden} now) can fit more of the training data", {"model.hidden": wider})


def _deeper(ctx: Context) -> Remedy:
    m = ctx.cfg.model
    if ctx.model == "cnn":
        deeper = [*m.channels, min(2 * m.channels[-1], 1024)]
        return Remedy("avoidable_bias", f"a deeper network: channels {deeper}",
                      "one more conv block sees larger shapes", {"model.channels": deeper})
    deeper = [*m.hidden, m.hidden[-1]] if m.hidden else [64]
    return Remedy("avoidable_bias", f"a deeper network: hidden {deeper}",
                  "one more layer composes more complex functions of the inputs", {"model.hidden": deeper})


def _train_longer(ctx: Context, why: str) -> Remedy:
    epochs = min(ctx.cfg.train.epochs * 2, 100_000)
    return Remedy("avoidable_bias", f"train longer: {epochs} epochs", why, {"train.epochs": epochs})


# ---- did not learn -----------------------------------------------------------------------------------
def did_not_learn(ctx: Context) -> tuple[list[Remedy], list[str]]:
    """Optimisation, not capacity: a network at chance on its own training data is not helped by a bigger one."""
    from tuneup.models.nets import auto_channels

    g, m, t = "did_not_learn", ctx.cfg.model, ctx.cfg.train
    out: list[Remedy | None] = []
    unstable = ctx.check("unstable")
    if unstable:
        out.append(_lower_lr(ctx, unstable, g))
    out.append(_range_tested_lr(ctx, g))
    if not unstable and not any(r and "train.lr" in r.set for r in out):
        lr = _round(min(t.lr * 10, 1.0))
        out.append(Remedy(g, f"a 10x higher learning rate ({lr:g})", f"at {t.lr:g} the weights barely moved: the "
                          "training loss stayed where it started", {"train.lr": lr}))
    if ctx.kind == "image" and ctx.model == "mlp":
        out.append(Remedy(g, "a CNN instead of an MLP", "convolutions learn local shapes from far fewer examples "
                          "than an MLP on raw pixels", {"model.kind": "cnn"}))
    shape = ctx.summary["data"].get("image_shape")
    if ctx.model == "cnn" and shape and (m.channels != auto_channels(shape) or m.head_grid != 4):
        default = auto_channels(shape)
        out.append(Remedy(g, f"the default architecture (channels {default}, a 4x4 head)",
                          f"channels {m.channels} with a {m.head_grid}x{m.head_grid} head: the measured default for "
                          f"{shape[1]}x{shape[2]} images fits in far fewer epochs",
                          {"model.channels": default, "model.head_grid": 4}))
    if t.optimizer == "sgd":
        out.append(Remedy(g, "Adam instead of plain SGD", "adaptive steps per weight start learning at rates where "
                          "plain SGD stalls", {"train.optimizer": "adam", "train.lr": 0.001}))
    epochs = ctx.summary["training"]["epochs_run"]
    if epochs < min(t.epochs, 20) or epochs >= t.epochs:
        more = min(max(2 * t.epochs, 20), 100_000)
        out.append(Remedy(g, f"train longer: {more} epochs", f"{epochs} epochs ran", {"train.epochs": more}))
    if m.dropout >= 0.5:
        out.append(Remedy(g, "no dropout", f"dropout {m.dropout:g} drowns the signal", {"model.dropout": 0.0}))
    if t.weight_decay >= 0.01:
        out.append(Remedy(g, "no weight decay", f"weight decay {t.weight_decay:g} pulls every weight back to zero",
                          {"train.weight_decay": 0.0}))
    if not m.batch_norm and ctx.model in ("mlp", "cnn"):
        out.append(Remedy(g, "batch norm", "normalised layer inputs make training far less sensitive to the "
                          "learning rate and the initialisation", {"model.batch_norm": True}))
    advice = ["if nothing here helps, check that the target can be predicted from these inputs at all: the "
              "baselines' training errors show what a simple model finds"]
    return [r for r in out if r], advice


# ---- variance ----------------------------------------------------------------------------------------
def variance(ctx: Context) -> tuple[list[Remedy], list[str]]:
    g, m, t = "variance", ctx.cfg.model, ctx.cfg.train
    out: list[Remedy | None] = []
    overfit = ctx.check("overfitting")
    if t.early_stopping is None:
        why = overfit.message if overfit else "stop when the dev loss stops improving, and keep the best epoch"
        out.append(Remedy(g, "early stopping", why, {"train.early_stopping": {"patience": 5}}))
    wd = 0.01 if t.weight_decay == 0 else min(t.weight_decay * 10, 1.0)
    out.append(Remedy(g, f"weight decay {wd:g}", f"L2 on the weights ({t.weight_decay:g} now) keeps the network "
                      "from fitting the training set's noise", {"train.weight_decay": wd}))
    p = 0.3 if m.dropout == 0 else min(round(m.dropout + 0.2, 2), 0.7)
    if p > m.dropout:
        out.append(Remedy(g, f"dropout {p:g}", f"dropping units at random ({m.dropout:g} now) stops them from "
                          "co-adapting to the training examples", {"model.dropout": p}))
    out.append(_augment(ctx))
    smaller = ([max(c // 2, 4) for c in m.channels] if ctx.model == "cnn" else [max(h // 2, 4) for h in m.hidden])
    key = "model.channels" if ctx.model == "cnn" else "model.hidden"
    if smaller and smaller != (m.channels if ctx.model == "cnn" else m.hidden):
        out.append(Remedy(g, f"a smaller network: {key.split('.')[1]} {smaller}",
                          "fewer weights leave less room to memorise the training examples", {key: smaller}))
    if not m.batch_norm:
        out.append(Remedy(g, "batch norm", "the noise of batch statistics regularises a little",
                          {"model.batch_norm": True}))
    return [r for r in out if r], [ctx.more_data or "more training data of the same kind: `tuneup curve CONFIG` "
                                   "estimates how much it would help"]


def _augment(ctx: Context) -> Remedy | None:
    t = ctx.cfg.train
    new = IMAGE_AUGMENT if ctx.kind == "image" else TABLE_AUGMENT
    have = {_aug_name(a) for a in t.augment}
    added = [a for a in new if a["name"] not in have]
    if not added:
        return None
    names = ", ".join(a["name"] for a in added)
    what = "images" if ctx.kind == "image" else "rows"
    return Remedy("variance", f"data augmentation: {names}", f"new variations of the training {what} every epoch: "
                  "more data, as far as the model can tell", {"train.augment": [*t.augment, *added]})


def _aug_name(spec) -> str:
    if isinstance(spec, str):
        return spec
    return spec.get("name") or next(iter(spec))


# ---- data mismatch -------------------------------------------------------------------------------------
def data_mismatch(ctx: Context) -> tuple[list[Remedy], list[str]]:
    g, t, split = "data_mismatch", ctx.cfg.train, ctx.cfg.data.split
    out: list[Remedy | None] = []
    mm = ctx.mismatch
    toward = _toward_target(ctx, mm) if mm is not None and mm.image is not None and mm.image.augmentations else None
    if toward is not None and ctx.two_sources and split.target_in_train == 0:
        # both levers at once, first: what a practitioner short of time does, and on shifted images the two
        # together often help where either alone is within the noise (the loop tries each alone after it)
        out.append(Remedy(g, "move 20% of the target data into training and " + toward.action[0].lower()
                          + toward.action[1:], "the target's own examples teach what the training source lacks, and "
                          "the augmentation makes the rest of the training data look like them; " + toward.why,
                          {"data.split.target_in_train": 0.2, **toward.set}))
    out.append(toward)
    if ctx.kind == "table" and ctx.two_sources and t.importance_weights == "none":
        shifted = (mm.shifted if mm else [])[:3]
        cols = ", ".join(f"{s.column} ({s.reference_summary} -> {s.current_summary})" for s in shifted)
        found = f"the target rows differ most in {cols}" if cols else "the target rows differ from the training rows"
        out.append(Remedy(g, "importance weights from a training-vs-target classifier",
                          f"{found}; weighting training rows by how target-like they look makes the training loss "
                          "the target's", {"train.importance_weights": "domain"}))
    if ctx.two_sources and split.target_in_train > 0 and t.target_weight == 1.0:
        out.append(Remedy(g, "count the target rows in training as much as the training source's",
                          f"{split.target_in_train:.0%} of the target data is in training, but its rows are few "
                          "against the training source's: weighted, they pull the model toward the distribution that "
                          "matters", {"train.target_weight": "balanced"}))
    if ctx.two_sources and split.target_in_train < 0.6:
        now = split.target_in_train
        share = 0.2 if now == 0 else min(round(now + 0.2, 2), 0.6)
        out.append(Remedy(g, f"move {share:.0%} of the target data into training" + (f" ({now:.0%} now)" if now else ""),
                          "training on some data of the kind that matters teaches what the training source lacks; "
                          "dev and test become the rest of the target data", {"data.split.target_in_train": share}))
    if ctx.two_sources and split.target_in_train == 0:
        out.append(Remedy(g, "move 20% of the target data into training, counted as much as the training source",
                          "a few target rows among many training-source rows barely move the model; weighted so that "
                          "both sources count alike, they teach it the distribution that matters",
                          {"data.split.target_in_train": 0.2, "train.target_weight": "balanced"}))
    meta = [c for c in ctx.cfg.data.meta if c != "source"]
    run = ctx.summary["run"]
    advice = [f"compare train-dev and dev errors by slice: tuneup errors {run}"
              + "".join(f" --by {c}" for c in meta) + " (which kinds of target examples fail)"]
    if not ctx.two_sources:
        advice.append("train-dev and dev come from the same data here, so a gap between them is unexpected: check that "
                      "the rows are not ordered by time or group before the split")
    return [r for r in out if r], advice


def _toward_target(ctx: Context, mm: Mismatch) -> Remedy | None:
    """The measured augmentations, relative to what the config already has: a transform it lacks is added
    as measured; one it has at least as strong as measured is made 1.5x stronger (to the caps); one it has
    weaker is raised to the measured magnitude. None when every transform is already at its cap."""
    from tuneup.data.transforms import MAGNITUDE_CAPS, TRANSFORMS, parse_specs

    current = parse_specs(ctx.cfg.train.augment)
    have = dict(current)
    measured = {a["name"]: a for a in mm.image.augmentations}
    new, changes = [], []
    for spec in ctx.cfg.train.augment:
        if _aug_name(spec) not in measured:
            new.append(spec)  # the config's other transforms stay as they are
    for name, wanted in measured.items():
        if name not in have:
            new.append(wanted)
            changes.append(name)
            continue
        spec = dict(wanted)
        if have[name]["p"] != TRANSFORMS[name].defaults["p"]:
            spec["p"] = have[name]["p"]  # how often the config applies it stays the config's
        for key, value in wanted.items():
            if key == "name" or key not in MAGNITUDE_CAPS:
                continue
            cur = have[name].get(key, value)
            spec[key] = value if value > cur else round(min(cur * 1.5, MAGNITUDE_CAPS[key]), 3)
            if spec[key] != cur:
                changes.append(f"{name} {key} {cur:g} -> {spec[key]:g}")
        new.append(spec)
    if not changes or parse_specs(new) == current:
        return None
    stronger = all(name in have for name in measured)
    action = ("stronger augmentation toward the target: " if stronger
              else "augment training images to look like the target: ") + ", ".join(changes)
    return Remedy("data_mismatch", action, "; ".join(mm.image.reasons)
                  + f" (measured on {mm.n_train} training and {mm.n_target} dev images)", {"train.augment": new})


# ---- dev overfitting -----------------------------------------------------------------------------------
def dev_overfit(ctx: Context) -> tuple[list[Remedy], list[str]]:
    s = ctx.cfg.data.split
    if ctx.two_sources:
        dev, test = s.dev or 0.5, s.test or 0.5
        share = min(round(dev / (dev + test) + 0.15, 2), 0.8)
        change = {"data.split.dev": share, "data.split.test": round(1 - share, 2)}
    else:
        n = sum(ctx.summary["data"]["split_sizes"].values())
        share = min(round((s.dev or holdout_share(n)) * 1.5, 3), 0.4)
        if share + (s.test or holdout_share(n)) + (s.train_dev or 0) >= 0.9:  # leave training something
            return [], [f"a larger dev set: the splits leave no room for one (dev {s.dev}, test {s.test}); "
                        "collect more data", _fewer_rounds(ctx)]
        change = {"data.split.dev": share}
    remedy = Remedy("dev_overfit", f"a larger dev set ({share:.0%})", "choices tuned to a small dev set fit its noise; "
                    "a larger one is harder to overfit (this re-splits, so the next test is a fresh look)", change)
    return [remedy], [_fewer_rounds(ctx)]


def _fewer_rounds(ctx: Context) -> str:
    uses = ctx.summary.get("test_evaluations", 0)
    return (f"choose on dev fewer times: every comparison on dev fits it a little more "
            f"(test has been evaluated {uses} time{'s' if uses != 1 else ''} for this test set)")


CATALOG: dict[str, Callable[[Context], tuple[list[Remedy], list[str]]]] = {
    "did_not_learn": did_not_learn, "avoidable_bias": avoidable_bias, "variance": variance, "ok": ok,
    "data_mismatch": data_mismatch, "dev_overfit": dev_overfit,
}


def _round(x: float) -> float:
    """One significant digit: 0.00333 -> 0.003."""
    return float(f"{x:.1g}")
