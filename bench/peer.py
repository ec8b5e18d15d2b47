#!/usr/bin/python3
"""PyTorch side of genbench's peer benchmark (see bench/README.md).

Each case mirrors one in bench/peer/main.go: same layer sizes, batch sizes,
losses, optimiser (Adam, lr 1e-3; models clip the global gradient norm at
100 as genbench's do by default, except glow, whose default is no
clipping), all in float32 on the CPU with one intra-op thread. For every
case it prints one line "case<TAB>ms" with the median time of a step (or
of one sampling call) over the timed repeats; with -params, the case's
trainable parameter count instead, to compare with `bench/peer -params`.
The flows Glow and NSF are in peer/torch_flows.py.

Run it with Debian's interpreter and PyTorch (apt-get install python3-torch):
    /usr/bin/python3 bench/peer.py -cases mlp-large,mlp-tiny -steps 20
"""
import argparse
import gc
import math
import os
import statistics
import sys
import time

try:
    import torch
    import torch.nn as tnn
    import torch.nn.functional as F
except ImportError:
    sys.exit("peer.py: PyTorch is not installed for /usr/bin/python3; install Debian's package with\n"
             "    apt-get install -y python3-torch\n"
             "(bench/peer.sh does not install anything by itself)")

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "peer"))
import torch_flows  # noqa: E402  (after the check that PyTorch is installed)

HALF_LOG_2PI = 0.9189385332046727
ALL = ["mlp-large", "mlp-tiny", "realnvp", "made", "vae", "pixelcnn", "glow", "nsf",
       "sample-realnvp", "sample-vae", "sample-made", "sample-glow", "sample-nsf"]


def mlp(sizes, zero_out=False):
    layers = []
    for k in range(len(sizes) - 1):
        lin = tnn.Linear(sizes[k], sizes[k + 1])
        tnn.init.xavier_uniform_(lin.weight)
        tnn.init.zeros_(lin.bias)
        if zero_out and k + 2 == len(sizes):
            tnn.init.zeros_(lin.weight)
        layers.append(lin)
        if k + 2 < len(sizes):
            layers.append(tnn.ReLU())
    return tnn.Sequential(*layers)


def timed(fn, model):
    """Marks fn as a case's timed call on model (for -params)."""
    fn.model = model
    return fn


def live_params(model):
    """Trainable scalars, without the weights that masks hold at zero
    (as genbench's NumParams counts them)."""
    masked = sum(m.masked_out() for m in model.modules() if hasattr(m, "masked_out"))
    return sum(p.numel() for p in model.parameters()) - masked


# ---- plain MLPs with MSE loss ----

def mlp_case(sizes, batch):
    g = torch.Generator().manual_seed(1)
    net = mlp(sizes)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    x = torch.randn(batch, sizes[0], generator=g)
    y = torch.randn(batch, sizes[-1], generator=g)

    def step():
        opt.zero_grad(set_to_none=False)
        loss = F.mse_loss(net(x), y)
        loss.backward()
        opt.step()
    return timed(step, net)


# ---- RealNVP (genbench models/flow BuildRealNVP, 2-D) ----

class RealNVP(tnn.Module):
    """Affine couplings (first half conditions the rest, log-scales
    bound·tanh(raw/bound)), each followed by an order reversal."""

    def __init__(self, dim=2, layers=8, hidden=64, bound=3.0):
        super().__init__()
        self.dim, self.split, self.bound = dim, dim // 2, bound
        n = dim - self.split
        self.nets = tnn.ModuleList(mlp([self.split, hidden, hidden, 2 * n], zero_out=True) for _ in range(layers))

    def coupling_params(self, net, cond):
        out = net(cond)
        n = self.dim - self.split
        s = self.bound * torch.tanh(out[:, :n] / self.bound)
        return s, out[:, n:]

    def log_prob(self, x):
        z, total = x, 0
        for net in self.nets:
            x1, x2 = z[:, :self.split], z[:, self.split:]
            s, b = self.coupling_params(net, x1)
            z = torch.cat([x1, x2 * torch.exp(s) + b], dim=1)
            total = total + s.sum(1)
            z = z.flip(1)
        return -0.5 * (z * z).sum(1) - self.dim * HALF_LOG_2PI + total

    def sample(self, n, g):
        x = torch.randn(n, self.dim, generator=g)
        for net in reversed(self.nets):
            x = x.flip(1)
            z1, z2 = x[:, :self.split], x[:, self.split:]
            s, b = self.coupling_params(net, z1)
            x = torch.cat([z1, (z2 - b) * torch.exp(-s)], dim=1)
        return x


