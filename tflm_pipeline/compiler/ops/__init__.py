"""Per-operator code generators. Importing this package registers every supported operator."""

import importlib
import pkgutil

from .base import REGISTRY, Arg, KernelCall, OpContext, register

for _mod in pkgutil.iter_modules(__path__):
    if _mod.name != "base":
        importlib.import_module(f"{__name__}.{_mod.name}")

__all__ = ["REGISTRY", "Arg", "KernelCall", "OpContext", "register"]
