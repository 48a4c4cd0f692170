"""The pipeline: from a config to a finished run folder, the same way for every model tuneup trains.

    staging.py      read the sources, fill in task and metric from the data, split (`stage`: also what the
                    data checks and `tuneup init` look at)
    preparation.py  fit the encoder on train only and encode every split (`prepare`, cached per data set;
                    `Prepared.resplit` cuts the same data another way), fill in what the config leaves to the
                    data (`resolve_settings`: architecture, learning rate; `as_resolved`)
    trainer.py      a fresh model, head, augmentations and device for a config (`build`)
    training.py     `train_into(folder, prepared, cfg)`: train (or fit, or write a model trained elsewhere)
                    and evaluate into a run folder; run, resume, K-fold, sweeps, ensembles, improve all call it
    family.py       a scikit-learn family fitted into a run folder (`fit_into`)
    folder.py       the run folder's common part: inputs, predictions, baselines, threshold, test ledger,
                    summary.json (`new_run_folder`, `write_run`)
    hparams.py      TensorBoard's HParams session of a run folder

`tuneup.run` (`workflow.py`) puts the data checks in front of it and K-fold models beside it.
"""
from __future__ import annotations

from tuneup._lazy import lazy_exports

_EXPORTS = {
    "Inferred": "staging", "Staged": "staging", "resolve_task": "staging", "stage": "staging",
    "Prepared": "preparation", "prepare": "preparation", "resolve_settings": "preparation",
    "as_resolved": "preparation", "find_lr": "preparation", "encode": "preparation",
    "training_tensors": "preparation",
    "build": "trainer",
    "Trained": "training", "train_into": "training",
    "new_run_folder": "folder", "write_run": "folder", "absolute_paths": "folder", "write_predictions": "folder",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