def realnvp_case(batch=512):
    g = torch.Generator().manual_seed(1)
    flow = RealNVP()
    opt = torch.optim.Adam(flow.parameters(), lr=1e-3)
    x = torch.randn(batch, 2, generator=g)

    def step():
        opt.zero_grad(set_to_none=False)
        loss = -flow.log_prob(x).mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(flow.parameters(), 100.0)
        opt.step()
    return timed(step, flow)


def realnvp_sample_case(n=10000):
    flow = RealNVP()
    for p in flow.parameters():  # a trained-looking flow, not the identity
        torch.nn.init.normal_(p, std=0.1)
    g = torch.Generator().manual_seed(3)

    def call():
        with torch.no_grad():
            flow.sample(n, g)
    return timed(call, flow)


# ---- MADE (genbench models/autoregressive, binary data) ----

def made_masks(d, h):
    """nn.MADEMasks' scheme: natural order, hidden degrees k%(d-1)+1."""
    deg_in = torch.arange(1, d + 1)
    deg_h = torch.arange(h) % (d - 1) + 1
    m1 = (deg_h[None, :] >= deg_in[:, None]).float()   # d×h (in×out)
    m2 = (deg_in[None, :] > deg_h[:, None]).float()    # h×d
    return m1, m2, deg_h


class MADE(tnn.Module):
    def __init__(self, d=784, h=500):
        super().__init__()
        self.d, self.h = d, h
        self.l1, self.l2 = tnn.Linear(d, h), tnn.Linear(h, d)
        for lin in (self.l1, self.l2):
            tnn.init.xavier_uniform_(lin.weight)
            tnn.init.zeros_(lin.bias)
        m1, m2, deg = made_masks(d, h)
        # torch weights are out×in
        self.register_buffer("m1", m1.t().contiguous())
        self.register_buffer("m2", m2.t().contiguous())
        self.deg = deg

    def masked_out(self):
        return int((self.m1 == 0).sum() + (self.m2 == 0).sum())

    def forward(self, x):
        h = F.relu(F.linear(x, self.l1.weight * self.m1, self.l1.bias))
        return F.linear(h, self.l2.weight * self.m2, self.l2.bias)

    def sample(self, n, g):
        """Incremental sampler, as genbench's SampleIncremental: hidden
        units sorted by degree, O(H) work per dimension."""
        d, h = self.d, self.h
        order = torch.argsort(self.deg, stable=True)
        deg = self.deg[order]
        below = [int((deg < p).sum()) for p in range(d + 2)]
        w1 = (self.l1.weight * self.m1).t()[:, order].contiguous()  # d×h
        w2t = (self.l2.weight * self.m2)[:, order].contiguous()     # d×h
        b1, b2 = self.l1.bias[order], self.l2.bias
        pre = b1.expand(n, h).clone()
        act = torch.zeros(n, h)
        x = torch.zeros(n, d)
        u = torch.rand(n, d, generator=g)
        for j in range(d):
            pos = j + 1
            lo, hi = below[pos - 1], below[pos]
            act[:, lo:hi] = F.relu(pre[:, lo:hi])
            live = hi
            logit = act[:, :live] @ w2t[j, :live] + b2[j]
            v = (u[:, j] < torch.sigmoid(logit)).float()
            x[:, j] = v
            if live < h:
                pre[:, live:] += v[:, None] * w1[j, live:]
        return x


