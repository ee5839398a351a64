"""Generators of random and hostile spec inputs, shared by the fuzz tests and
`benchmarks/bench_fuzz.py`. Importing this module never imports TensorFlow.

Every generator is a plain function of a `random.Random`-like object `rnd`
(only `random`, `randint`, `randrange`, `choice`, `choices`, `sample`,
`shuffle`, `uniform` and `randbytes` are used), so that

- the benchmark drives them with `random.Random(f"{seed}:{index}")`, and any
  input it reports can be generated again from its seed and index;
- the hypothesis strategies below drive them with `st.randoms(...)`, whose
  draws come from hypothesis's own choice sequence (so failures shrink and
  replay from the example database).

What there is:

- `gen_valid_spec(rnd)` / `valid_specs()`: structurally valid concise specs
  (random DAGs of built-in Keras layers whose shapes fit, 1-3 inputs, 1-2
  outputs, optionally a `compile` section with per-output losses and loss
  weights). They are meant to validate and build.
- `gen_mutated_spec(rnd)` / `mutated_specs()`: a seed document (an example spec
  from `specs/`, a file of `../shared/corpus/keras-configs/` when present, a
  hand-written verbatim Keras 3 model, a tf.keras 2 file, Keras 2 and 3 Lambda
  layers with marshalled bytecode, or a valid generated spec) with 1-6
  mutations: deleted keys, swapped value types, random and unicode strings,
  wrong references, huge numbers, NaN/inf, deep nesting, empty containers,
  lists where mappings are expected, renamed keys, duplicated layers, ...
- `gen_param_mutated_spec(rnd)` / `param_mutated_specs()`: a generated valid spec
  with 1-2 parameters set to plausible-looking impossible values (units 0, rate
  1.5, axis 5, dtype int8, ...): aimed at build, where Keras finds them.
- `dump_text(data, fmt, rnd)` / `write_spec(data, path, rnd)`: a mutated spec
  as YAML or JSON text / file.
- `gen_raw_text(rnd)` / `raw_texts()`: raw bytes for the loader: truncations,
  byte flips, inserted syntax tokens and invalid UTF-8 in real spec texts, and
  whole hostile files (alias bombs, 100,000-deep brackets, 5,000-digit
  numbers, many documents, ...). Returns `(bytes, suffix)`.
"""

from __future__ import annotations

import copy
import functools
import json
import math
import string
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
SPEC_DIR = ROOT / "specs"
CORPUS_DIR = ROOT.parent / "shared" / "corpus" / "keras-configs"
#: Corpus files larger than this are not used as seeds (they only slow things down).
MAX_SEED_BYTES = 20_000
#: Mutated documents stay below this many nodes (a few MB of text at most).
MAX_NODES = 200_000

# --------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------

ACTIVATIONS = ["relu", "sigmoid", "tanh", "linear", "softmax", "elu", "selu", "gelu", "swish",
               "softplus", "relu6", "leaky_relu", "silu", "hard_sigmoid", "mish", None]
INITIALIZERS: list[Any] = [
    "glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "lecun_uniform", "zeros", "ones",
    "random_normal", "truncated_normal", "orthogonal",
    {"class_name": "RandomNormal", "config": {"stddev": 0.05}},
    {"class_name": "RandomUniform", "config": {"minval": -0.1, "maxval": 0.1, "seed": 3}},
    {"class_name": "VarianceScaling", "config": {"scale": 2.0, "mode": "fan_in"}},
    {"class_name": "Constant", "config": {"value": 0.1}},
]
REGULARIZERS: list[Any] = [None, "l2", "l1", {"class_name": "L2", "config": {"l2": 0.01}},
                           {"class_name": "L1L2", "config": {"l1": 0.001, "l2": 0.001}}]
CONSTRAINTS: list[Any] = [None, "non_neg", "unit_norm", {"class_name": "MaxNorm", "config": {"max_value": 2}}]
LOSSES: list[Any] = ["mse", "mae", "binary_crossentropy", "categorical_crossentropy", "huber",
                     "mean_squared_error", "log_cosh", "poisson",
                     {"class_name": "MeanSquaredError", "config": {}},
                     {"class_name": "BinaryCrossentropy", "config": {"from_logits": True}}]
METRICS: list[Any] = ["accuracy", "mae", "mse", "binary_accuracy", "AUC", "root_mean_squared_error"]
OPTIMIZERS: list[Any] = ["adam", "rmsprop", "sgd", "adamw", "nadam", "adagrad",
                         {"class_name": "Adam", "config": {"learning_rate": 0.001}},
                         {"class_name": "SGD", "config": {"learning_rate": 0.01, "momentum": 0.9}}]

#: class_name values a mutation may put in: real layers, refused ones, model
#: classes, old Keras names and classes Keras never had.
CLASS_NAMES = [
    "Dense", "Conv1D", "Conv2D", "LSTM", "GRU", "Embedding", "InputLayer", "Dropout", "Flatten", "Reshape",
    "Concatenate", "Add", "Multiply", "Activation", "BatchNormalization", "TimeDistributed", "Bidirectional",
    "MultiHeadAttention", "StringLookup", "TextVectorization", "Rescaling", "Normalization", "Lambda",
    "TFSMLayer", "TorchModuleWrapper", "JaxLayer", "Functional", "Sequential", "Model", "Merge",
    "Convolution2D", "TimeDistributedDense", "BinaryDense", "Dense2", "dense", "", "__keras_tensor__",
    "function", "__lambda__", "DTypePolicy", "GlorotUniform", "Adam",
]
#: Keys with a meaning somewhere in modelspec (envelopes, legacy files, node forms).
SPECIAL_KEYS = [
    "modelspec", "model", "compile", "plugins", "seed", "name", "class_name", "config", "module",
    "registered_name", "build_config", "compile_config", "inbound_nodes", "input_layers", "output_layers",
    "layers", "keras_version", "backend", "batch_input_shape", "batch_shape", "shape", "dtype",
    "args", "kwargs", "ref", "keras_history", "__keras_tensor__", "__lambda__", "shared_object_id",
    "modelTopology", "model_config", "weightsManifest", "data", "fit", "evaluate", "predict",
    "loss", "loss_weights", "metrics", "optimizer", "function", "layer", "cell", "<<",
]
UNICODE_STRINGS = [
    "é", "名前", "слой", "🙂", "🧨💥", "\u202eevil", "\u200b", "\ufeff", "a\u0000b", "\x00", "\t\n\r",
    "\u2028\u2029", "\x85", "Ω≈ç√", "\U0010ffff", "\\", "'\"", "\ud800", "x\udcffy", "ﬁ", "İ",
]
PLAIN_STRINGS = [
    "", " ", "0", "1", "-1", "null", "~", "true", "no", "yes", "NaN", ".inf", "-.inf", "1e3", "1e-3",
    "0x1F", "0o17", "12:30:45", "2001-12-14", "relu", "adam", "mse", "Dense", "x", "x[0]", "x[0][0]",
    "x[1]", "x[99][99]", "[0]", "x[", "x]]", "x[-1]", "x[0][0][0]", "x[99999999999999999999]", "..",
    "../../etc/passwd", "/abs/path", "a/b", "a~1b", "keras", "keras.layers", "os", "subprocess",
    "builtins", "keras.src.ops.numpy", "my_plugin", "%s%n%x", "${HOME}", "{{x}}", "<<", "*a", "&a",
    "!!python/object/apply:os.system", "__import__('os')", "lambda x: x", "float32", "int32",
    "mixed_float16", "channels_first", "same", "valid",
]
NAME_ALPHABET = string.ascii_lowercase + string.digits + "_-."

_NAN = float("nan")
_INF = float("inf")
HUGE_NUMBERS: list[Any] = [1e308, -1e308, 10**30, -(10**30), 2**31, 2**32, 2**63, 2**64, -(2**63),
                           10**100, 1.7976931348623157e308, 5e-324, -0.0, 1e-308]
