"""A torch layer subclass for the hardening tests (pickled by reference, so it must live in an
importable module).  Importing this module imports torch."""

import torch


class DoublingLinear(torch.nn.Linear):
    """A Linear layer whose forward differs from what its weights say: a file containing it
    must be refused, not analysed as a plain Linear layer."""

    def forward(self, x):
        return 2.0 * super().forward(x)


def double_output(module, inputs, output):
    """A forward hook that changes what a layer computes."""
    return 2.0 * output
