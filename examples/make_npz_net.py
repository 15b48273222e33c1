"""Write the README's worked-example network as an ``.npz`` archive (arrays W1, b1, W2, b2):
f(z) = W2 ReLU(W1 z + b1) + b2 = (ReLU(z1) + ReLU(z1 + z2 - 1), ReLU(z2) - ReLU(z1 + z2 - 1)).
examples/mynet.npz was written by this script.

Usage: python examples/make_npz_net.py OUT.npz
"""

import sys

import numpy as np

LAYERS = {"W1": [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], "b1": [0.0, 0.0, -1.0],
          "W2": [[1.0, 0.0, 1.0], [0.0, 1.0, -1.0]], "b2": [0.0, 0.0]}

if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[-1])
    np.savez(sys.argv[1], **{k: np.asarray(v) for k, v in LAYERS.items()})
    print(f"wrote {sys.argv[1]}")
