# PyTorch PixelCNN (bench/peer.py's, the mnist-binary spec's architecture)
# on dynamically binarized MNIST, read from genbench's embedded data files,
# printing per-epoch training and validation NLL, to compare with
# genbench's pixelcnn learning curve at the same settings (batch 64, Adam,
# global gradient norm clipped at 100).
#   /usr/bin/python3 bench/pixelcnn_mnist.py [LR [EPOCHS [CHANNELS [BLOCKS [THREADS [STEPS]]]]]]
# defaults: 2e-3, 2 epochs, 32 channels, 12 blocks, 1 thread, full epochs
# (STEPS caps the steps per epoch, for a smoke test).
import gzip, os, sys, time
import numpy as np, torch, torch.nn.functional as F
from peer import PixelCNN  # bench/ is on the path: the script's own folder

arg = lambda i, d, f: f(sys.argv[i]) if len(sys.argv) > i else d
lr, epochs, channels, blocks, threads = arg(1, 2e-3, float), arg(2, 2, int), arg(3, 32, int), arg(4, 12, int), arg(5, 1, int)
max_steps = arg(6, 0, int)
torch.set_num_threads(threads); torch.manual_seed(0); rng = np.random.default_rng(0)
def load(p):
    with gzip.open(p) as f: return np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784) / 255.0
X = load(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'datasets', 'mnistdata', 'train-images-idx3-ubyte.gz'))
tr, va = X[:50000], X[50000:]
vab = torch.tensor((rng.random(va.shape) < va).astype(np.float32)).view(-1, 1, 28, 28)
m = PixelCNN(channels, blocks); opt = torch.optim.Adam(m.parameters(), lr)
B = 64
for ep in range(epochs):
    xb = torch.tensor((rng.random(tr.shape) < tr).astype(np.float32)).view(-1, 1, 28, 28)
    perm = torch.randperm(50000); tot = 0; t0 = time.time(); steps = min(50000 // B, max_steps or 50000)
    for i in range(steps):
        x = xb[perm[i*B:(i+1)*B]]
        loss = F.binary_cross_entropy_with_logits(m(x), x, reduction='sum') / B
        opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(m.parameters(), 100.0); opt.step(); tot += loss.item()
    with torch.no_grad():
        v = sum(F.binary_cross_entropy_with_logits(m(vab[k:k+500]), vab[k:k+500], reduction='sum').item() for k in range(0, 10000, 500)) / 10000
    print(channels, blocks, lr, ep + 1, round(tot / steps, 2), round(v, 2), round(time.time() - t0, 1), flush=True)
