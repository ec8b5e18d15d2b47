"""The flows of genbench's peer benchmark written by hand in PyTorch:
Glow (genbench's models/glow) and the neural spline flow (models/flow's
nsf with nn.RQSpline), with genbench's default settings. bench/peer.py
imports them; see bench/README.md.
"""
import math

import torch
import torch.nn as tnn
import torch.nn.functional as F

HALF_LOG_2PI = 0.9189385332046727


# ---- Glow (genbench models/glow, 1×28×28 continuous images) ----

def glow_conv(cin, cout, k, zero=False):
    """A K×K convolution (padding K/2) with Glorot-uniform weights over
    (cin+cout)·K² fans, or zeros, and zero biases, as glow's newConv."""
    conv = tnn.Conv2d(cin, cout, k, padding=k // 2)
    if zero:
        tnn.init.zeros_(conv.weight)
    else:
        a = math.sqrt(6 / ((cin + cout) * k * k))
        tnn.init.uniform_(conv.weight, -a, a)
    tnn.init.zeros_(conv.bias)
    return conv


class NormConv(tnn.Module):
    """A hidden layer of a coupling network with net_actnorm: a bias-free
    convolution (glow's newNormConv) followed by an ActNorm set from the
    first batch, whose log-determinant is not used."""

    def __init__(self, cin, cout, k):
        super().__init__()
        self.conv = glow_conv(cin, cout, k)
        self.conv.bias = None
        self.norm = ActNorm(cout)

    def forward(self, x):
        return self.norm(self.conv(x))[0]


class ZeroConv(tnn.Module):
    """Glow's Conv2dZeros (glow's newZeroConv with zero_scale 3): a
    zero-initialised convolution whose output channels are scaled by
    exp(3·logs), logs learned from zero."""

    def __init__(self, cin, cout, k, factor=3.0):
        super().__init__()
        self.conv, self.factor = glow_conv(cin, cout, k, zero=True), factor
        self.logs = tnn.Parameter(torch.zeros(1, cout, 1, 1))

    def forward(self, x):
        return self.conv(x) * torch.exp(self.factor * self.logs)


def squeeze(x):
    """nn.SqueezePerm: out[4c + 2u + v, i, j] = in[c, 2i + u, 2j + v]."""
    b, c, h, w = x.shape
    return x.view(b, c, h // 2, 2, w // 2, 2).permute(0, 1, 3, 5, 2, 4).reshape(b, 4 * c, h // 2, w // 2)


def unsqueeze(x):
    b, c, h, w = x.shape
    return x.view(b, c // 4, 2, 2, h, w).permute(0, 1, 4, 2, 5, 3).reshape(b, c // 4, 2 * h, 2 * w)


class ActNorm(tnn.Module):
    """z = x·exp(logs[c]) + bias[c], set from the first batch so that each
    channel has zero mean and unit variance."""

    def __init__(self, c):
        super().__init__()
        self.logs, self.bias = tnn.Parameter(torch.zeros(1, c, 1, 1)), tnn.Parameter(torch.zeros(1, c, 1, 1))
        self.initialized = False

    def forward(self, x):
        if not self.initialized:
            with torch.no_grad():
                mean, std = x.mean((0, 2, 3), keepdim=True), x.std((0, 2, 3), unbiased=False, keepdim=True)
                s = 1 / (std + 1e-6)
                self.logs.copy_(s.log())
                self.bias.copy_(-mean * s)
            self.initialized = True
        return x * self.logs.exp() + self.bias, x.shape[2] * x.shape[3] * self.logs.sum()

    def inverse(self, z):
        inv = torch.exp(-self.logs)
        return z * inv - self.bias * inv, -z.shape[2] * z.shape[3] * self.logs.sum()


class InvConv(tnn.Module):
    """Invertible 1×1 convolution, W = P·(L + I)·(U + diag(sign·exp(logs)))
    with L and U full C×C parameters masked to their strict triangles (as
    genbench keeps them), starting at a random rotation."""

    def __init__(self, c, g):
        super().__init__()
        q, _ = torch.linalg.qr(torch.randn(c, c, generator=g, dtype=torch.float64))
        p, lo, up = torch.linalg.lu(q)
        dt = torch.get_default_dtype()
        p, lo, up = p.to(dt), lo.to(dt), up.to(dt)
        d = up.diagonal()
        self.register_buffer("perm", p)
        self.register_buffer("sign", torch.sign(d))
        self.register_buffer("lower", torch.tril(torch.ones(c, c), -1))
        self.register_buffer("upper", torch.triu(torch.ones(c, c), 1))
        self.register_buffer("eye", torch.eye(c))
        self.l, self.u = tnn.Parameter(lo * self.lower), tnn.Parameter(up * self.upper)
        self.logs = tnn.Parameter(d.abs().log())

    def masked_out(self):
        return int((self.lower == 0).sum() + (self.upper == 0).sum())

    def weight(self):
        lower = self.l * self.lower + self.eye
        upper = self.u * self.upper + self.eye * (self.logs.exp() * self.sign)
        return self.perm @ (lower @ upper)

    def forward(self, x):
        c = x.shape[1]
        return F.conv2d(x, self.weight().view(c, c, 1, 1)), x.shape[2] * x.shape[3] * self.logs.sum()

    def inverse(self, z):
        c = z.shape[1]
        return F.conv2d(z, torch.inverse(self.weight()).view(c, c, 1, 1)), -z.shape[2] * z.shape[3] * self.logs.sum()


class GlowCoupling(tnn.Module):
    """z₂ = (x₂ + b)·s from a 3×3 conv, actnorm, ReLU, 1×1 conv, actnorm,
    ReLU, zero-init 3×3 conv scaled by exp(3·logs) of x₁; s = min_scale +
    (1 − min_scale)·sigmoid(raw + 2)."""

    def __init__(self, c, hidden, min_scale):
        super().__init__()
        self.keep, self.n, self.min_scale = c // 2, c - c // 2, min_scale
        self.net = tnn.Sequential(NormConv(self.keep, hidden, 3), tnn.ReLU(), NormConv(hidden, hidden, 1), tnn.ReLU(),
                                  ZeroConv(hidden, 2 * self.n, 3))

    def params(self, x1):
        out = self.net(x1)
        s = self.min_scale + (1 - self.min_scale) * torch.sigmoid(out[:, self.n:] + 2)
        return out[:, :self.n], s.log()

    def forward(self, x):
        x1, x2 = x[:, :self.keep], x[:, self.keep:]
        shift, log_s = self.params(x1)
        return torch.cat([x1, (x2 + shift) * log_s.exp()], 1), log_s.sum((1, 2, 3))

    def inverse(self, z):
        z1, z2 = z[:, :self.keep], z[:, self.keep:]
        shift, log_s = self.params(z1)
        return torch.cat([z1, z2 * torch.exp(-log_s) - shift], 1), -log_s.sum((1, 2, 3))


class SplitPrior(tnn.Module):
    """Factors out the last channels under N(μ, σ²) from a zero-init 3×3
    conv (scaled by exp(3·logs)) of the kept ones, log σ = 5·tanh(raw/5)."""

    def __init__(self, c):
        super().__init__()
        self.keep, self.n = c // 2, c - c // 2
        self.conv = ZeroConv(self.keep, 2 * self.n, 3)

    def params(self, z1):
        out = self.conv(z1)
        return out[:, :self.n], 5 * torch.tanh(out[:, self.n:] / 5)

    def forward(self, x):
        z1, z2 = x[:, :self.keep], x[:, self.keep:]
        mean, log_std = self.params(z1)
        return torch.cat([z1, (z2 - mean) * torch.exp(-log_std)], 1), -log_std.sum((1, 2, 3))

    def inverse(self, z):
        z1, eps = z[:, :self.keep], z[:, self.keep:]
        mean, log_std = self.params(z1)
        return torch.cat([z1, eps * log_std.exp() + mean], 1), log_std.sum((1, 2, 3))


class TopPrior(tnn.Module):
    """Glow's learned top prior (glow's TopPrior): ε = (z − mean)·exp(−logstd)
    for every value of the last level's flat latent, both learned from 0."""

    def __init__(self, dim):
        super().__init__()
        self.mean, self.logstd = tnn.Parameter(torch.zeros(1, dim)), tnn.Parameter(torch.zeros(1, dim))

    def forward(self, z):
        return (z - self.mean) * torch.exp(-self.logstd), -self.logstd.sum()

    def inverse(self, eps):
        return eps * self.logstd.exp() + self.mean, self.logstd.sum()


class GlowLevel(tnn.Module):
    """Squeeze, steps (actnorm, 1×1 conv, coupling) and, below the last
    level, the split prior and the next levels on the kept channels."""

    def __init__(self, c, k, g, levels=2, steps=4, hidden=64, min_scale=1e-3, hw=28 * 28):
        super().__init__()
        c4, hw = 4 * c, hw // 4
        self.steps = tnn.ModuleList(tnn.ModuleList([ActNorm(c4), InvConv(c4, g), GlowCoupling(c4, hidden, min_scale)])
                                    for _ in range(steps))
        self.split = SplitPrior(c4) if k + 1 < levels else None
        self.inner = GlowLevel(c4 // 2, k + 1, g, levels, steps, hidden, min_scale, hw) if self.split else None
        self.prior = TopPrior(c4 * hw) if self.split is None else None

    def forward(self, x):
        """x (B×C×H×W) to flat z (the next levels' part first) and log|det|."""
        x, total = squeeze(x), 0
        for step in self.steps:
            for t in step:
                x, ld = t(x)
                total = total + ld
        if self.split is None:
            z, ld = self.prior(x.flatten(1))
            return z, total + ld
        x, ld = self.split(x)
        z, inner = self.inner(x[:, :self.split.keep])
        return torch.cat([z, x[:, self.split.keep:].flatten(1)], 1), total + ld + inner

    def inverse(self, z, c, h, w):
        c4, h, w = 4 * c, h // 2, w // 2
        total = 0
        if self.split is None:
            z, total = self.prior.inverse(z)
            x = z.view(-1, c4, h, w)
        else:
            n = self.split.keep * h * w
            x1, total = self.inner.inverse(z[:, :n], self.split.keep, h, w)
            x, ld = self.split.inverse(torch.cat([x1, z[:, n:].view(-1, self.split.n, h, w)], 1))
            total = total + ld
        for step in reversed(self.steps):
            for t in reversed(step):
                x, ld = t.inverse(x)
                total = total + ld
        return unsqueeze(x), total


class Glow(tnn.Module):
    def __init__(self, g, shape=(1, 28, 28)):
        super().__init__()
        self.shape, self.dim = shape, shape[0] * shape[1] * shape[2]
        self.top = GlowLevel(shape[0], 0, g, hw=shape[1] * shape[2])

    def log_prob(self, x):
        z, ld = self.top(x.view(-1, *self.shape))
        return -0.5 * (z * z).sum(1) - self.dim * HALF_LOG_2PI + ld

    def sample(self, n, g, tau=1.0):
        x, ld = self.top.inverse(tau * torch.randn(n, self.dim, generator=g), *self.shape)
        return x.flatten(1), ld


# ---- NSF (genbench models/flow BuildNSF with nn.RQSpline, 2-D) ----

def knots(p, least, bound):
    """cumKnots: −b + 2b·Σ_{i<j} (least + (1 − K·least)·p_i), ends at ±b."""
    cum = torch.cumsum(least + (1 - p.shape[-1] * least) * p[..., :-1], -1)
    end = torch.full_like(cum[..., :1], bound)
    return torch.cat([-end, -bound + 2 * bound * cum, end], -1)


def rq_spline(x, raw, inverse, bins=16, bound=5.0, least=1e-3, min_d=1e-3):
    """nn.RQSpline: x N×M, raw N×(M·P) or 1×(M·P) with P = 3·bins − 1
    (widths, heights, interior derivatives); identity outside [−bound,
    bound]. Returns the result and the row sums of log|d out/d in|."""
    n, m = x.shape
    raw = raw.view(raw.shape[0], m, 3 * bins - 1)
    xs = knots(torch.softmax(raw[..., :bins], -1), least, bound).expand(n, m, bins + 1)
    ys = knots(torch.softmax(raw[..., bins:2 * bins], -1), least, bound).expand(n, m, bins + 1)
    one = torch.ones_like(raw[..., :1])
    shift = math.log(math.expm1(1 - min_d))
    ds = torch.cat([one, min_d + F.softplus(raw[..., 2 * bins:] + shift), one], -1).expand(n, m, bins + 1)
    inside = x.abs() <= bound
    v = x.clamp(-bound, bound)[..., None]
    k = ((ys if inverse else xs)[..., 1:bins] <= v).sum(-1, keepdim=True)
    x0, y0, d0 = xs.gather(-1, k), ys.gather(-1, k), ds.gather(-1, k)
    w, h, d1 = xs.gather(-1, k + 1) - x0, ys.gather(-1, k + 1) - y0, ds.gather(-1, k + 1)
    s = h / w
    if inverse:
        dy = v - y0
        c = d0 + d1 - 2 * s
        qa, qb, qc = h * (s - d0) + dy * c, h * d0 - dy * c, -s * dy
        xi = (2 * qc / (-qb - torch.sqrt((qb * qb - 4 * qa * qc).clamp(min=0)))).clamp(0, 1)
        out = x0 + xi * w
    else:
        xi = ((v - x0) / w).clamp(0, 1)
    t = xi * (1 - xi)
    den = s + (d0 + d1 - 2 * s) * t
    p = d1 * xi * xi + 2 * s * t + d0 * (1 - xi) ** 2
    ld = 2 * s.log() + p.log() - 2 * den.log()
    if inverse:
        ld = -ld
    else:
        out = y0 + h * (s * xi * xi + d0 * t) / den
    out, ld = out[..., 0], ld[..., 0]
    return torch.where(inside, out, x), torch.where(inside, ld, torch.zeros_like(ld)).sum(1)


class NSF(tnn.Module):
    """An elementwise spline, then spline couplings (the first half
    conditions the rest through an MLP with a zero output layer), each
    followed by an order reversal."""

    def __init__(self, mlp, dim=2, layers=6, hidden=64, bins=16):
        """mlp(sizes, zero_out=True) builds a conditioner: Glorot-uniform
        weights, zero biases, ReLU between layers, a zero output layer."""
        super().__init__()
        self.dim, self.split, per = dim, dim // 2, 3 * bins - 1
        self.elementwise = tnn.Parameter(torch.zeros(1, dim * per))
        self.nets = tnn.ModuleList(mlp([self.split, hidden, hidden, (dim - self.split) * per], zero_out=True)
                                   for _ in range(layers))

    def log_prob(self, x):
        z, total = rq_spline(x, self.elementwise, False)
        for net in self.nets:
            a = z[:, :self.split]
            out, ld = rq_spline(z[:, self.split:], net(a), False)
            z, total = torch.cat([a, out], 1).flip(1), total + ld
        return -0.5 * (z * z).sum(1) - self.dim * HALF_LOG_2PI + total

    def sample(self, n, g):
        x, total = torch.randn(n, self.dim, generator=g), 0
        for net in reversed(self.nets):
            x = x.flip(1)
            a = x[:, :self.split]
            out, ld = rq_spline(x[:, self.split:], net(a), True)
            x, total = torch.cat([a, out], 1), total + ld
        x, ld = rq_spline(x, self.elementwise, True)
        return x, total + ld
