"""modelspec: declarative Keras 3 models from YAML/JSON specs."""

from modelspec.api import build, from_model, load, validate
from modelspec.diagnostics import Diagnostic, Severity, SpecError
from modelspec.spec import Spec

__version__ = "0.1.0"
__all__ = ["load", "validate", "build", "from_model", "Spec", "Diagnostic", "Severity", "SpecError"]
