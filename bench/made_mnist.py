# PyTorch MADE (784-500-784, one mask) on dynamically binarized MNIST, read
# from genbench's embedded data files, printing per-epoch training and
# validation NLL, to compare with genbench's made learning curve.
#   /usr/bin/python3 bench/made_mnist.py LR {spread|random|cyclic} EPOCHS [direct]
# Hidden degrees: spread over 1..D-1 (genbench), random (Germain et al.),
# or cyclic 1..H (nflows' default, which leaves inputs H+1..D-1 unseen).
# "direct" adds masked input-to-output weights, zero at the start (genbench's
# made direct: true; Germain et al.'s direct_input_connect Output).
import gzip, os, sys, time, numpy as np, torch, torch.nn as nn, torch.nn.functional as F
torch.set_num_threads(1); torch.manual_seed(0); rng = np.random.default_rng(0)
def load(p):
    with gzip.open(p) as f: return np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784) / 255.0
X = load(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'datasets', 'mnistdata', 'train-images-idx3-ubyte.gz'))
tr, va = X[:50000], X[50000:]
vab = torch.tensor((rng.random(va.shape) < va).astype(np.float32))
D, H = 784, 500
lr = float(sys.argv[1]) if len(sys.argv) > 1 else 3e-3
mode = sys.argv[2] if len(sys.argv) > 2 else 'spread'
if mode == 'spread': deg = 1 + (np.arange(H) * (D - 2)) // (H - 1)
elif mode == 'random': deg = rng.integers(1, D, H)
else: deg = np.arange(H) % (D - 1) + 1
inp = np.arange(1, D + 1)
M1 = torch.tensor((deg[None, :] >= inp[:, None]).astype(np.float32)).t()  # H x D
M2 = torch.tensor((inp[None, :] > deg[:, None]).astype(np.float32)).t()  # D x H
Md = torch.tensor((inp[None, :] > inp[:, None]).astype(np.float32)).t()  # D x D: output j sees inputs before it
direct = len(sys.argv) > 4 and sys.argv[4] == 'direct'
class MADE(nn.Module):
    def __init__(s):
        super().__init__(); s.l1 = nn.Linear(D, H); s.l2 = nn.Linear(H, D)
        s.wd = nn.Parameter(torch.zeros(D, D)) if direct else None
    def forward(s, x):
        h = F.relu(F.linear(x, s.l1.weight * M1, s.l1.bias))
        out = F.linear(h, s.l2.weight * M2, s.l2.bias)
        return out + F.linear(x, s.wd * Md) if direct else out
m = MADE(); opt = torch.optim.Adam(m.parameters(), lr)
for ep in range(int(sys.argv[3]) if len(sys.argv) > 3 else 4):
    xb = torch.tensor((rng.random(tr.shape) < tr).astype(np.float32)); perm = torch.randperm(50000); tot = 0; t0 = time.time()
    for i in range(500):
        x = xb[perm[i*100:(i+1)*100]]
        loss = F.binary_cross_entropy_with_logits(m(x), x, reduction='sum') / 100
        opt.zero_grad(); loss.backward(); opt.step(); tot += loss.item()
    with torch.no_grad(): v = F.binary_cross_entropy_with_logits(m(vab), vab, reduction='sum').item() / 10000
    print(mode, 'direct' if direct else 'plain', lr, ep, round(tot / 500, 2), round(v, 2), round(time.time() - t0, 1), flush=True)