def binary_batch(b, d, g):
    return (torch.rand(b, d, generator=g) < 0.3).float()


def bernoulli_step(m, x):
    """One Adam step (lr 1e-3, gradient norm clipped at 100) of model m,
    whose output holds Bernoulli logits, on the summed BCE of the binary
    batch x averaged over the batch."""
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)

    def step():
        opt.zero_grad(set_to_none=False)
        loss = F.binary_cross_entropy_with_logits(m(x), x, reduction="sum") / x.shape[0]
        loss.backward()
        torch.nn.utils.clip_grad_norm_(m.parameters(), 100.0)
        opt.step()
    return timed(step, m)


def made_case(batch=100):
    g = torch.Generator().manual_seed(1)
    return bernoulli_step(MADE(), binary_batch(batch, 784, g))


def made_sample_case(n=100):
    m = MADE()
    g = torch.Generator().manual_seed(3)

    def call():
        with torch.no_grad():
            m.sample(n, g)
    return timed(call, m)


# ---- VAE (genbench models/vae, binary data, ELBO with closed-form KL) ----

class VAE(tnn.Module):
    def __init__(self, d=784, hidden=200, latent=50, bound=10.0):
        super().__init__()
        self.latent, self.bound = latent, bound
        self.enc = mlp([d, hidden, hidden, 2 * latent])
        self.dec = mlp([latent, hidden, hidden, d])

    def loss(self, x, eps):
        out = self.enc(x)
        mu = out[:, :self.latent]
        lv = self.bound * torch.tanh(out[:, self.latent:] / self.bound)
        z = mu + torch.exp(0.5 * lv) * eps
        rec = -F.binary_cross_entropy_with_logits(self.dec(z), x, reduction="none").sum(1)
        kl = 0.5 * ((mu * mu + torch.exp(lv) - lv).sum(1) - self.latent)
        return -(rec - kl).mean()


def vae_case(batch=100):
    g = torch.Generator().manual_seed(1)
    v = VAE()
    opt = torch.optim.Adam(v.parameters(), lr=1e-3)
    x = binary_batch(batch, 784, g)

    def step():
        eps = torch.randn(batch, v.latent, generator=g)
        opt.zero_grad(set_to_none=False)
        loss = v.loss(x, eps)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(v.parameters(), 100.0)
        opt.step()
    return timed(step, v)


def vae_sample_case(n=1000):
    v = VAE()
    g = torch.Generator().manual_seed(3)

    def call():
        with torch.no_grad():
            z = torch.randn(n, v.latent, generator=g)
            p = torch.sigmoid(v.dec(z))
            (torch.rand(p.shape, generator=g) < p).float()
    return timed(call, v)


# ---- PixelCNN (genbench models/autoregressive, 1×28×28 binary images) ----

def causal_mask(type_a, cin, cout, k):
    """nn.CausalMask for one channel group: rows above the centre, and the
    centre row up to the centre (type A without the centre itself)."""
    m = torch.zeros(cout, cin, k, k)
    c = k // 2
    m[:, :, :c, :] = 1
    m[:, :, c, :c] = 1
    if not type_a:
        m[:, :, c, c] = 1
    return m


class MaskedConv(tnn.Conv2d):
    def __init__(self, cin, cout, k, type_a):
        super().__init__(cin, cout, k, padding=k // 2)
        self.register_buffer("mask", causal_mask(type_a, cin, cout, k))
        tnn.init.zeros_(self.bias)

    def masked_out(self):
        return int((self.mask == 0).sum())

    def forward(self, x):
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)


