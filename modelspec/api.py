"""The four public functions: load, validate, build and from_model."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from modelspec.diagnostics import Diagnostic, SpecError
from modelspec.spec import Spec, SpecLike, _read, load

if TYPE_CHECKING:
    import keras

__all__ = ["load", "validate", "build", "from_model"]

# A spec from a stranger must not make `build`/`summary` allocate without
# bound: one billion float32 parameters are 4 GB (see builder._bounded_build).
DEFAULT_MAX_PARAMS = 1_000_000_000


def validate(source: SpecLike, *, allow_unsafe: bool = False) -> list[Diagnostic]:
    """Every problem in a spec, located and sorted; an empty list means valid.

    Never imports TensorFlow, Keras or any module the spec names.

    Args:
        source: a path, a dict, or a Spec.
        allow_unsafe: accept Lambda layers and other refused classes.

    Returns:
        Diagnostics (errors and warnings), sorted by position. Loading
        problems (missing file, bad YAML) are returned too, not raised.
        A bare Keras model file (to_json(), get_config()) is checked as a
        spec's model section, with a note saying so.
    """
    from modelspec.validator import validate_document

    spec, diagnostics = _read(source)
    if spec is None:
        return diagnostics
    return spec.locate(diagnostics + validate_document(spec.data, allow_unsafe=allow_unsafe))


def load_with_overrides(source: SpecLike, overrides: list[str]) -> Spec:
    """load(), then apply `--set KEY=VALUE` overrides (see modelspec.overrides).

    Raises:
        SpecError: the file cannot be read, or an override is malformed; a
            problem in an override names it (`--set[1]`).
    """
    import dataclasses

    from modelspec.overrides import apply_overrides

    spec = load(source)
    if not overrides:
        return spec
    data, applied, problems = apply_overrides(spec.data, overrides)
    if problems:
        raise SpecError(problems)
    return dataclasses.replace(spec, data=data, overrides=tuple(applied))


def build(source: SpecLike, *, allow_plugins: bool = False, allow_unsafe: bool = False,
          max_params: int | None = DEFAULT_MAX_PARAMS) -> keras.Model:
    """Build the Keras model a spec describes, compiled when it has `compile`.

    Args:
        source: a path, a dict, or a Spec.
        allow_plugins: import the modules listed in the spec's `plugins`.
        allow_unsafe: accept refused classes such as Lambda (with a warning).
        max_params: refuse, before allocating anything, a model with more
            parameters than this; None: no limit.

    Returns:
        A `keras.Model` (Functional or Sequential).

    Raises:
        SpecError: the spec is invalid, or Keras rejected it (for example
            incompatible shapes); every diagnostic is located.
    """
    from modelspec.builder import build_spec

    spec = load(source)
    return build_spec(spec, allow_plugins=allow_plugins, allow_unsafe=allow_unsafe, max_params=max_params)


def from_model(model: keras.Model) -> dict[str, Any]:
    """A complete concise spec for a Keras model.

    Returns:
        `{"modelspec": 1, "model": {...}}`, plus `compile` when the model is
        compiled. Parameters equal to their Keras defaults are left out;
        `build(from_model(m)).get_config() == m.get_config()`.
    """
    from modelspec.convert import spec_from_model

    return spec_from_model(model)
