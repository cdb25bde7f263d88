#!/usr/bin/env bash
# Install everything tflm-pipeline needs on a Debian machine (run as root), into ./.venv.
#   Debian: the Arm GNU toolchain + newlib, QEMU for the Cortex-M boards, the Fashion-MNIST data,
#           espeak-ng (synthesized keywords), a host C compiler.
#   PyPI:   the project with its test and data extras (TensorFlow 2.21, tf-keras, tfmot, tflite-micro).
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(gcc libc6-dev gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
              dataset-fashion-mnist espeak-ng)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ! command -v python3 >/dev/null || ! python3 -c "import venv, ensurepip" 2>/dev/null; then
  missing+=(python3 python3-venv python3-pip)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
if ! .venv/bin/python -c "import tflm_pipeline, tensorflow, tf_keras, tflite_micro, pytest" 2>/dev/null \
   || [ pyproject.toml -nt .venv/.installed ]; then
  echo "setup: installing Python packages into .venv (first run takes a few minutes)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[test,data]"
  touch .venv/.installed
fi
echo "setup: ready (activate with: source .venv/bin/activate)"
