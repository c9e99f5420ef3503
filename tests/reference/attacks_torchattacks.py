"""Reference robust accuracies of FGSM and PGD from torchattacks, for tests/attacks.rs.

The model is examples/models/digits_mlp.onnx rebuilt in torch from its initializers
(Flatten -> Linear(64, 64) -> ReLU -> Linear(64, 10), the ONNX graph's Gemm layers with
transB = 1); the samples are the first 200 of examples/data/digits_test.npz, whose values are
already in [0, 1] (grey levels 0..16 divided by 16), torchattacks' input range, so no scaling is
needed. CW runs twice: as torchattacks has it, and with the paper's f (`PaperCW`), which is
what rbench computes. Robust accuracy counts the samples whose adversarial example the model still classifies
as the label.

    python3 -m venv /work/venv-attacks
    /work/venv-attacks/bin/pip install torch torchattacks onnx numpy
    /work/venv-attacks/bin/python tests/reference/attacks_torchattacks.py
"""

import pathlib

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torchattacks

ROOT = pathlib.Path(__file__).resolve().parents[2]
SAMPLES = 200


def model() -> torch.nn.Module:
    graph = onnx.load(ROOT / "examples/models/digits_mlp.onnx").graph
    weights = {i.name: onnx.numpy_helper.to_array(i) for i in graph.initializer}
    net = torch.nn.Sequential(
        torch.nn.Flatten(),
        torch.nn.Linear(64, 64),
        torch.nn.ReLU(),
        torch.nn.Linear(64, 10),
    )
    with torch.no_grad():
        for layer, name in ((net[1], "hidden"), (net[3], "output")):
            layer.weight.copy_(torch.tensor(weights[f"{name}.weight"]))
            layer.bias.copy_(torch.tensor(weights[f"{name}.bias"]))
    return net.eval()


class PaperCW(torchattacks.CW):
    """torchattacks' CW with the paper's f: the largest logit other than the label's, and the
    label's logit, read directly (torchattacks' `f` takes both maxima over logits multiplied by a
    one-hot mask, which reads 0 in place of the masked logits when the others are negative)."""

    def f(self, outputs, labels):
        mask = torch.eye(outputs.shape[1], dtype=torch.bool)[labels]
        other = outputs.masked_fill(mask, -float("inf")).max(dim=1)[0]
        real = outputs.gather(1, labels[:, None]).squeeze(1)
        if self.targeted:
            return torch.clamp(other - real, min=-self.kappa)
        return torch.clamp(real - other, min=-self.kappa)


def robust(net, attack, x, y) -> int:
    adv = attack(x, y)
    with torch.no_grad():
        return int((net(adv).argmax(1) == y).sum())


def main() -> None:
    torch.use_deterministic_algorithms(True)
    data = np.load(ROOT / "examples/data/digits_test.npz")
    x = torch.from_numpy(data["x"][:SAMPLES].astype(np.float32))
    y = torch.from_numpy(data["y"][:SAMPLES].astype(np.int64))
    steps = 10
    # float32 is torchattacks' usual precision; float64 avoids the cancellation of float32's
    # softmax gradient p_y - 1 on confidently classified samples (rbench computes the loss
    # gradient in f64).
    for dtype in (torch.float32, torch.float64):
        net = model().to(dtype)
        xs = x.to(dtype)
        print(dtype)
        with torch.no_grad():
            print(f"  clean {int((net(xs).argmax(1) == y).sum())}/{SAMPLES}")
        for eps16 in (1, 2, 3):
            eps = eps16 / 16
            fgsm = robust(net, torchattacks.FGSM(net, eps=eps), xs, y)
            alpha = 2.5 * eps / steps
            pgd = torchattacks.PGD(net, eps=eps, alpha=alpha, steps=steps, random_start=False)
            print(f"  eps {eps16}/16: fgsm {fgsm}, pgd_linf {robust(net, pgd, xs, y)}")
        for eps in (0.5, 1.0):
            alpha = 2.5 * eps / steps
            pgd = torchattacks.PGDL2(net, eps=eps, alpha=alpha, steps=steps, random_start=False)
            print(f"  eps {eps}: pgd_l2 {robust(net, pgd, xs, y)}")
        for c in (1.0, 10.0):
            ours = robust(net, PaperCW(net, c=c, kappa=0, steps=50, lr=0.01), xs, y)
            theirs = robust(net, torchattacks.CW(net, c=c, kappa=0, steps=50, lr=0.01), xs, y)
            print(f"  c {c}: cw (paper's f) {ours}, torchattacks cw {theirs}")


if __name__ == "__main__":
    main()