SPECIAL_FLOATS = [_NAN, _INF, -_INF]


def _rand_name(rnd: Any, *, max_len: int = 10) -> str:
    first = rnd.choice(string.ascii_lowercase)
    return first + "".join(rnd.choice(NAME_ALPHABET) for _ in range(rnd.randint(0, max_len))).replace("..", "_")


def random_string(rnd: Any) -> str:
    """A short random string: printable, unicode, control characters or a known token."""
    kind = rnd.randrange(6)
    if kind == 0:
        return rnd.choice(PLAIN_STRINGS)
    if kind == 1:
        return rnd.choice(UNICODE_STRINGS)
    if kind == 2:
        return "".join(rnd.choice(string.printable) for _ in range(rnd.randint(0, 12)))
    if kind == 3:
        return "".join(chr(rnd.randint(0, 0x2FFFF)) for _ in range(rnd.randint(1, 6)))
    if kind == 4:  # long
        return rnd.choice(["a", "ab", "é", "🙂", "x[0]", " "]) * rnd.choice([100, 1000, 10_000, 100_000])
    return _rand_name(rnd)


def random_scalar(rnd: Any) -> Any:
    kind = rnd.randrange(7)
    if kind == 0:
        return rnd.choice([None, True, False])
    if kind == 1:
        return rnd.choice([0, 1, -1, 2, 3, 7, 64, 255, 256, 1000, 65536])
    if kind == 2:
        return rnd.choice(HUGE_NUMBERS)
    if kind == 3:
        return rnd.choice(SPECIAL_FLOATS)
    if kind == 4:
        return rnd.choice([0.0, 0.5, -0.5, 1.5, 1e-7, 3.14, 100.0, -1e9])
    return random_string(rnd)


def random_value(rnd: Any, depth: int = 0) -> Any:
    """A random JSON-like value (small)."""
    kind = rnd.randrange(6 if depth < 3 else 4)
    if kind < 3:
        return random_scalar(rnd)
    if kind == 3:
        return rnd.choice([[], {}, [None], {"": None}])
    if kind == 4:
        return [random_value(rnd, depth + 1) for _ in range(rnd.randint(0, 3))]
    return {_random_key(rnd): random_value(rnd, depth + 1) for _ in range(rnd.randint(0, 3))}


def _random_key(rnd: Any) -> Any:
    kind = rnd.randrange(10)
    if kind < 4:
        return rnd.choice(SPECIAL_KEYS)
    if kind == 4:  # keys YAML can hold but JSON cannot (dump_text turns them into strings for JSON)
        return rnd.choice([0, 1, -1, 1.5, True, False, None])
    return random_string(rnd)


def deep_value(rnd: Any, depth: int | None = None) -> Any:
    """A value nested `depth` levels (lists, mappings or both), built without recursion."""
    depth = depth if depth is not None else rnd.choice([2, 10, 50, 200, 500, 700, 900, 990, 999, 1000, 1001, 1200])
    style = rnd.randrange(3)
    value: Any = rnd.choice([1, "x", None, []])
    for i in range(depth):
        if style == 0 or (style == 2 and i % 2):
            value = [value]
        else:
            value = {"a": value}
    return value


# --------------------------------------------------------------------------
# Valid specs
# --------------------------------------------------------------------------


class _Tensor:
    __slots__ = ("ids", "index", "layer", "node", "shape", "vocab")

    def __init__(self, layer: str, node: int, index: int, shape: tuple[int, ...], *, ids: bool = False,
                 vocab: int = 0):
        self.layer, self.node, self.index, self.shape, self.ids, self.vocab = layer, node, index, shape, ids, vocab


