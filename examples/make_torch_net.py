"""Write the README's worked-example network as a torch file: ``nn.Sequential`` of ``Linear``
and ``ReLU`` layers saved whole with ``torch.save``, which ``exactid check`` reads without
running any code from the file (see the README, 'Safety and limits').

Usage: python examples/make_torch_net.py OUT.pt
"""

import sys

import torch
from torch import nn


def worked_example() -> nn.Sequential:
    """f(z) = W2 ReLU(W1 z + b1) + b2 with the weights of examples/mynet.npz."""
    net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2))
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))
        net[0].bias.copy_(torch.tensor([0.0, 0.0, -1.0]))
        net[2].weight.copy_(torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, -1.0]]))
        net[2].bias.copy_(torch.tensor([0.0, 0.0]))
    return net


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[-1])
    torch.save(worked_example(), sys.argv[1])
    print(f"wrote {sys.argv[1]}")