class PixelCNN(tnn.Module):
    """genbench's PixelCNN: 7×7 type-A conv, residual blocks (ReLU, 1×1 to
    half the channels, ReLU, 3×3 type B, ReLU, 1×1 back, added), then
    ReLU, 1×1, ReLU, 1×1 to one logit per pixel."""

    def __init__(self, channels=32, blocks=12, kernel=7):
        super().__init__()
        f, h = channels, channels // 2
        self.inp = MaskedConv(1, f, kernel, True)
        self.blocks = tnn.ModuleList(tnn.ModuleList([MaskedConv(f, h, 1, False), MaskedConv(h, h, 3, False),
                                                     MaskedConv(h, f, 1, False)]) for _ in range(blocks))
        self.out1, self.out2 = MaskedConv(f, f, 1, False), MaskedConv(f, 1, 1, False)

    def forward(self, x):
        f = self.inp(x)
        for reduce, conv, expand in self.blocks:
            f = f + expand(F.relu(conv(F.relu(reduce(F.relu(f))))))
        return self.out2(F.relu(self.out1(F.relu(f))))


def pixelcnn_case(batch=64):
    g = torch.Generator().manual_seed(1)
    return bernoulli_step(PixelCNN(), binary_batch(batch, 784, g).view(batch, 1, 28, 28))


# ---- Glow and NSF (genbench models/glow and nsf; the models in peer/torch_flows.py) ----

def nll_step(flow, x, clip=None):
    """One Adam step (lr 1e-3) of flow on its mean NLL on x, clipping the
    global gradient norm at clip when given."""
    opt = torch.optim.Adam(flow.parameters(), lr=1e-3)

    def step():
        opt.zero_grad(set_to_none=False)
        loss = -flow.log_prob(x).mean()
        loss.backward()
        if clip:
            torch.nn.utils.clip_grad_norm_(flow.parameters(), clip)
        opt.step()
    return timed(step, flow)


def glow_case(batch=64):
    """glow's defaults: no gradient clipping."""
    g = torch.Generator().manual_seed(1)
    return nll_step(torch_flows.Glow(g), torch.randn(batch, 784, generator=g))


def sample_case(step, n, steps):
    """Sampling n points from step's flow after steps training steps."""
    for _ in range(steps):
        step()
    flow, g = step.model, torch.Generator().manual_seed(3)

    def call():
        with torch.no_grad():
            flow.sample(n, g)
    return timed(call, flow)


def nsf_case(batch=512):
    """nsf's defaults: the gradient norm clipped at 100."""
    g = torch.Generator().manual_seed(1)
    return nll_step(torch_flows.NSF(mlp), torch.randn(batch, 2, generator=g), clip=100.0)


CASES = {
    "mlp-large": lambda: mlp_case([784, 1024, 1024, 784], 128),
    "mlp-tiny": lambda: mlp_case([2, 64, 64, 2], 512),
    "realnvp": realnvp_case,
    "made": made_case,
    "vae": vae_case,
    "pixelcnn": pixelcnn_case,
    "glow": glow_case,
    "nsf": nsf_case,
    "sample-realnvp": realnvp_sample_case,
    "sample-vae": vae_sample_case,
    "sample-made": made_sample_case,
    "sample-glow": lambda: sample_case(glow_case(), 100, 2),
    "sample-nsf": lambda: sample_case(nsf_case(), 10000, 20),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-cases", default=",".join(ALL))
    ap.add_argument("-steps", type=int, default=20, help="timed steps per case")
    ap.add_argument("-warmup", type=int, default=3)
    ap.add_argument("-threads", type=int, default=1, help="intra-op threads (torch.set_num_threads)")
    ap.add_argument("-info", action="store_true", help="print the version and intra-op thread count, and exit")
    ap.add_argument("-params", action="store_true", help="print each case's trainable parameter count, and exit")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.info:
        print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} intra-op thread(s)")
        return
    torch.manual_seed(1)
    for name in a.cases.split(","):
        if name not in CASES:
            sys.exit(f"peer.py: unknown case {name!r} (valid: {', '.join(ALL)})")
        gc.collect()  # each case from a collected heap, as peer/main.go does
        fn = CASES[name]()
        if a.params:
            print(f"{name}\t{live_params(fn.model)}", flush=True)
            continue
        for _ in range(a.warmup):
            fn()
        times = []
        for _ in range(a.steps):
            t0 = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t0) * 1e3)
        print(f"{name}\t{statistics.median(times):.4f}", flush=True)


if __name__ == "__main__":
    main()