class _SpecBuilder:
    """Grows a random layer DAG whose shapes fit, then closes it to 1-2 outputs."""

    def __init__(self, rnd: Any):
        self.rnd = rnd
        self.entries: list[dict[str, Any]] = []
        self.by_name: dict[str, dict[str, Any]] = {}
        self.names: set[str] = set()
        self.tensors: list[_Tensor] = []  # float tensors that later layers may use
        # (layer, node) -> its first tensor: calls whose outputs no later layer reads yet
        self.unused: dict[tuple[str, int], _Tensor] = {}
        self.denses: list[tuple[str, int, int]] = []  # (name, input width, units): candidates for sharing
        self.sequential_ok = True  # a plain chain so far

    # -- helpers --
    def name(self, prefix: str) -> str:
        rnd = self.rnd
        while True:
            style = rnd.randrange(4)
            if style == 0:
                name = _rand_name(rnd)
            elif style == 1:
                name = f"{prefix}{rnd.randint(0, 99)}"
            else:
                name = f"{prefix}_{len(self.entries)}"
            if name not in self.names:
                self.names.add(name)
                return name

    def ref(self, t: _Tensor) -> str:
        if t.node == 0 and t.index == 0:
            return self.rnd.choice([t.layer, t.layer, f"{t.layer}[0]", f"{t.layer}[0][0]"])
        if t.index == 0:
            return self.rnd.choice([f"{t.layer}[{t.node}]", f"{t.layer}[{t.node}][0]"])
        return f"{t.layer}[{t.node}][{t.index}]"

    def use(self, *tensors: _Tensor) -> None:
        for t in tensors:
            self.unused.pop((t.layer, t.node), None)

    def add(self, class_name: str, config: dict[str, Any], inputs: list[_Tensor] | _Tensor | None,
            out_shapes: list[tuple[int, ...]], prefix: str, *, ids: bool = False, vocab: int = 0) -> list[_Tensor]:
        name = self.name(prefix)
        entry: dict[str, Any] = {"class_name": class_name, "config": {"name": name, **config}}
        if inputs is None:
            entry["inbound_nodes"] = []
        elif isinstance(inputs, list):
            entry["inbound_nodes"] = [[self.ref(t) for t in inputs]]
            self.use(*inputs)
            self.sequential_ok = False
        else:
            entry["inbound_nodes"] = [self.ref(inputs)]
            self.use(inputs)
        if inputs is None and self.rnd.random() < 0.7:
            del entry["inbound_nodes"]  # optional on InputLayers
        self.entries.append(entry)
        self.by_name[name] = entry
        outs = [_Tensor(name, 0, i, shape, ids=ids, vocab=vocab) for i, shape in enumerate(out_shapes)]
        if not ids:
            self.tensors.extend(outs)
        self.unused[(name, 0)] = outs[0]
        return outs

    def pick(self, condition: Callable[[_Tensor], bool] = lambda t: True) -> _Tensor | None:
        found = [t for t in self.tensors if condition(t)]
        if not found:
            return None
        # prefer recent tensors (deeper graphs), and unused ones (fewer merges at the end)
        recent = found[-3:] + [t for t in found if (t.layer, t.node) in self.unused]
        return self.rnd.choice(recent if self.rnd.random() < 0.7 else found)

    # -- inputs --
    def input(self) -> None:
        rnd = self.rnd
        kind = rnd.randrange(3)
        if kind == 0:
            shape: tuple[int, ...] = (rnd.randint(1, 16),)
            self.add("InputLayer", {"shape": list(shape)}, None, [shape], "in")
        elif kind == 1:
            shape = (rnd.randint(2, 8), rnd.randint(1, 8))
            config: dict[str, Any] = {"shape": list(shape)}
            if rnd.random() < 0.3:
                config["dtype"] = "float32"
            self.add("InputLayer", config, None, [shape], "seq")
        else:
            length, vocab = rnd.randint(1, 8), rnd.randint(2, 100)
            (ids,) = self.add("InputLayer", {"shape": [length], "dtype": rnd.choice(["int32", "int64"])},
                              None, [(length,)], "ids", ids=True, vocab=vocab)
            config = {"input_dim": vocab, "output_dim": rnd.randint(1, 8)}
            if rnd.random() < 0.3:
                config["embeddings_initializer"] = rnd.choice(INITIALIZERS[:6])
            self.add("Embedding", config, ids, [(length, config["output_dim"])], "emb")

    # -- layers --
    def dense_config(self, units: int) -> dict[str, Any]:
        rnd = self.rnd
        config: dict[str, Any] = {"units": units}
        if rnd.random() < 0.7:
            config["activation"] = rnd.choice(ACTIVATIONS)
        if rnd.random() < 0.2:
            config["use_bias"] = rnd.random() < 0.5
        if rnd.random() < 0.3:
            config["kernel_initializer"] = copy.deepcopy(rnd.choice(INITIALIZERS))
        if rnd.random() < 0.15:
            config["kernel_regularizer"] = copy.deepcopy(rnd.choice(REGULARIZERS))
        if rnd.random() < 0.1:
            config["kernel_constraint"] = copy.deepcopy(rnd.choice(CONSTRAINTS))
        return config

    def dense(self, t: _Tensor, units: int | None = None) -> _Tensor:
        units = units or self.rnd.randint(1, 16)
        (out,) = self.add("Dense", self.dense_config(units), t, [t.shape[:-1] + (units,)], "dense")
        self.denses.append((out.layer, t.shape[-1], units))
        return out

    def step(self) -> None:
        rnd = self.rnd
        op = rnd.choice(["dense", "dense", "dropout", "activation", "layernorm", "batchnorm", "flatten",
                         "reshape", "concat", "merge", "conv1d", "rnn", "pool", "shared"])
        getattr(self, "op_" + op)()

    def op_dense(self) -> None:
        t = self.pick()
        if t is not None:
            self.dense(t)

    def op_dropout(self) -> None:
        t = self.pick()
        if t is not None:
            config: dict[str, Any] = {"rate": round(self.rnd.uniform(0.0, 0.9), 2)}
            if self.rnd.random() < 0.3:
                config["seed"] = self.rnd.randint(0, 1000)
            self.add("Dropout", config, t, [t.shape], "drop")

    def op_activation(self) -> None:
        t = self.pick()
        if t is not None:
            activation = self.rnd.choice([a for a in ACTIVATIONS if a is not None])
            self.add("Activation", {"activation": activation}, t, [t.shape], "act")

    def op_layernorm(self) -> None:
        t = self.pick()
        if t is not None:
            config: dict[str, Any] = {}
            if self.rnd.random() < 0.5:
                config["epsilon"] = self.rnd.choice([1e-3, 1e-5, 1e-6])
            if self.rnd.random() < 0.3:
                config["center"] = self.rnd.random() < 0.5
            self.add("LayerNormalization", config, t, [t.shape], "ln")

    def op_batchnorm(self) -> None:
        t = self.pick()
        if t is not None:
            config: dict[str, Any] = {}
            if self.rnd.random() < 0.5:
                config["momentum"] = self.rnd.choice([0.9, 0.99, 0.5])
            if self.rnd.random() < 0.3:
                config["epsilon"] = self.rnd.choice([1e-3, 1e-5])
            self.add("BatchNormalization", config, t, [t.shape], "bn")

    def op_flatten(self) -> None:
        t = self.pick()
        if t is not None:
            self.add("Flatten", {}, t, [(math.prod(t.shape),)], "flat")

    def op_reshape(self) -> None:
        t = self.pick()
        if t is None:
            return
        size = math.prod(t.shape)
        divisors = [d for d in range(1, size + 1) if size % d == 0]
        a = self.rnd.choice(divisors)
        target = self.rnd.choice([[size], [a, size // a]])
        self.add("Reshape", {"target_shape": target}, t, [tuple(target)], "reshape")

    def op_concat(self) -> None:
        t = self.pick()
        if t is None:
            return
        same = [u for u in self.tensors if len(u.shape) == len(t.shape) and u.shape[:-1] == t.shape[:-1]]
        group = [t] + self.rnd.sample(same, min(len(same), self.rnd.randint(1, 2)))
        if len(group) < 2:
            return
        config: dict[str, Any] = {}
        if self.rnd.random() < 0.5:
            config["axis"] = -1
        width = sum(u.shape[-1] for u in group)
        self.add("Concatenate", config, group, [t.shape[:-1] + (width,)], "concat")

    def op_merge(self) -> None:
        t = self.pick()
        if t is None:
            return
        cls = self.rnd.choice(["Add", "Add", "Multiply", "Average", "Maximum", "Minimum", "Subtract"])
        others = [u for u in self.tensors if u.shape == t.shape and u is not t]
        if others and self.rnd.random() < 0.6:
            group = [t] + self.rnd.sample(others, 1 if cls == "Subtract" else min(len(others), self.rnd.randint(1, 2)))
        else:  # a residual connection: t + Dense(some tensor with t's leading shape)
            source = self.pick(lambda u: u.shape[:-1] == t.shape[:-1]) or t
            group = [t, self.dense(source, t.shape[-1])]
        self.add(cls, {}, group, [t.shape], cls.lower())

    def op_conv1d(self) -> None:
        t = self.pick(lambda u: len(u.shape) == 2)
        if t is None:
            return
        steps = t.shape[0]
        kernel = self.rnd.randint(1, steps)
        padding = self.rnd.choice(["valid", "same", "causal"])
        filters = self.rnd.randint(1, 8)
        config: dict[str, Any] = {"filters": filters, "kernel_size": self.rnd.choice([kernel, [kernel]]),
                                  "padding": padding}
        if self.rnd.random() < 0.5:
            config["activation"] = self.rnd.choice(ACTIVATIONS)
        out_steps = steps - kernel + 1 if padding == "valid" else steps
        self.add("Conv1D", config, t, [(out_steps, filters)], "conv")

    def op_rnn(self) -> None:
        t = self.pick(lambda u: len(u.shape) == 2)
        if t is None:
            return
        cls = self.rnd.choice(["LSTM", "GRU", "SimpleRNN"])
        units = self.rnd.randint(1, 8)
        config: dict[str, Any] = {"units": units}
        sequences = self.rnd.random() < 0.5
        if sequences or self.rnd.random() < 0.3:
            config["return_sequences"] = sequences
        first = (t.shape[0], units) if sequences else (units,)
        shapes = [first]
        if self.rnd.random() < 0.25:
            config["return_state"] = True
            shapes += [(units,)] * (2 if cls == "LSTM" else 1)
        if self.rnd.random() < 0.2:
            config["dropout"] = 0.1
        self.add(cls, config, t, shapes, cls.lower())

    def op_pool(self) -> None:
        t = self.pick(lambda u: len(u.shape) == 2)
        if t is not None:
            cls = self.rnd.choice(["GlobalAveragePooling1D", "GlobalMaxPooling1D"])
            self.add(cls, {}, t, [(t.shape[1],)], "pool")

    def op_shared(self) -> None:
        """Call an existing Dense a second (third...) time: a shared layer."""
        if not self.denses:
            return
        name, width, units = self.rnd.choice(self.denses)
        t = self.pick(lambda u: u.shape[-1] == width and u.layer != name)
        if t is None:
            return
        entry = self.by_name[name]
        nodes = entry["inbound_nodes"]
        nodes.append(self.ref(t))
        self.use(t)
        self.sequential_ok = False
        out = _Tensor(name, len(nodes) - 1, 0, t.shape[:-1] + (units,))
        self.tensors.append(out)
        self.unused[(name, out.node)] = out

    # -- closing --
    def vector(self, t: _Tensor) -> _Tensor:
        if len(t.shape) == 1:
            return t
        cls = self.rnd.choice(["Flatten", "GlobalAveragePooling1D", "LSTM"])
        if cls == "Flatten":
            return self.add("Flatten", {}, t, [(math.prod(t.shape),)], "flat")[0]
        if cls == "LSTM":
            units = self.rnd.randint(1, 8)
            return self.add("LSTM", {"units": units}, t, [(units,)], "lstm")[0]
        return self.add(cls, {}, t, [(t.shape[-1],)], "pool")[0]

    def close(self, n_outputs: int) -> list[str]:
        while len(self.unused) > n_outputs:
            a, b = self.rnd.sample(list(self.unused.values()), 2)
            a, b = self.vector(a), self.vector(b)
            self.add("Concatenate", {}, [a, b], [(a.shape[0] + b.shape[0],)], "join")
        leaves = list(self.unused.values())
        heads = []
        for i in range(n_outputs):
            t = leaves[i % len(leaves)]
            units = self.rnd.randint(1, 5)
            config = {"units": units, "activation": self.rnd.choice(["sigmoid", "softmax", "linear", "relu"])}
            (out,) = self.add("Dense", config, t, [t.shape[:-1] + (units,)], "out")
            heads.append(out.layer)
        return heads


def gen_valid_spec(rnd: Any) -> dict[str, Any]:
    """A structurally valid concise spec: a random DAG of built-in layers whose shapes fit."""
    b = _SpecBuilder(rnd)
    n_inputs = rnd.choice([1, 1, 2, 3])
    for _ in range(n_inputs):
        b.input()
    inputs = [e["config"]["name"] for e in b.entries if e["class_name"] == "InputLayer"]
    for _ in range(rnd.randint(0, 8)):
        b.step()
    n_outputs = rnd.choice([1, 1, 2])
    outputs = b.close(n_outputs)
    entries = b.entries
    model_name = _rand_name(rnd)

    sequential = (n_inputs == 1 and n_outputs == 1 and b.sequential_ok and rnd.random() < 0.3
                  and all(len(e.get("inbound_nodes", [])) <= 1 for e in entries))
    if sequential:
        layers = []
        for e in entries:
            e = dict(e)
            e.pop("inbound_nodes", None)
            layers.append(e)
        model = {"class_name": "Sequential", "config": {"name": model_name, "layers": layers}}
    else:
        if rnd.random() < 0.3:  # another topological order of the same graph
            entries = _topological_shuffle(rnd, entries)
        for e in entries:
            if e["class_name"] == "InputLayer":
                e.pop("inbound_nodes", None) if rnd.random() < 0.5 else e.setdefault("inbound_nodes", [])
        config: dict[str, Any] = {"name": model_name, "layers": entries}
        if n_inputs == 1 and rnd.random() < 0.5:
            config["input_layers"] = inputs[0]
        elif rnd.random() < 0.15:
            config["input_layers"] = {name: name for name in inputs}
        else:
            config["input_layers"] = list(inputs)
        config["output_layers"] = outputs[0] if n_outputs == 1 and rnd.random() < 0.5 else list(outputs)
        model = {"class_name": "Functional", "config": config}

    spec: dict[str, Any] = {"modelspec": 1}
    if rnd.random() < 0.5:
        spec["name"] = model_name
    if rnd.random() < 0.3:
        spec["seed"] = rnd.randint(0, 2**32 - 1)
    spec["model"] = model
    if rnd.random() < 0.6:
        spec["compile"] = _gen_compile(rnd, outputs)
    return spec


def _topological_shuffle(rnd: Any, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = {e["config"]["name"] for e in entries}
    deps: dict[str, set[str]] = {}
    for e in entries:
        found: set[str] = set()
        for node in e.get("inbound_nodes", []):
            for ref in node if isinstance(node, list) else [node]:
                found.add(ref.split("[")[0])
        deps[e["config"]["name"]] = (found & names) - {e["config"]["name"]}
    done: set[str] = set()
    order: list[dict[str, Any]] = []
    pending = list(entries)
    while pending:
        ready = [e for e in pending if deps[e["config"]["name"]] <= done]
        if not ready:  # a shared layer called on a later tensor: keep the original order
            return entries
        e = rnd.choice(ready)
        pending.remove(e)
        done.add(e["config"]["name"])
        order.append(e)
    return order


def _gen_compile(rnd: Any, outputs: list[str]) -> dict[str, Any]:
    compile_: dict[str, Any] = {"optimizer": copy.deepcopy(rnd.choice(OPTIMIZERS))}
    style = rnd.randrange(3)
    losses = [copy.deepcopy(rnd.choice(LOSSES)) for _ in outputs]
    if style == 0 or len(outputs) == 1 and rnd.random() < 0.5:
        compile_["loss"] = losses[0]
    elif style == 1:
        compile_["loss"] = losses
    else:
        compile_["loss"] = dict(zip(outputs, losses))
    if rnd.random() < 0.5:
        weights = [rnd.choice([1.0, 0.5, 0.2, 0, 2, 1e-3]) for _ in outputs]
        wstyle = rnd.randrange(3)
        compile_["loss_weights"] = (weights if wstyle == 0 else dict(zip(outputs, weights)) if wstyle == 1
                                    else weights[0])
    if rnd.random() < 0.5:
        metrics = [rnd.sample(METRICS, rnd.randint(1, 2)) for _ in outputs]
        mstyle = rnd.randrange(3)
        compile_["metrics"] = (metrics[0] if mstyle == 0 else dict(zip(outputs, metrics)) if mstyle == 1
                               else metrics[0][0])
    if rnd.random() < 0.1:
        compile_["run_eagerly"] = False
    if rnd.random() < 0.1:
        compile_["jit_compile"] = False
    if rnd.random() < 0.1:
        compile_["steps_per_execution"] = rnd.randint(1, 4)
    return compile_


# --------------------------------------------------------------------------
# Seed documents
# --------------------------------------------------------------------------

#: A Keras 3 `to_json()` of a small Functional model, written out by hand:
#: verbatim envelopes and `__keras_tensor__` node arguments.
VERBATIM_FUNCTIONAL: dict[str, Any] = {
    "module": "keras", "class_name": "Functional", "registered_name": "Functional",
    "config": {
        "name": "verbatim", "trainable": True,
        "layers": [
            {"module": "keras.layers", "class_name": "InputLayer", "registered_name": None, "name": "x",
             "config": {"batch_shape": [None, 3], "dtype": "float32", "sparse": False, "ragged": False,
                        "name": "x", "optional": False},
             "inbound_nodes": []},
            {"module": "keras.layers", "class_name": "Dense", "registered_name": None, "name": "d",
             "build_config": {"input_shape": [None, 3]},
             "config": {"name": "d", "trainable": True,
                        "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
                                  "registered_name": None},
                        "units": 2, "activation": "relu", "use_bias": True,
                        "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform",
                                               "config": {"seed": None}, "registered_name": None},
                        "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros",
                                             "config": {}, "registered_name": None},
                        "kernel_regularizer": None, "bias_regularizer": None,
                        "kernel_constraint": None, "bias_constraint": None},
             "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__",
                                          "config": {"shape": [None, 3], "dtype": "float32",
                                                     "keras_history": ["x", 0, 0]}}],
                                "kwargs": {}}]},
            {"module": "keras.layers", "class_name": "Add", "registered_name": None, "name": "add",
             "build_config": {"input_shape": [[None, 2], [None, 2]]},
             "config": {"name": "add", "trainable": True, "dtype": "float32"},
             "inbound_nodes": [{"args": [[{"class_name": "__keras_tensor__",
                                           "config": {"shape": [None, 2], "dtype": "float32",
                                                      "keras_history": ["d", 0, 0]}},
                                          {"class_name": "__keras_tensor__",
                                           "config": {"shape": [None, 2], "dtype": "float32",
                                                      "keras_history": ["d", 0, 0]}}]],
                                "kwargs": {}}]},
        ],
        "input_layers": [["x", 0, 0]],
        "output_layers": [["add", 0, 0]],
    },
    "build_config": {"input_shape": [None, 3]},
    "compile_config": {"optimizer": "adam", "loss": "mse", "loss_weights": None, "metrics": None,
                       "weighted_metrics": None, "run_eagerly": False, "steps_per_execution": 1,
                       "jit_compile": False},
}

