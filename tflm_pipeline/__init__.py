"""tflm-pipeline: Keras -> int8/ternary TFLite -> compiled Cortex-M firmware, checked against TFLM.

Data flows through the subpackages in one direction, and imports only point upstream:
compression (layers) -> quantization -> convert -> compiler -> emulate -> cli.
"""

__version__ = "0.1.0"
