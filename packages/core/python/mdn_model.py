"""A reference evaluator of mdn model files in Python (numpy only), for services written in Python.

It reads the file @mdn/core writes (saveModel, `mdn train --out`; format versions 1-6, docs/model-format.md),
checks its format, version and weight checksum, and predicts the mixture p(y | x) in float64, as
`HostModel.predict` in @mdn/core/host does: the same parameters to float64 rounding (a test in
packages/core/src/model/host-model.test.ts holds the two together).

    from mdn_model import MdnModel
    model = MdnModel.load("price.mdn.json")
    mixture = model.predict([{"rooms": "3", "district": "north"}])  # records, or a 2-D array of numbers
    mixture.mean(), mixture.log_prob([[250_000.0]])

Not here: the content checksum (it hashes JavaScript's JSON text of the file, which Python does not reproduce
byte for byte; the weight checksum is checked), dates written with month names (write them as ISO 8601), quantiles
and sampling (use the mixture's parameters with scipy, or @mdn/core). Run as a script it reads a model file and a
JSON list of rows and prints the mixture's parameters as JSON.
"""

import base64
import json
import math
import re
import sys

import numpy as np

FORMAT = "mdn-model"
READABLE_VERSIONS = (1, 2, 3, 4, 5, 6)
# @mdn/core's MISSING_CELLS (the texts read as missing when a model saved no list of its own).
MISSING_DEFAULT = (
    "", "NA", "N/A", "n/a", "NaN", "nan", "-NaN", "-nan", "NULL", "null", "Null", "None",
    "#N/A", "#N/A N/A", "#NA", "<NA>", "-1.#IND", "-1.#QNAN", "1.#IND", "1.#QNAN", "?",
)
DECIMAL = re.compile(r"^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$")
ISO_DATE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$"
)
YEAR_DAYS = 365.2425
DAY_SECONDS = 86400.0


class ModelFormatError(ValueError):
    """A file that is not a model this evaluator reads; the message says what is wrong."""


def _fnv1a(chunks):
    h = 0x811C9DC5
    for chunk in chunks:
        for byte in chunk:
            h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return format(h, "08x")


def _softplus(v):
    return np.maximum(v, 0) + np.log1p(np.exp(-np.abs(v)))


_ACTIVATIONS = {
    "relu": lambda v: np.maximum(v, 0),
    "tanh": np.tanh,
    "elu": lambda v: np.where(v > 0, v, np.expm1(np.minimum(v, 0))),
    "silu": lambda v: v / (1 + np.exp(-v)),
}


def _normal_cdf(z):
    return 0.5 * math.erfc(-z / math.sqrt(2))


def _laplace_cdf(z):
    return 0.5 * math.exp(z) if z < 0 else 1 - 0.5 * math.exp(-z)


def _js_number_text(value):
    """A number as JavaScript's String() writes it: the key of a numeric cell's level."""
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        sign = "-" if exponent.startswith("-") else "+"
        text = f"{mantissa}e{sign}{int(exponent.lstrip('+-'))}"
    return text


def _read_cell(cell, missing):
    """('number', v), ('missing', None) or ('text', s): @mdn/core's readCell."""
    if cell is None:
        return ("missing", None)
    if isinstance(cell, bool):
        return ("text", "true" if cell else "false")
    if isinstance(cell, (int, float)):
        return ("missing", None) if math.isnan(cell) else ("number", float(cell))
    text = str(cell).strip()
    if text in missing:
        return ("missing", None)
    if DECIMAL.match(text):
        return ("number", float(text))
    return ("text", text)


def _iso_days(text):
    match = ISO_DATE.match(text)
    if not match:
        return math.nan
    year, month, day, hour, minute, second, zone = match.groups()
    import datetime

    try:
        moment = datetime.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
    except ValueError:
        return math.nan
    seconds = (moment - datetime.datetime(1970, 1, 1)).total_seconds()
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        seconds -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return seconds / DAY_SECONDS


def _day_of_year(days):
    import datetime

    moment = datetime.datetime(1970, 1, 1) + datetime.timedelta(days=days)
    start = datetime.datetime(moment.year, 1, 1)
    return (days * DAY_SECONDS - (start - datetime.datetime(1970, 1, 1)).total_seconds()) / DAY_SECONDS