#: A tf.keras 2 `to_json()` with list-style nodes and batch_input_shape.
LEGACY_TF_KERAS: dict[str, Any] = {
    "class_name": "Model", "keras_version": "2.4.0", "backend": "tensorflow",
    "config": {"name": "model", "layers": [
        {"class_name": "InputLayer", "name": "input_1",
         "config": {"batch_input_shape": [None, 4], "dtype": "float32", "sparse": False, "ragged": False,
                    "name": "input_1"}, "inbound_nodes": []},
        {"class_name": "Dense", "name": "dense",
         "config": {"name": "dense", "units": 2, "init": "glorot_uniform", "W_regularizer": None},
         "inbound_nodes": [[["input_1", 0, 0, {}]]]},
        {"class_name": "Merge", "name": "merge",
         "config": {"name": "merge", "mode": "concat", "concat_axis": -1},
         "inbound_nodes": [[["dense", 0, 0, {}], ["input_1", 0, 0, {}]]]},
    ], "input_layers": [["input_1", 0, 0]], "output_layers": [["merge", 0, 0]]},
}


def _lambda_code() -> str:
    """base64 of a marshalled `lambda x: x` code object, as Keras writes a Lambda
    (compiled here, never run; modelspec must only read its header)."""
    import base64
    import marshal

    code = compile("lambda x: x", "<fuzz>", "eval").co_consts[0]
    return base64.b64encode(marshal.dumps(code)).decode("ascii")


