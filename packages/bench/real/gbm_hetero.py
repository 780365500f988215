"""A gradient-boosted heteroscedastic Gaussian: the second reference `pnpm bench:real` compares @mdn/core with.

Reads a JSON job on stdin: {"x": [[number | null ...]], "categorical": [bool per column], "y": [...],
"splits": [{"train": [i...], "test": [i...], "seed": s}]} (null = missing; a categorical column holds level codes
0..254) and writes, per split, the predicted Gaussian on the test rows in original units:
[{"logWeights": [[0]], "means": [[m]], "scales": [[s]], "seconds": t}].

The recipe (as NGBoost's and LightGBM's users build it by hand): scikit-learn's HistGradientBoostingRegressor,
which takes categorical columns and missing cells natively. One model for the mean; one for the log squared
residual, fitted on out-of-fold residuals of the mean (5 folds), so the variance model sees residuals of rows the
mean model did not train on. E[log r^2] = log sigma^2 + E[log chi^2_1] = log sigma^2 - 1.2704, hence the offset.
Early stopping on a 10 % validation split of the training rows (scikit-learn's own), seeded per split.
Run: /usr/bin/python3 gbm_hetero.py < job.json  (Debian's python3-sklearn)
"""
import json
import sys
import time

import numpy as np
import sklearn
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.model_selection import KFold

LOG_CHI2_MEAN = -1.2703628454614782  # E[log chi^2_1] = digamma(1/2) + log 2
FOLDS = 5


def model(categorical, seed):
    return HistGradientBoostingRegressor(
        categorical_features=categorical if any(categorical) else None,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=20,
        max_iter=1000,
        learning_rate=0.05,
        random_state=seed,
    )


def main():
    job = json.load(sys.stdin)
    x = np.array([[np.nan if v is None else v for v in row] for row in job["x"]], dtype=np.float64)
    y = np.array(job["y"], dtype=np.float64)
    categorical = np.array(job["categorical"], dtype=bool)
    results = []
    for split in job["splits"]:
        started = time.time()
        train, test = np.array(split["train"]), np.array(split["test"])
        seed = split["seed"]
        xt, yt = x[train], y[train]
        # Out-of-fold residuals of the mean model.
        residual = np.empty(len(train))
        for fold, (fit, held) in enumerate(KFold(FOLDS, shuffle=True, random_state=seed).split(xt)):
            mean_model = model(categorical, seed * FOLDS + fold).fit(xt[fit], yt[fit])
            residual[held] = yt[held] - mean_model.predict(xt[held])
        floor = 1e-12 * max(np.var(yt), 1e-300)
        variance_model = model(categorical, seed + 7919).fit(xt, np.log(residual**2 + floor))
        mean_model = model(categorical, seed).fit(xt, yt)
        means = mean_model.predict(x[test])
        scales = np.sqrt(np.exp(variance_model.predict(x[test]) - LOG_CHI2_MEAN) + floor)
        results.append(
            {
                "logWeights": [[0.0] for _ in test],
                "means": [[float(m)] for m in means],
                "scales": [[float(s)] for s in scales],
                "seconds": time.time() - started,
            }
        )
    json.dump({"sklearn": sklearn.__version__, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