class Mixture:
    """p(y | x) for N rows: K components in D target dimensions, original units (float64 arrays)."""

    def __init__(self, log_weights, means, scales, factors, family, discrete, point_masses):
        self.log_weights = log_weights  # [N, K], normalised
        self.means = means  # [N, K, D]
        self.scales = scales  # [N, K, D]
        self.factors = factors  # [N, K, D(D-1)/2] (full covariance) or None
        self.family = family  # 'gaussian' or 'laplace'
        self.discrete = discrete  # {'lower': ...} or None
        self.point_masses = point_masses  # indices of the point-mass components

    def mean(self):
        """[N, D]: Σ π_k μ_k (a continuous target's mean; point masses included)."""
        return np.einsum("nk,nkd->nd", np.exp(self.log_weights), self.means)

    def log_prob(self, y):
        """log p(y_n | x_n), [N]: densities of a diagonal mixture, or log P(y) of a discrete target."""
        if self.factors is not None:
            raise NotImplementedError("log_prob of a full-covariance model: use @mdn/core")
        if self.point_masses:
            raise NotImplementedError("log_prob of a model with point masses: use @mdn/core")
        y = np.asarray(y, dtype=np.float64).reshape(self.means.shape[0], -1)
        if self.discrete is not None:
            cdf = _normal_cdf if self.family == "gaussian" else _laplace_cdf
            out = np.empty(y.shape[0])
            for n in range(y.shape[0]):
                v = y[n, 0]
                total = 0.0
                for k in range(self.means.shape[1]):
                    s = self.scales[n, k, 0]
                    upper = cdf((v + 0.5 - self.means[n, k, 0]) / s)
                    lower = 0.0 if v == self.discrete["lower"] else cdf((v - 0.5 - self.means[n, k, 0]) / s)
                    total += math.exp(self.log_weights[n, k]) * (upper - lower)
                out[n] = math.log(total)
            return out
        z = (y[:, None, :] - self.means) / self.scales
        if self.family == "gaussian":
            per = -0.5 * z * z - np.log(self.scales) - 0.5 * math.log(2 * math.pi)
        else:
            per = -np.abs(z) - np.log(self.scales) - math.log(2)
        terms = self.log_weights + per.sum(axis=2)
        top = terms.max(axis=1, keepdims=True)
        return (top + np.log(np.exp(terms - top).sum(axis=1, keepdims=True)))[:, 0]

    def to_json(self):
        return {
            "logWeights": self.log_weights.tolist(),
            "means": self.means.tolist(),
            "scales": self.scales.tolist(),
            "factors": None if self.factors is None else self.factors.tolist(),
            "pointMasses": self.point_masses,
        }