def _lambda_specs() -> list[tuple[str, Any]]:
    code = _lambda_code()
    keras3 = {"class_name": "Lambda",
              "config": {"name": "lam", "function": {"class_name": "__lambda__",
                                                    "config": {"code": code, "defaults": None, "closure": None}},
                         "output_shape": None, "arguments": {}},
              "inbound_nodes": ["x"]}
    keras2 = {"class_name": "Lambda", "name": "lam",
              "config": {"name": "lam", "function": [code, None, None], "function_type": "lambda",
                         "output_shape": None, "output_shape_type": "raw", "arguments": {}},
              "inbound_nodes": [[["x", 0, 0, {}]]]}
    x3 = {"class_name": "InputLayer", "config": {"name": "x", "shape": [2]}}
    x2 = {"class_name": "InputLayer", "name": "x", "config": {"name": "x", "batch_input_shape": [None, 2]},
          "inbound_nodes": []}
    return [
        ("lambda_keras3", {"modelspec": 1, "model": {"class_name": "Functional", "config": {
            "name": "m", "layers": [x3, keras3], "input_layers": ["x"], "output_layers": ["lam"]}}}),
        ("lambda_keras2", {"class_name": "Model", "keras_version": "2.2.4", "backend": "tensorflow",
                           "config": {"name": "m", "layers": [x2, keras2], "input_layers": [["x", 0, 0]],
                                      "output_layers": [["lam", 0, 0]]}}),
    ]


class _OldYamlLoader(yaml.SafeLoader):
    """The safe loader, plus the two tags old Keras to_yaml() files use."""


_OldYamlLoader.add_constructor("tag:yaml.org,2002:python/tuple", lambda loader, node: loader.construct_sequence(node))
_OldYamlLoader.add_constructor("tag:yaml.org,2002:python/unicode", lambda loader, node: loader.construct_scalar(node))


def _seed_paths() -> list[Path]:
    paths = sorted(SPEC_DIR.glob("*.yaml"))
    if CORPUS_DIR.is_dir():
        paths += sorted(p for p in CORPUS_DIR.iterdir()
                        if p.suffix in (".json", ".yaml") and p.name != "manifest.json"
                        and p.stat().st_size <= MAX_SEED_BYTES)
    return paths


@functools.cache
def seed_documents() -> tuple[tuple[str, Any], ...]:
    """(name, data) of every seed document, loaded once."""
    seeds: list[tuple[str, Any]] = []
    for path in _seed_paths():
        text = path.read_text(encoding="utf-8")
        try:
            data = json.loads(text) if path.suffix == ".json" else yaml.load(text, Loader=_OldYamlLoader)
        except (ValueError, yaml.YAMLError):
            continue
        seeds.append((path.name, data))
    seeds.append(("verbatim_functional", {"modelspec": 1, "model": VERBATIM_FUNCTIONAL}))
    seeds.append(("verbatim_bare", VERBATIM_FUNCTIONAL))
    seeds.append(("legacy_tf_keras", {"modelspec": 1, "model": LEGACY_TF_KERAS}))
    seeds.extend(_lambda_specs())
    return tuple(seeds)


@functools.cache
def seed_texts() -> tuple[tuple[str, bytes], ...]:
    """(file name, raw bytes) of every seed file."""
    return tuple((p.name, p.read_bytes()) for p in _seed_paths())


# --------------------------------------------------------------------------
# Structural mutations
# --------------------------------------------------------------------------

Path_ = tuple  # a path into a document: keys and indices


