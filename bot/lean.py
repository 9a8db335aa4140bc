"""Rasa's server without TensorFlow, until something really needs it.

The pipeline (bot/config.yml) has no TensorFlow component: the classifiers are
logistic regressions and the only policy is RulePolicy. TensorFlow was still
imported by every Rasa server, two ways:

- ``rasa.core.agent`` → ``rasa.core.policies.policy`` → … → ``rasa.utils.train_utils``,
  which imports ``rasa.utils.tensorflow.callback`` (Keras callbacks) and
  ``rasa.utils.tensorflow.data_generator`` (a Keras ``Sequence``) for the helpers
  that train DIET and TED;
- loading a model reads its train schema, which names Rasa's
  ``DefaultV1RecipeValidator``; its module imports DIET, TED and the ResponseSelector
  for the checks it makes before training.

TensorFlow was about half of a Rasa server's memory (bench/README.md, "One turn hop
by hop, both profiles": 650 MB an instance with it, 310 MB without).

:func:`install` defers those three modules. Importing one gives a stand-in module
whose names are stand-in classes that load the real module on first use (a call, an
attribute, an ``isinstance``) and hand over to it; from then on ``sys.modules`` holds
the real module, so any later import gets Rasa's own code. Nothing in a serving
process uses them; training (``rasa train``, which does not call :func:`install`) is
unchanged, and a component that needs TensorFlow still gets it, only later.
``python -m bot`` is ``python -m rasa`` with this installed. (Rasa also imports
TensorFlow at start when ``TF_INTRA_OP_PARALLELISM_THREADS`` or
``TF_INTER_OP_PARALLELISM_THREADS`` is set: the profiles leave them unset.)

Rasa is pinned (3.6.21); tests/bot/test_lean.py checks that a server loads the model
and answers with no TensorFlow library mapped, and that the stand-ins give Rasa's own
classes once used.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
import threading
from collections.abc import Sequence
from types import ModuleType
from typing import Any

# The modules deferred, and the names taken from them while a server starts:
# rasa/utils/train_utils.py imports the first two's names (and calls them only in
# training code); a model's train schema names the validator (its class is looked up,
# never run, when the model is loaded).
DEFERRED: dict[str, tuple[str, ...]] = {
    "rasa.utils.tensorflow.callback": ("RasaTrainingLogger", "RasaModelCheckpoint"),
    "rasa.utils.tensorflow.data_generator": (
        "RasaDataGenerator",
        "RasaBatchDataGenerator",
    ),
    "rasa.graph_components.validators.default_recipe_validator": (
        "DefaultV1RecipeValidator",
    ),
}

_lock = threading.RLock()


def _real(name: str) -> ModuleType:
    """Rasa's own module ``name``, imported now (once) and put in ``sys.modules``."""
    with _lock:
        module = sys.modules.get(name)
        if module is not None and not getattr(module, "__deferred__", False):
            return module
        parent, _, _ = name.rpartition(".")
        spec = importlib.machinery.PathFinder.find_spec(
            name, sys.modules[parent].__path__
        )
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot find {name}", name=name)
        real = importlib.util.module_from_spec(spec)
        sys.modules[name] = real
        try:
            spec.loader.exec_module(real)
        except BaseException:
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
            raise
        setattr(sys.modules[parent], name.rpartition(".")[2], real)
        return real


class _StandIn(type):
    """The metaclass of a stand-in: every use of the class is a use of Rasa's own."""

    __deferred_module__: str

    def real(cls) -> Any:
        return getattr(_real(cls.__deferred_module__), cls.__name__)

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return cls.real()(*args, **kwargs)

    def __getattr__(cls, attribute: str) -> Any:
        # Looking for a special name (typing, introspection) is not a use.
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        return getattr(cls.real(), attribute)

    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, cls.real())

    def __subclasscheck__(cls, subclass: type) -> bool:
        return issubclass(subclass, cls.real())


class _DeferredModule(ModuleType):
    __deferred__ = True

    def __init__(self, name: str) -> None:
        super().__init__(name)
        # One stand-in per name, with the real class's module and name, so that a
        # model's graph schema written back names Rasa's own class.
        for attribute in DEFERRED[name]:
            stand_in = _StandIn(attribute, (), {"__deferred_module__": name})
            stand_in.__module__ = name
            setattr(self, attribute, stand_in)

    def __getattr__(self, attribute: str) -> Any:
        # Another name does not load the real module: tools that look a name up in
        # every module of sys.modules (pickle's and skops' whichmodule, when the
        # answer selector is loaded) would import TensorFlow that way.
        raise AttributeError(
            f"module {self.__name__!r} is deferred by bot.lean, which gives only "
            f"{', '.join(DEFERRED[self.__name__])} before its first use"
        )


class _Loader(importlib.abc.Loader):
    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return _DeferredModule(spec.name)

    def exec_module(self, module: ModuleType) -> None:
        return None


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in DEFERRED or fullname in sys.modules:
            return None
        return importlib.machinery.ModuleSpec(fullname, _Loader())


_finder = _Finder()


def install() -> None:
    """Defers the TensorFlow-only modules of Rasa's training helpers (idempotent).

    Has no effect on a module already imported."""
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
