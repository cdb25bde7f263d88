"""The one place TensorFlow is imported: it forces the Keras 2 world (tf_keras).

tensorflow-model-optimization only works with Keras 2, so every module that needs TensorFlow
or Keras does ``from tflm_pipeline.tf import tf, keras``. Setting ``TF_USE_LEGACY_KERAS`` before
the first TensorFlow import keeps ``tf.keras`` and ``tf_keras`` the same module in this process.
"""

import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402

__all__ = ["tf", "keras"]