def _all_paths(data: Any, limit: int = 20_000) -> list[Path_]:
    """Paths of every node (the root is ()), iteratively, at most `limit`."""
    out: list[Path_] = []
    stack: list[tuple[Path_, Any]] = [((), data)]
    while stack and len(out) < limit:
        path, value = stack.pop()
        out.append(path)
        if isinstance(value, dict):
            stack.extend((path + (k,), v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((path + (i,), v) for i, v in enumerate(value))
    return out


def _get(data: Any, path: Path_) -> Any:
    for token in path:
        data = data[token]
    return data


def _set(data: Any, path: Path_, value: Any) -> Any:
    """Set the node at path; returns the (possibly new) root."""
    if not path:
        return value
    _get(data, path[:-1])[path[-1]] = value
    return data


def _layer_names(data: Any) -> list[str]:
    names = []
    for path in _all_paths(data):
        if path and path[-1] == "name":
            value = _get(data, path)
            if isinstance(value, str):
                names.append(value)
    return names or ["x"]


def _swap_type(rnd: Any, value: Any) -> Any:
    if isinstance(value, bool):
        return rnd.choice([str(value).lower(), int(value), [value], None])
    if isinstance(value, (int, float)):
        return rnd.choice([str(value), [value], {"value": value}, bool(value), float(value) if isinstance(value, int)
                           else int(value) if math.isfinite(value) else str(value), None])
    if isinstance(value, str):
        return rnd.choice([[value], {value: value}, {"class_name": value}, 1, 0.5, True, None,
                           value.encode("utf-8", "surrogatepass").hex()])
    if isinstance(value, list):
        return rnd.choice([{str(i): v for i, v in enumerate(value)}, value[0] if value else None,
                           json.dumps(value, default=str), len(value), [value]])
    if isinstance(value, dict):
        return rnd.choice([list(value.values()), list(value.keys()), [value], json.dumps(value, default=str),
                           next(iter(value.values()), None), len(value)])
    return rnd.choice([{}, [], "", 0])


def _wrong_reference(rnd: Any, names: list[str]) -> Any:
    name = rnd.choice(names)
    kind = rnd.randrange(10)
    if kind == 0:
        return f"{name}[{rnd.choice([1, 2, 7, 10**6, 10**30])}]"
    if kind == 1:
        return f"{name}[0][{rnd.choice([1, 2, 3, 99])}]"
    if kind == 2:
        return rnd.choice([f"{name}[-1]", f"{name}[", f"{name}]", f"{name}[0][0][0]", f"{name}[a]",
                           f"{name} [0]", f"[0]{name}", f"{name}[0x1]", f"{name}[ 0 ]", f"{name}[٣]"])
    if kind == 3:
        return name + random_string(rnd)
    if kind == 4:
        return [name, name]
    if kind == 5:
        return [[name]]
    if kind == 6:
        return {"ref": rnd.choice([name, f"{name}[0][0]", 5, None, [name]])}
    if kind == 7:
        return {"args": [{"ref": name}], "kwargs": rnd.choice([{}, {"training": True}, {"mask": {"ref": name}},
                                                              {"x": {"class_name": "Adam", "config": {}}}])}
    if kind == 8:
        return {"class_name": "__keras_tensor__",
                "config": {"shape": [None, 3], "dtype": "float32",
                           "keras_history": rnd.choice([[name, 0, 0], [name, 5, 0], [name], [1, 2, 3], name])}}
    return [name, rnd.choice([0, 1, -1, 99]), rnd.choice([0, 1]), {}]


def mutate(data: Any, rnd: Any, n: int | None = None) -> Any:
    """`data` (not changed) with `n` random mutations (1-6 by default)."""
    n = n if n is not None else rnd.choice([1, 1, 1, 2, 2, 3, 4, 6])
    with _Deep():  # deepcopy of a 1,200-deep value
        data = copy.deepcopy(data)
        for _ in range(n):
            before = copy.deepcopy(data)
            data = _mutate_once(data, rnd)
            if len(_all_paths(data, limit=MAX_NODES + 1)) > MAX_NODES:
                data = before  # big lists of big lists: keep files far below the loader's 64 MiB
    return data


def _mutate_once(data: Any, rnd: Any) -> Any:
    paths = _all_paths(data)
    path = rnd.choice(paths)
    value = _get(data, path)
    op = rnd.randrange(24)
    if op == 0 and path:  # delete the node
        parent = _get(data, path[:-1])
        del parent[path[-1]]
        return data
    if op == 1:
        return _set(data, path, random_scalar(rnd))
    if op == 2:
        return _set(data, path, _swap_type(rnd, value))
    if op == 3:
        return _set(data, path, random_string(rnd))
    if op == 4:
        return _set(data, path, rnd.choice(HUGE_NUMBERS))
    if op == 5:
        return _set(data, path, rnd.choice(SPECIAL_FLOATS))
    if op == 6:
        return _set(data, path, deep_value(rnd))
    if op == 7:
        return _set(data, path, rnd.choice([{}, [], "", None, [{}], [[]], {"": {}}]))
    if op == 8:  # a list where a mapping is expected, and the reverse
        return _set(data, path, [value] if not isinstance(value, list) else {"0": value})
    if op == 9 and isinstance(value, dict):  # add a key
        value[_random_key(rnd)] = random_value(rnd)
        return data
    if op == 10 and isinstance(value, dict) and value:  # rename a key
        key = rnd.choice(list(value))
        new = _misspell(rnd, key) if isinstance(key, str) else random_string(rnd)
        value[new] = value.pop(key)
        return data
    if op == 11 and isinstance(value, list) and value:  # duplicate an item (duplicate layers, nodes)
        value.insert(rnd.randrange(len(value) + 1), copy.deepcopy(rnd.choice(value)))
        return data
    if op == 12 and isinstance(value, list) and len(value) > 1:
        rnd.shuffle(value)
        return data
    if op in (13, 14):  # a wrong, odd or cyclic reference in a string that could be a reference
        strings = [p for p in paths if isinstance(_get(data, p), str)]
        if strings:
            return _set(data, rnd.choice(strings), _wrong_reference(rnd, _layer_names(data)))
    if op == 15:  # a class_name swapped
        classes = [p for p in paths if p and p[-1] == "class_name"]
        if classes:
            return _set(data, rnd.choice(classes), rnd.choice(CLASS_NAMES))
    if op == 16:  # a number nudged to a boundary
        numbers = [p for p in paths if isinstance(_get(data, p), (int, float)) and not isinstance(_get(data, p), bool)]
        if numbers:
            p = rnd.choice(numbers)
            v = _get(data, p)
            return _set(data, p, rnd.choice([0, -1, -v, v + 1, v * 1000, v / 3, 10**9, 1e-9, 2**31 - 1]))
    if op == 17 and isinstance(value, dict):  # a key that means something elsewhere
        value[rnd.choice(SPECIAL_KEYS)] = rnd.choice([random_value(rnd), copy.deepcopy(value), "keras.layers",
                                                      "2.4.0", "tensorflow", ["os"], {"class_name": "Lambda"}])
        return data
    if op == 18:  # a layer name made a duplicate of another, or hostile
        names = [p for p in paths if p and p[-1] == "name"]
        if names:
            return _set(data, rnd.choice(names), rnd.choice(_layer_names(data) + ["a/b", "..", "", "x" * 300,
                                                                                   "名", "a b", "a[0]"]))
    if op == 19 and isinstance(value, list):  # a big list (of one shared item: cheap until written)
        item = value[0] if value else None
        size = len(_all_paths(item, limit=MAX_NODES))
        return _set(data, path, [item] * max(2, min(rnd.choice([100, 1000, 3000]), MAX_NODES // size)))
    if op == 20 and len(paths) > 1:  # move a subtree somewhere else
        other = rnd.choice(paths)
        return _set(data, path, copy.deepcopy(_get(data, other)))
    if op in (22, 23):  # a string edited in place (references, base64 bytecode, names, module paths)
        strings = [p for p in paths if isinstance(_get(data, p), str)]
        if strings:
            p = rnd.choice(strings)
            return _set(data, p, _edit_string(rnd, _get(data, p)))
    if op == 21 and not path:  # the whole document replaced
        return rnd.choice([[data], None, "modelspec: 1", 1, [], {"modelspec": data}])
    return _set(data, path, random_value(rnd))


def _edit_string(rnd: Any, text: str) -> str:
    i = rnd.randint(0, len(text))
    kind = rnd.randrange(5)
    if kind == 0:
        return text[:i]
    if kind == 1 and text:
        j = rnd.randrange(len(text))
        return text[:j] + rnd.choice(string.printable + "é名\x00") + text[j + 1:]
    if kind == 2:
        return text[:i] + rnd.choice(["[0]", "[1][0]", "=", "/", ".", "..", "A", "==", "\n", "\\"]) + text[i:]
    if kind == 3:
        return text[i:] + text[:i]
    return text * rnd.randint(2, 5)


def _misspell(rnd: Any, key: str) -> str:
    if not key:
        return "_"
    i = rnd.randrange(len(key))
    kind = rnd.randrange(5)
    if kind == 0:
        return key[:i] + key[i + 1:]
    if kind == 1:
        return key[:i] + rnd.choice(string.ascii_lowercase) + key[i:]
    if kind == 2:
        return key.upper()
    if kind == 3:
        return key + " "
    return key[:i] + rnd.choice(UNICODE_STRINGS) + key[i:]


PARAM_VALUES: list[Any] = [0, -1, -5, 1, 2, 3, 10**6, 2**31, 0.0, 1.0, 1.5, -0.1, 1e-30, 1e30, True, False, None,
                           [], [0], [-1], [None], [1, 1, 1], [2, 0], "same", "causal", "valid", "full",
                           "channels_first", "bfloat16", "float16", "int8", "string", "mixed_float16",
                           "softmax", "zeros", "l2", "max_norm"]
#: Parameters a layer may take but the generated ones leave out.
EXTRA_PARAMS = ["axis", "dtype", "trainable", "strides", "dilation_rate", "groups", "padding", "data_format",
                "mask_zero", "go_backwards", "stateful", "unroll", "return_state", "noise_shape", "seed",
                "input_length", "input_dim", "epsilon", "momentum", "center", "scale", "use_bias",
                "recurrent_dropout", "activity_regularizer", "bias_initializer", "output_dim", "units"]


def param_mutate(spec: dict[str, Any], rnd: Any, n: int | None = None) -> dict[str, Any]:
    """A copy of a generated spec with 1-2 layer parameters (or compile values) set to
    values of plausible types but often impossible ones (units 0, rate 1.5, axis 5,
    kernel wider than the sequence, dtype int8, ...): specs that may pass validation
    and fail only in Keras, where build must turn the failure into a located SpecError."""
    spec = copy.deepcopy(spec)
    layers = spec["model"]["config"]["layers"]
    for _ in range(n if n is not None else rnd.choice([1, 1, 2])):
        if "compile" in spec and rnd.random() < 0.15:
            key = rnd.choice(["loss", "loss_weights", "metrics", "optimizer", "steps_per_execution"])
            spec["compile"][key] = rnd.choice(PARAM_VALUES + LOSSES + METRICS + OPTIMIZERS)
            continue
        config = rnd.choice(layers)["config"]
        keys = [k for k in config if k != "name"]
        key = rnd.choice(keys) if keys and rnd.random() < 0.7 else rnd.choice(EXTRA_PARAMS)
        config[key] = copy.deepcopy(rnd.choice(PARAM_VALUES))
    return spec


def gen_param_mutated_spec(rnd: Any) -> dict[str, Any]:
    """`param_mutate` of a generated valid spec."""
    return param_mutate(gen_valid_spec(rnd), rnd)


def gen_mutated_spec(rnd: Any) -> Any:
    """A seed document (example spec, corpus file, verbatim model or generated spec), mutated."""
    seeds = seed_documents()
    if rnd.random() < 0.3:
        base = gen_valid_spec(rnd)
    else:
        base = rnd.choice(seeds)[1]
    return mutate(base, rnd)


# --------------------------------------------------------------------------
# Writing specs out
# --------------------------------------------------------------------------


#: Larger JSON texts are written without indentation.
MAX_TEXT_CHARS = 16 * 1024 * 1024


class _Deep:
    """Raise the recursion limit while dumping deeply nested data."""

    def __enter__(self) -> None:
        self.old = sys.getrecursionlimit()
        sys.setrecursionlimit(max(self.old, 30_000))

    def __exit__(self, *exc: object) -> None:
        sys.setrecursionlimit(self.old)


def _json_keys(value: Any) -> Any:
    """Keys JSON cannot hold (None, bools, numbers) turned into strings; iteratively safe enough."""
    if isinstance(value, dict):
        return {(k if isinstance(k, str) else json.dumps(k)): _json_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_keys(v) for v in value]
    return value


def dump_text(data: Any, fmt: str, rnd: Any = None) -> bytes:
    """`data` as YAML or JSON bytes (UTF-8; lone surrogates pass through as CESU bytes).
    JSON may hold NaN/Infinity (Python's json writes them); YAML may hold non-string keys."""
    style = rnd.randrange(4) if rnd is not None else 0
    with _Deep():
        if fmt == "json":
            text = json.dumps(_json_keys(data), ensure_ascii=style % 2 == 0, indent=None if style < 2 else 2)
        else:
            try:
                text = yaml.safe_dump(data, sort_keys=False, allow_unicode=style % 2 == 0,
                                      default_flow_style=[False, None, True, False][style], width=100)
            except (yaml.YAMLError, ValueError, TypeError, RecursionError):
                # JSON is YAML too (flow style)
                text = json.dumps(_json_keys(data), ensure_ascii=True)
        if len(text) > MAX_TEXT_CHARS:
            # indentation grows with depth: a big list of deep values indented
            # made a 400 MB file (slow to write, and refused unread anyway);
            # compact JSON is YAML too
            text = json.dumps(_json_keys(data), ensure_ascii=style % 2 == 0)
    return text.encode("utf-8", "surrogatepass")


def write_spec(data: Any, directory: Path, rnd: Any, *, stem: str = "spec") -> Path:
    """Write `data` as YAML or JSON text into `directory`; the extension is
    .yaml, .yml or .json, or none (then the loader sniffs the format)."""
    fmt = rnd.choice(["yaml", "yaml", "json"])
    suffix = rnd.choice({"yaml": [".yaml", ".yaml", ".yml", ""], "json": [".json", ".json", ""]}[fmt])
    path = Path(directory) / f"{stem}{suffix}"
    path.write_bytes(dump_text(data, fmt, rnd))
    return path


# --------------------------------------------------------------------------
# Raw text mutations (for the loader)
# --------------------------------------------------------------------------

TOKENS = [
    b"&a ", b"*a", b"*b", b"!!python/object/apply:os.system ['echo hi']", b"!!python/name:os.system",
    b"!!python/tuple ", b"!!python/unicode ", b"!!binary aGk=", b"!!set {a}", b"!foo ", b"!<tag:x> ",
    b"<<: *a\n", b"<<: ", b"---\n", b"...\n", b"%YAML 1.1\n", b"%TAG ! tag:example.com,2000:\n", b"? ",
    b"|\n", b">-\n", b"{", b"}", b"[", b"]", b",", b":", b": ", b"- ", b"#", b"'", b'"', b"\\", b"\\u",
    b"\t", b"\r", b"\r\n", b"\n", b"\x00", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf", b"\xc3", b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80", b"\xc0\xaf", b"NaN", b"Infinity", b"-Infinity", b".nan", b"1e999", b"-1e999",
    b"9" * 5000, b"0x" + b"f" * 400, b"\xe2\x80\xa8", b"\xc2\x85", b"null", b"~", b"true", b"=",
    b"\"\\ud800\"", b"\"\\udc00\"", b"\"\\x00\"", b"@", b"`", b"%", b"&", b"*", b"!", b"|-", b"? [a]: b\n",
    b"x[0][0]", b"[[[[[[[[[[", b"]]]]]]]]]]", b"{{{{{{{{", b"}}}}}}}}", b"__keras_tensor__", b"__lambda__",
]


def mutate_text(raw: bytes, rnd: Any, n: int | None = None) -> bytes:
    """`raw` with `n` random byte-level mutations."""
    data = bytearray(raw)
    n = n if n is not None else rnd.choice([1, 1, 2, 3, 5])
    for _ in range(n):
        size = len(data)
        at = rnd.randint(0, size)
        op = rnd.randrange(9)
        if op == 0:  # truncate
            del data[at:]
        elif op == 1 and size:  # flip bits
            for _ in range(rnd.randint(1, 4)):
                i = rnd.randrange(size)
                data[i] ^= 1 << rnd.randrange(8)
        elif op == 2 and size:  # random byte values
            for _ in range(rnd.randint(1, 4)):
                data[rnd.randrange(size)] = rnd.randrange(256)
        elif op in (3, 4):  # insert a syntax token
            data[at:at] = rnd.choice(TOKENS)
        elif op == 5:  # delete a range
            del data[at:at + rnd.randint(1, 200)]
        elif op == 6:  # duplicate a range (duplicate keys, repeated blocks)
            end = min(size, at + rnd.randint(1, 400))
            data[at:at] = data[at:end] * rnd.randint(1, 3)
        elif op == 7:  # swap two lines
            lines = bytes(data).split(b"\n")
            if len(lines) > 1:
                i, j = rnd.randrange(len(lines)), rnd.randrange(len(lines))
                lines[i], lines[j] = lines[j], lines[i]
                data = bytearray(b"\n".join(lines))
        else:  # random bytes
            data[at:at] = rnd.randbytes(rnd.randint(1, 16))
    return bytes(data)


def _alias_bomb(rnd: Any) -> bytes:
    width, depth = rnd.choice([(10, 9), (9, 7), (4, 12), (2, 30), (100, 3)])
    lines = [b'a0: &a0 ["lol"' + b', "lol"' * (width - 1) + b"]"]
    for d in range(1, depth):
        refs = b", ".join(b"*a%d" % (d - 1) for _ in range(width))
        lines.append(b"a%d: &a%d [%s]" % (d, d, refs))
    lines.append(b"modelspec: *a%d" % (depth - 1))
    return b"\n".join(lines) + b"\n"


def _hostile_file(rnd: Any) -> tuple[bytes, str]:
    kind = rnd.randrange(18)
    n = rnd.choice([10, 999, 1000, 1001, 5000, 100_000])
    if kind == 0:
        return _alias_bomb(rnd), ".yaml"
    if kind == 1:
        return b"[" * n + (b"]" * n if rnd.random() < 0.5 else b""), rnd.choice([".yaml", ".json", ""])
    if kind == 2:
        return b'{"a": ' * n + b"1" + b"}" * n, rnd.choice([".json", ".yaml"])
    if kind == 3:
        return b"".join(b" " * i + b"- a\n" if i % 2 else b" " * i + b"-\n" for i in range(min(n, 3000))), ".yaml"
    if kind == 4:
        return b"modelspec: " + b"9" * rnd.choice([4300, 4301, 5000, 100_000]) + b"\n", rnd.choice([".yaml", ".json"])
    if kind == 5:
        return b'{"modelspec": ' + b"9" * rnd.choice([4301, 5000, 50_000]) + b"}", ".json"
    if kind == 6:
        return b'{"modelspec": 1e' + b"9" * rnd.choice([3, 400, 5000]) + b"}", ".json"
    if kind == 7:
        return rnd.choice([b"", b" ", b"\n\n", b"# only a comment\n", b"\xef\xbb\xbf", b"---\n", b"---\n---\n",
                           b"...", b"null", b"~", b"[]", b"{}", b"1", b'"modelspec"', b"- 1\n- 2\n", b"\x00",
                           b"modelspec: 1\n---\nmodelspec: 1\n", b"%YAML 1.2\n---\n", b"? \n"]), \
            rnd.choice([".yaml", ".json", ""])
    if kind == 8:
        return rnd.randbytes(rnd.choice([1, 16, 256, 4096])), rnd.choice([".yaml", ".json", ""])
    if kind == 9:
        name, raw = rnd.choice(seed_texts())
        return raw.decode("utf-8", "replace").encode(rnd.choice(["utf-16", "utf-16-le", "utf-32", "latin-1"]),
                                                     "replace"), Path(name).suffix
    if kind == 10:
        return b"modelspec: 1\n" + b"".join(b"k%d: %d\n" % (i, i) for i in range(rnd.choice([2000, 50_000]))), ".yaml"
    if kind == 11:
        return b"modelspec: 1\nname: " + b"a" * rnd.choice([10_000, 1_000_000]) + b"\n", ".yaml"
    if kind == 12:  # a duplicate-key flood
        return b"modelspec: 1\n" * rnd.choice([2, 1000, 20_000]), ".yaml"
    if kind == 13:  # anchors that reference each other through merges
        return (b"base: &b {x: 1}\nmodel: &m\n  <<: *b\n  config: {<<: [*b, *b]}\n"
                b"compile: {<<: *m}\nmodelspec: 1\n"), ".yaml"
    if kind == 14:  # deep nesting via aliases
        lines = [b"a0: &a0 [1]"] + [b"a%d: &a%d [*a%d]" % (i, i, i - 1) for i in range(1, min(n, 2000))]
        return b"\n".join(lines) + b"\nmodelspec: 1\n", ".yaml"
    if kind == 15:  # a key that is a mapping or sequence
        return rnd.choice([b"? [a, b]\n: 1\nmodelspec: 1\n", b"{[1]: 2}\n", b"? {a: 1}\n: x\n",
                           b"{1: 2, null: 3, true: 4, 1.5: 5}\n"]), ".yaml"
    if kind == 16:  # tabs and odd indentation in a real spec
        _, raw = rnd.choice(seed_texts())
        return raw.replace(b"  ", rnd.choice([b"\t", b" ", b"   ", b"\t "])), ".yaml"
    name, raw = rnd.choice(seed_texts())
    return raw.replace(b"\n", rnd.choice([b"\r\n", b"\r", b"\x85", b"\xe2\x80\xa8"])), Path(name).suffix


def gen_raw_text(rnd: Any) -> tuple[bytes, str]:
    """(raw bytes, file suffix) for the loader: a mutated spec text or a hostile file."""
    kind = rnd.randrange(10)
    if kind < 2:
        return _hostile_file(rnd)
    if kind < 6:
        name, raw = rnd.choice(seed_texts())
        suffix = Path(name).suffix
    else:
        fmt = rnd.choice(["yaml", "json"])
        data = gen_valid_spec(rnd) if kind < 8 else gen_mutated_spec(rnd)
        raw, suffix = dump_text(data, fmt, rnd), "." + fmt
    if rnd.random() < 0.1:
        suffix = rnd.choice(["", ".yml", ".txt", ".JSON"])
    return mutate_text(raw, rnd), suffix


def short_repr(value: Any, limit: int = 2000) -> str:
    """A bounded repr of any generated input (nesting past 8 levels shown as ...)."""
    import reprlib

    r = reprlib.Repr()
    r.maxlevel, r.maxstring, r.maxother, r.maxlong = 8, 200, 200, 60
    r.maxlist = r.maxdict = r.maxtuple = 30
    if isinstance(value, (bytes, bytearray)):
        return repr(bytes(value[:limit])) + ("..." if len(value) > limit else "")
    return r.repr(value)[:limit]


# --------------------------------------------------------------------------
# Hypothesis strategies (hypothesis is imported only when one is asked for)
# --------------------------------------------------------------------------


def _randoms() -> Any:
    from hypothesis import strategies as st

    return st.randoms(use_true_random=False, note_method_calls=False)


def valid_specs() -> Any:
    """Strategy: structurally valid concise specs (dicts); see `gen_valid_spec`."""
    return _randoms().map(gen_valid_spec)


def param_mutated_specs() -> Any:
    """Strategy: generated specs with impossible-but-plausible parameters; see `param_mutate`."""
    return _randoms().map(gen_param_mutated_spec)


def mutated_specs() -> Any:
    """Strategy: mutated example / corpus / generated specs (any JSON-like data)."""
    return _randoms().map(gen_mutated_spec)


def raw_texts() -> Any:
    """Strategy: (bytes, suffix) of mutated spec texts and hostile files."""
    return _randoms().map(gen_raw_text)


def spec_files(directory: Path) -> Any:
    """Strategy: (data, path) of mutated specs written as YAML or JSON into `directory`."""
    return _randoms().map(lambda rnd: _written(gen_mutated_spec(rnd), directory, rnd))


def _written(data: Any, directory: Path, rnd: Any) -> tuple[Any, Path]:
    return data, write_spec(data, directory, rnd)


# --------------------------------------------------------------------------
# Checking that validate imports nothing heavy (also when TF is already loaded)
# --------------------------------------------------------------------------

HEAVY = ("tensorflow", "keras", "torch", "jax")


class ImportWatch:
    """Records every import of TensorFlow/Keras (even of modules already in
    sys.modules) while active, by wrapping `builtins.__import__` and
    `importlib.import_module`, and notes new heavy entries in sys.modules."""

    def __enter__(self) -> ImportWatch:
        import builtins
        import importlib

        self.seen: list[str] = []
        self._builtins, self._importlib = builtins, importlib
        self._import, self._import_module = builtins.__import__, importlib.import_module
        self._before = {m for m in sys.modules if m.split(".")[0] in HEAVY}
        original_import, original_import_module = self._import, self._import_module

        # Only this thread's imports count: with TensorFlow loaded (by an
        # earlier test in the same process) its own threads may import too.
        thread = threading.get_ident()

        def watched_import(name: str, globals: Any = None, locals: Any = None, fromlist: Any = (),
                           level: int = 0) -> Any:
            if level == 0 and name.split(".")[0] in HEAVY and threading.get_ident() == thread:
                self.seen.append(name)
            return original_import(name, globals, locals, fromlist, level)

        def watched_import_module(name: str, package: str | None = None) -> Any:
            if name.split(".")[0] in HEAVY and threading.get_ident() == thread:
                self.seen.append(name)
            return original_import_module(name, package)

        builtins.__import__ = watched_import
        importlib.import_module = watched_import_module
        return self

    def __exit__(self, *exc: object) -> None:
        self._builtins.__import__ = self._import
        self._importlib.import_module = self._import_module
        if not self._before:  # with none loaded before, any heavy module now is this block's doing
            after = {m for m in sys.modules if m.split(".")[0] in HEAVY}
            self.seen.extend(sorted(after - self._before))
