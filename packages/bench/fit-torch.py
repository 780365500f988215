"""The forum's script, done right, on the same steps as our default fit: an MLP with the plan's widths and
activation, K Gaussian heads (softplus scales plus the floor), Adam at the plan's learning rate with the plan's
batch size, for exactly the plan's number of steps, on standardised data, with the validation NLL evaluated once
per epoch (as our loop does). Reads one JSON object from argv[1]; prints one JSON line
{"seconds", "steps", "validationNll"} (nats per row, original units). Timed from the data to the last step."""
import json
import math
import sys
import time

import numpy as np
import torch


def main():
    spec = json.loads(sys.argv[1])
    torch.set_num_threads(spec["threads"])
    torch.manual_seed(spec["seed"])
    started = time.perf_counter()
    rng = np.random.default_rng(spec["seed"])
    n = spec["rows"]
    x = rng.uniform(0, 10, size=(n, 1))
    y = 2 * x + 1 + (0.2 + 0.5 * x) * rng.standard_normal((n, 1))
    order = rng.permutation(n)
    n_val = spec["validationRows"]
    val, tr = order[:n_val], order[n_val:]
    mx, sx = x[tr].mean(0), x[tr].std(0)
    my, sy = y[tr].mean(0), y[tr].std(0)
    xs = torch.tensor((x - mx) / sx, dtype=torch.float32)
    ys = torch.tensor((y - my) / sy, dtype=torch.float32)
    k = spec["components"]
    act = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU, "elu": torch.nn.ELU, "silu": torch.nn.SiLU}[spec["activation"]]
    layers, width = [], 1
    for h in spec["hidden"]:
        layers += [torch.nn.Linear(width, h), act()]
        width = h
    trunk = torch.nn.Sequential(*layers)
    head = torch.nn.Linear(width, 3 * k)
    params = list(trunk.parameters()) + list(head.parameters())
    optimizer = torch.optim.Adam(params, lr=spec["learningRate"])
    floor = spec["scaleFloor"]

    def nll(xb, yb):
        out = head(trunk(xb))
        logits, means = out[:, :k], out[:, k:2 * k]
        scales = torch.nn.functional.softplus(out[:, 2 * k:]) + floor
        z = (yb - means) / scales
        log_n = -0.5 * z * z - torch.log(scales) - 0.5 * math.log(2 * math.pi)
        return -torch.logsumexp(torch.log_softmax(logits, dim=1) + log_n, dim=1).mean()

    batch = spec["batchSize"]
    x_tr, y_tr = xs[tr], ys[tr]
    x_val, y_val = xs[val], ys[val]
    steps, best = 0, math.inf
    while steps < spec["steps"]:
        perm = torch.randperm(len(tr))
        for start in range(0, len(tr), batch):
            if steps >= spec["steps"]:
                break
            idx = perm[start:start + batch]
            optimizer.zero_grad()
            loss = nll(x_tr[idx], y_tr[idx])
            loss.backward()
            optimizer.step()
            steps += 1
        with torch.no_grad():
            best = min(best, float(nll(x_val, y_val)) + float(np.log(sy[0])))
    print(json.dumps({"seconds": time.perf_counter() - started, "steps": steps, "validationNll": best}), flush=True)


main()
