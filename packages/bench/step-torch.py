"""The same training step in PyTorch: the forum's net 1->128->128->15 (ReLU), k = 5 Gaussian heads (logits,
means, softplus scales), the mixture NLL with logsumexp, backward, Adam. Prints one JSON line first describing
the run ({"torch", "threads", "blas"}: the BLAS library the process really loaded, read from /proc/self/maps after a
matrix product), then {"batch": B, "msPerStep": median} per batch size.
  step-torch.py BATCHES SECONDS THREADS
Set OPENBLAS_NUM_THREADS / OMP_NUM_THREADS to THREADS in the environment as well: a torch built against a generic
BLAS does not pass its thread count on to OpenBLAS."""
import json
import math
import os
import statistics
import sys
import time

import torch

K = 5


def loaded_blas():
    """Real paths of the BLAS libraries mapped into this process (libblas.so.3 is an alternatives link)."""
    torch.mm(torch.ones(64, 64), torch.ones(64, 64))
    found = set()
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                parts = line.split()
                if len(parts) >= 6 and any(name in parts[5] for name in ("blas", "mkl", "blis")):
                    found.add(os.path.realpath(parts[5]))
    except OSError:
        return []
    return sorted(found)


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = torch.nn.Sequential(torch.nn.Linear(1, 128), torch.nn.ReLU(), torch.nn.Linear(128, 128), torch.nn.ReLU())
        self.head = torch.nn.Linear(128, 3 * K)

    def forward(self, x):
        out = self.head(self.trunk(x))
        return out[:, :K], out[:, K:2 * K], torch.nn.functional.softplus(out[:, 2 * K:]) + 1e-3


def nll(logits, means, scales, y):
    z = (y - means) / scales
    log_n = -0.5 * z * z - torch.log(scales) - 0.5 * math.log(2 * math.pi)
    return -torch.logsumexp(torch.log_softmax(logits, dim=1) + log_n, dim=1).mean()


def main():
    batches = [int(b) for b in sys.argv[1].split(",")] if len(sys.argv) > 1 else [64, 1024, 4096]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": loaded_blas()}), flush=True)
    for batch in batches:
        net = Net()
        optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
        x = torch.rand(batch, 1) * 10
        y = 2 * x + 1 + (0.2 + 0.5 * x) * torch.randn(batch, 1)

        def step():
            optimizer.zero_grad()
            loss = nll(*net(x), y)
            loss.backward()
            optimizer.step()
            return loss

        for _ in range(10):
            step()
        times = []
        start = time.perf_counter()
        while time.perf_counter() - start < seconds or len(times) < 20:
            t0 = time.perf_counter()
            step()
            times.append((time.perf_counter() - t0) * 1000)
        print(json.dumps({"batch": batch, "msPerStep": statistics.median(times), "steps": len(times)}), flush=True)


main()