class MdnModel:
    """A model file read and checked; :meth:`predict` gives the mixture."""

    def __init__(self, file):
        if not isinstance(file, dict) or file.get("format") != FORMAT:
            raise ModelFormatError(f'not a model file: expected "format": "{FORMAT}"')
        version = file.get("formatVersion")
        if version not in READABLE_VERSIONS:
            raise ModelFormatError(f"model file format version {version!r} is not supported (reads {READABLE_VERSIONS})")
        weights = file.get("weights")
        if not isinstance(weights, list) or "config" not in file:
            raise ModelFormatError("the model file is incomplete: it needs config, standardisers and weights")
        raw = [base64.b64decode(w["data"], validate=True) for w in weights]
        if _fnv1a(raw) != file.get("checksum"):
            raise ModelFormatError("the model file is corrupt: its weight checksum does not match")
        config = dict(file["config"])
        config.setdefault("covariance", "diagonal")
        config.setdefault("family", "gaussian")
        config.setdefault("tailWeight", 0)
        config.setdefault("tailScale", 2)
        config.setdefault("atoms", [])
        config.setdefault("discrete", None)
        self.config = config
        self.metadata = file.get("metadata") or {}
        self.input_mean = np.array(file["inputStandardiser"]["mean"], dtype=np.float64)
        self.input_scale = np.array(file["inputStandardiser"]["scale"], dtype=np.float64)
        self.target_mean = np.array(file["targetStandardiser"]["mean"], dtype=np.float64)
        self.target_scale = np.array(file["targetStandardiser"]["scale"], dtype=np.float64)
        tensors = []
        for w, data in zip(weights, raw):
            values = np.frombuffer(data, dtype="<f4").astype(np.float64)
            if values.size != int(np.prod(w["shape"])):
                raise ModelFormatError(f"weight {w['name']} does not match its shape {w['shape']}")
            tensors.append(values.reshape(w["shape"]))
        d = config["outputDimension"]
        full = config["covariance"] == "full" and d >= 2
        per_network = len(config["hidden"]) + (4 if full else 3)
        if len(tensors) != 2 * per_network * config["members"]:
            raise ModelFormatError("the model file does not match its architecture (weight count)")
        layers = [(tensors[2 * i], tensors[2 * i + 1]) for i in range(len(tensors) // 2)]
        self.networks = [layers[m * per_network : (m + 1) * per_network] for m in range(config["members"])]
        self.full = full

    @staticmethod
    def load(source):
        """Reads a model file: a path, its JSON text or bytes, or the parsed dict."""
        if isinstance(source, dict):
            return MdnModel(source)
        if isinstance(source, (bytes, bytearray)):
            source = source.decode("utf-8")
        if isinstance(source, str) and not source.lstrip("\ufeff").lstrip().startswith("{"):
            with open(source, encoding="utf-8") as handle:
                source = handle.read()
        try:
            return MdnModel(json.loads(source.lstrip("\ufeff")))
        except json.JSONDecodeError as error:
            raise ModelFormatError(f"not a model file: the JSON does not parse ({error})") from None

    def encode(self, records):
        """Records (dicts of cells by column name) as the network's inputs [N, features], as InputSchema.encode."""
        schema = self.metadata.get("inputSchema")
        if schema is None:
            names = self.metadata.get("inputColumns")
            if names is None:
                raise ValueError("this model records no input column names: pass the inputs as numbers")
            schema = {
                "columns": [{"name": n, "kind": "numeric", "fill": None, "indicator": False, "textAsMissing": False} for n in names],
                "missingValues": list(MISSING_DEFAULT),
            }
        missing = set(schema["missingValues"])
        rows = []
        for r, record in enumerate(records):
            row = []
            for column in schema["columns"]:
                name, kind = column["name"], column["kind"]
                if kind == "ignored":
                    continue
                if name not in record:
                    raise ValueError(f"row {r} has no column '{name}'")
                cell, value = _read_cell(record[name], missing)
                if kind == "numeric":
                    if cell == "text" and not column["textAsMissing"]:
                        raise ValueError(f"row {r}, column '{name}' is '{value}', not a number")
                    if cell == "number":
                        row += [value] + ([0.0] if column["indicator"] else [])
                    else:
                        if column["fill"] is None:
                            raise ValueError(f"row {r}, column '{name}' is empty; this model needs every input cell")
                        row += [column["fill"]] + ([1.0] if column["indicator"] else [])
                elif kind == "date":
                    days = _iso_days(value) if cell == "text" else math.nan
                    if cell != "missing" and math.isnan(days):
                        raise ValueError(f"row {r}, column '{name}' is '{value}', not an ISO date (2012-01-31)")
                    absent = math.isnan(days)
                    days = column["fill"] if absent else days
                    angle = 2 * math.pi * _day_of_year(days) / YEAR_DAYS
                    row += [days, math.sin(angle), math.cos(angle)] + ([1.0 if absent else 0.0] if column["indicator"] else [])
                else:
                    levels = column["levels"]
                    key = None if cell == "missing" else _js_number_text(value) if cell == "number" else value
                    features = [0.0] * (len(levels) + (1 if column["other"] else 0))
                    if key in levels:
                        features[levels.index(key)] = 1.0
                    elif column["other"]:
                        features[len(levels)] = 1.0
                    else:
                        features[: len(levels)] = column["frequencies"][: len(levels)]
                    row += features
            rows.append(row)
        return np.array(rows, dtype=np.float64).reshape(len(rows), -1)

    def predict(self, x):
        """The mixture p(y | x) for records (dicts) or numbers [N, inputDimension], original units."""
        c = self.config
        if len(x) > 0 and isinstance(x[0], dict):
            x = self.encode(x)
        x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
        if x.shape[1] != c["inputDimension"] or not np.all(np.isfinite(x)):
            raise ValueError(f"inputs must be finite, {c['inputDimension']} columns")
        h0 = (x - self.input_mean) / self.input_scale
        k, d, members = c["components"], c["outputDimension"], c["members"]
        p = d * (d - 1) // 2 if self.full else 0
        activate = _ACTIVATIONS[c["activation"]]
        logs, means, scales, factors = [], [], [], []
        for network in self.networks:
            h = h0
            for kernel, bias in network[: len(c["hidden"])]:
                h = activate(h @ kernel + bias)
            heads = [h @ kernel + bias for kernel, bias in network[len(c["hidden"]) :]]
            logits = heads[0]
            top = logits.max(axis=1, keepdims=True)
            logs.append(logits - top - np.log(np.exp(logits - top).sum(axis=1, keepdims=True)) - math.log(members))
            means.append(heads[1].reshape(-1, k, d))
            raw = heads[2].reshape(-1, k, d)
            if c["scaleActivation"] == "elu-plus-one":
                scales.append(np.where(raw > 0, raw + 1, np.exp(np.minimum(raw, 0))))
            else:
                scales.append(_softplus(raw) + c["scaleFloor"])
            if p:
                factors.append(heads[3].reshape(-1, k, p))
        log_weights = np.concatenate(logs, axis=1)
        mu = np.concatenate(means, axis=1)
        sigma = np.concatenate(scales, axis=1)
        factor = np.concatenate(factors, axis=1) if p else None
        w = c["tailWeight"]
        if w > 0:
            log_weights = np.concatenate([log_weights + math.log1p(-w), log_weights + math.log(w)], axis=1)
            mu = np.concatenate([mu, mu], axis=1)
            sigma = np.concatenate([sigma, sigma * c["tailScale"]], axis=1)
            factor = None if factor is None else np.concatenate([factor, factor], axis=1)
        # Original units: μ·scale + mean, σ·scale, L_ij·scale_i/scale_j.
        mu = mu * self.target_scale + self.target_mean
        sigma = sigma * self.target_scale
        if factor is not None:
            ratios = [self.target_scale[i] / self.target_scale[j] for i in range(d) for j in range(i + 1, d)]
            factor = factor * np.array(ratios)
        point_masses = []
        if c["atoms"]:
            log_weights, mu, sigma = self._add_atoms(log_weights, mu, sigma)
            point_masses = list(range(log_weights.shape[1] - len(c["atoms"]), log_weights.shape[1]))
        top = log_weights.max(axis=1, keepdims=True)
        log_weights = log_weights - top - np.log(np.exp(log_weights - top).sum(axis=1, keepdims=True))
        return Mixture(log_weights, mu, sigma, factor, c["family"], c["discrete"], point_masses)

    def _add_atoms(self, log_weights, mu, sigma):
        """One point mass per atom after the other components, as addAtomsHost: each component keeps the share of
        its mass inside the range and gives what lies beyond an atom's reach to that atom."""
        atoms = self.config["atoms"]
        cdf = _normal_cdf if self.config["family"] == "gaussian" else _laplace_cdf
        n, k, _ = mu.shape
        out_w = np.empty((n, k + len(atoms)))
        out_mu = np.empty((n, k + len(atoms), 1))
        out_sigma = np.empty((n, k + len(atoms), 1))
        for r in range(n):
            gathered = [0.0] * len(atoms)
            for j in range(k):
                sides = []
                for atom in atoms:
                    start = atom["value"] - atom["reach"] if atom["side"] == "upper" else atom["value"] + atom["reach"]
                    z = ((mu[r, j, 0] - start) if atom["side"] == "upper" else (start - mu[r, j, 0])) / sigma[r, j, 0]
                    sides.append((cdf(z), cdf(-z)))
                for a, (beyond, _) in enumerate(sides):
                    gathered[a] += math.exp(log_weights[r, j]) * beyond
                if len(sides) == 1:
                    kept = sides[0][1]
                else:
                    (b0, w0), (b1, w1) = sides
                    kept = w0 - b1 if b0 > b1 else w1 - b0
                out_w[r, j] = log_weights[r, j] + math.log(max(kept, 1e-6))
            for a, atom in enumerate(atoms):
                out_w[r, k + a] = math.log(max(gathered[a], 1e-6))
            out_mu[r, :k], out_sigma[r, :k] = mu[r], sigma[r]
            for a, atom in enumerate(atoms):
                out_mu[r, k + a, 0], out_sigma[r, k + a, 0] = atom["value"], atom["scale"]
        return out_w, out_mu, out_sigma


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(
            "usage: python3 mdn_model.py MODEL.mdn.json ROWS.json [Y.json]\n"
            "  ROWS: a JSON list of records or of number lists; Y: targets per row, for log p(y | x)"
        )
    model = MdnModel.load(sys.argv[1])
    with open(sys.argv[2], encoding="utf-8") as handle:
        mixture = model.predict(json.load(handle))
    result = mixture.to_json()
    result["mean"] = mixture.mean().tolist()
    if len(sys.argv) == 4:
        with open(sys.argv[3], encoding="utf-8") as handle:
            result["logProb"] = mixture.log_prob(json.load(handle)).tolist()
    json.dump(result, sys.stdout)
