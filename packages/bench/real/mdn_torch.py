"""A carefully tuned PyTorch MDN: the reference `pnpm bench:real` compares @mdn/core's defaults with.

Reads a JSON job on stdin: {"x": [[...]], "y": [...], "splits": [{"train": [i...], "test": [i...], "seed": s}]}
and writes, per split, the predicted mixture on the test rows in original units:
[{"logWeights": [[...K]], "means": [[...K]], "scales": [[...K]], "epochs": e, "seconds": t}].
The scores are computed in JavaScript with the same code for every method.

The recipe follows the published practice for small tabular data (Rothfuss et al. 2019, arXiv 1907.08982;
Lakshminarayanan et al. 2017): standardised x and y; 2 x 50 tanh trunk; K = 3; sigma = softplus + 1e-3; Gaussian
noise on standardised x and y every step (training only); Adam 1e-3 with weight decay 1e-4; batch 32;
early stopping on a 10 % validation split of the training rows (patience 50 epochs), best weights restored.
Run: /usr/bin/python3 mdn_torch.py < job.json  (Debian's python3-torch)
"""
import json
import math
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
HIDDEN, K, LR, WEIGHT_DECAY, BATCH = 50, 3, 1e-3, 1e-4, 32
NOISE_X, NOISE_Y = 0.2, 0.1
PATIENCE, MAX_EPOCHS, MAX_STEPS = 50, 2000, 40_000
FLOOR = 1e-3


class MDN(nn.Module):
    def __init__(self, inputs):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(inputs, HIDDEN), nn.Tanh(), nn.Linear(HIDDEN, HIDDEN), nn.Tanh())
        self.head = nn.Linear(HIDDEN, 3 * K)

    def forward(self, x):
        out = self.head(self.trunk(x))
        logits, means, raw = out[:, :K], out[:, K:2 * K], out[:, 2 * K:]
        return F.log_softmax(logits, dim=1), means, F.softplus(raw) + FLOOR


def nll(model, x, y):
    """Mean negative log-likelihood; y has shape [B] (never [B, 1]: that would broadcast to [B, B])."""
    log_w, mu, sigma = model(x)
    z = (y[:, None] - mu) / sigma
    log_n = -0.5 * z * z - torch.log(sigma) - 0.5 * math.log(2 * math.pi)
    return -torch.logsumexp(log_w + log_n, dim=1).mean()


def fit(x, y, seed):
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    n = len(y)
    order = rng.permutation(n)
    held = max(1, round(0.1 * n))
    val, tr = order[:held], order[held:]
    x_mean, x_sd = x[tr].mean(0), x[tr].std(0)
    x_sd[x_sd == 0] = 1
    y_mean, y_sd = y[tr].mean(), y[tr].std()
    xs = torch.tensor((x - x_mean) / x_sd, dtype=torch.float32)
    ys = torch.tensor((y - y_mean) / y_sd, dtype=torch.float32)
    model = MDN(x.shape[1])
    optimiser = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=WEIGHT_DECAY)
    best, best_state, since, steps, epoch = float("inf"), None, 0, 0, 0
    xt, yt, xv, yv = xs[tr], ys[tr], xs[val], ys[val]
    while epoch < MAX_EPOCHS and steps < MAX_STEPS and since < PATIENCE:
        epoch += 1
        model.train()
        perm = torch.randperm(len(tr))
        for i in range(0, len(tr), BATCH):
            idx = perm[i:i + BATCH]
            xb = xt[idx] + NOISE_X * torch.randn_like(xt[idx])
            yb = yt[idx] + NOISE_Y * torch.randn_like(yt[idx])
            loss = nll(model, xb, yb)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            steps += 1
        model.eval()
        with torch.no_grad():
            v = nll(model, xv, yv).item()
        if v < best - 1e-4:
            best, since = v, 0
            best_state = {k: t.clone() for k, t in model.state_dict().items()}
        else:
            since += 1
    model.load_state_dict(best_state)
    return model, (x_mean, x_sd, y_mean, y_sd), epoch


def main():
    job = json.load(sys.stdin)
    x = np.asarray(job["x"], dtype=np.float64)
    y = np.asarray(job["y"], dtype=np.float64)
    out = []
    for split in job["splits"]:
        started = time.time()
        train, test = np.asarray(split["train"]), np.asarray(split["test"])
        model, (x_mean, x_sd, y_mean, y_sd), epochs = fit(x[train], y[train], split["seed"])
        with torch.no_grad():
            xs = torch.tensor((x[test] - x_mean) / x_sd, dtype=torch.float32)
            log_w, mu, sigma = model(xs)
        out.append({
            "logWeights": log_w.double().numpy().tolist(),
            "means": (mu.double().numpy() * y_sd + y_mean).tolist(),
            "scales": (sigma.double().numpy() * y_sd).tolist(),
            "epochs": epochs,
            "seconds": time.time() - started,
        })
    json.dump({"torch": torch.__version__, "results": out}, sys.stdout)


if __name__ == "__main__":
    main()
