"""Exports small PyTorch classifiers to ONNX, with onnxruntime's outputs on a fixed batch.

The fixtures of `tests/onnx_pytorch.rs` (in `tests/fixtures/onnx/pytorch/`) come from this script:
each model is built with seeded random weights (batch-norm running statistics included, so that
they are not the identity), put in eval mode, and exported with `torch.onnx.export` by the
TorchScript exporter (`dynamo=False`, opsets 11, 13 and 17) and, when the installed torch has it, by
the dynamo exporter (`dynamo=True`). For each model, `<model>.json` holds a seeded input batch,
PyTorch's output on it, and onnxruntime's output for every exported file.

Run from the repository root (see `tests/fixtures/onnx/pytorch/README.md` for the versions):

    python tests/reference/export_pytorch_models.py
"""

import json
import pathlib
import warnings

import numpy as np
import onnx
import onnxruntime
import torch
from torch import nn

OUT = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "onnx" / "pytorch"
BATCH = 3


class Mlp(nn.Module):
    """An MLP on 1x28x28 images that flattens with `x.view(x.size(0), -1)`."""

    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(28 * 28, 32)
        self.out = nn.Linear(32, 10)

    def forward(self, x):
        x = x.view(x.size(0), -1)
        return self.out(torch.relu(self.hidden(x)))


class Cnn(nn.Module):
    """Two Conv + BatchNorm2d + ReLU + MaxPool2d stages on 1x28x28, `torch.flatten(x, 1)`."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 3, padding=1),
            nn.BatchNorm2d(6),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(6, 8, 3, padding=1),
            nn.BatchNorm2d(8),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Linear(8 * 7 * 7, 10)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


class BasicBlock(nn.Module):
    """torchvision's `BasicBlock`: two 3x3 Conv + BN, a residual add, and a 1x1 Conv + BN
    downsample when the stride or the width changes."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout)
            )

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(out)) + identity)


class ResNet(nn.Module):
    """A small ResNet on 3x32x32: 7x7 stride-2 stem, max-pool (3, 2, 1), two basic blocks,
    adaptive average pool, linear."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        self.layer1 = BasicBlock(8, 8, 1)
        self.layer2 = BasicBlock(8, 16, 2)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = self.maxpool(torch.relu(self.bn1(self.conv1(x))))
        x = self.layer2(self.layer1(x))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class Tabular(nn.Module):
    """A tabular MLP on 12 features: BatchNorm1d, Tanh, Dropout, Sigmoid; 3 classes."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(12, 16),
            nn.BatchNorm1d(16),
            nn.Tanh(),
            nn.Dropout(0.3),
            nn.Linear(16, 8),
            nn.Sigmoid(),
            nn.Linear(8, 3),
        )

    def forward(self, x):
        return self.net(x)


class PoolSoftmax(nn.Module):
    """Reflection padding, average pools with padding (with and without the padding counted)
    and a ceil-mode max-pool on 3x32x32, ending in a softmax over the classes."""

    def __init__(self):
        super().__init__()
        self.pad = nn.ReflectionPad2d(1)
        self.conv = nn.Conv2d(3, 6, 3)
        self.avg = nn.AvgPool2d(3, stride=2, padding=1)
        self.avg_exclude = nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
        self.max = nn.MaxPool2d(2, ceil_mode=True)
        self.fc = nn.Linear(6 * 8 * 8, 5)

    def forward(self, x):
        x = self.max(torch.tanh(self.avg_exclude(self.avg(self.conv(self.pad(x))))))
        return torch.softmax(self.fc(torch.flatten(x, 1)), dim=1)


class Activations(nn.Module):
    """A tabular MLP of the activations and layers exported as several ONNX operators: ReLU6
    (`Clip`), Hardswish, a slice `x[:, :12]`, GELU, LayerNorm (decomposed before opset 17),
    ELU, Hardsigmoid."""

    def __init__(self):
        super().__init__()
        self.first = nn.Linear(10, 16)
        self.second = nn.Linear(16, 16)
        self.norm = nn.LayerNorm(12)
        self.out = nn.Linear(12, 4)

    def forward(self, x):
        x = nn.functional.hardswish(self.second(nn.functional.relu6(self.first(x))))
        x = self.norm(nn.functional.gelu(x[:, :12]))
        return self.out(nn.functional.hardsigmoid(nn.functional.elu(x)))


# name: (model class, one sample's shape, whether the output is probabilities)
MODELS = {
    "mlp": (Mlp, (1, 28, 28), False),
    "cnn": (Cnn, (1, 28, 28), False),
    "resnet": (ResNet, (3, 32, 32), False),
    "tabular": (Tabular, (12,), False),
    "pool_softmax": (PoolSoftmax, (3, 32, 32), True),
    "activations": (Activations, (10,), False),
}


def floats(array):
    """The elements of a float32 array, each with the 9 significant digits that identify it."""
    return [float(f"{v:.9g}") for v in array.ravel()]


def build(name, cls, seed, x):
    """The model with seeded weights and non-trivial batch-norm statistics, in eval mode. Its
    last linear layer is scaled so that its largest output on `x` is 5, as a trained
    classifier's logits spread over a few units (so that input gradients are not tiny)."""
    torch.manual_seed(seed)
    model = cls()
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.LayerNorm):
                module.weight.copy_(torch.empty(module.weight.shape).uniform_(0.5, 1.5))
                module.bias.copy_(torch.empty(module.bias.shape).uniform_(-0.5, 0.5))
            if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
                c = module.num_features
                module.weight.copy_(torch.empty(c).uniform_(0.5, 1.5))
                module.bias.copy_(torch.empty(c).uniform_(-0.5, 0.5))
                module.running_mean.copy_(torch.empty(c).uniform_(-0.5, 0.5))
                module.running_var.copy_(torch.empty(c).uniform_(0.5, 2.0))
        model.eval()
        last = [m for m in model.modules() if isinstance(m, nn.Linear)][-1]
        logits = []
        hook = last.register_forward_hook(lambda module, inputs, output: logits.append(output))
        model(x)
        hook.remove()
        scale = 5.0 / float(logits[0].abs().max())
        last.weight.mul_(scale)
        last.bias.mul_(scale)
    return model


class Variant:
    """One export of a model: its file and the `torch.onnx.export` options."""

    def __init__(self, file, dynamo=False, opset=None, fold=True, static=False):
        self.file, self.dynamo, self.opset, self.fold, self.static = file, dynamo, opset, fold, static


def variants(name, model):
    """The exports of a model: TorchScript at opsets 11, 13 and 17 (and 17 without folding batch
    norms into convolutions, for models that have them; for the MLP, 17 with a fixed batch of
    1, as an export without `dynamic_axes` has), and dynamo."""
    found = [Variant(f"{name}_opset{opset}.onnx", opset=opset) for opset in (11, 13, 17)]
    if any(isinstance(m, nn.BatchNorm2d) for m in model.modules()):
        found.append(Variant(f"{name}_opset17_unfolded.onnx", opset=17, fold=False))
    if name == "mlp":
        found.append(Variant(f"{name}_opset17_batch1.onnx", opset=17, static=True))
    found.append(Variant(f"{name}_dynamo.onnx", dynamo=True))
    return found


def export(model, x, path, variant):
    """Exports `model` (with a dynamic batch axis unless `variant.static`, then with a batch of
    1); returns whether it worked."""
    kwargs = dict(input_names=["input"], output_names=["output"])
    if variant.dynamo:
        batch = torch.export.Dim("batch", min=1, max=1024)
        kwargs.update(dynamo=True, dynamic_shapes=({0: batch},), external_data=False)
    else:
        kwargs.update(
            dynamo=False, opset_version=variant.opset, do_constant_folding=variant.fold
        )
        if not variant.static:
            kwargs.update(dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    example = x[:1] if variant.static else x
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(model, (example,), str(path), **kwargs)
    except Exception as error:  # the dynamo exporter needs onnxscript and a recent torch
        print(f"  {path.name}: not exported ({type(error).__name__}: {error})")
        return False
    onnx.checker.check_model(onnx.load(str(path)))
    return True


def onnxruntime_outputs(path, x, static):
    """onnxruntime's outputs on the batch `x` (one sample at a time for a fixed batch of 1)."""
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    batches = [x[i : i + 1] for i in range(len(x))] if static else [x]
    return np.concatenate([session.run(None, {name: batch.numpy()})[0] for batch in batches])


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for seed, (name, (cls, shape, probabilities)) in enumerate(MODELS.items()):
        generator = torch.Generator().manual_seed(1000 + seed)
        x = torch.randn((BATCH, *shape), generator=generator)
        model = build(name, cls, seed, x)
        with torch.no_grad():
            expected = model(x).numpy()
        reference = {
            "input_shape": list(x.shape),
            "input": floats(x.numpy()),
            "probabilities": probabilities,
            "torch": floats(expected),
            "onnxruntime": {},
        }
        for variant in variants(name, model):
            path = OUT / variant.file
            if not export(model, x, path, variant):
                continue
            output = onnxruntime_outputs(path, x, variant.static)
            error = float(np.abs(output - expected).max())
            ops = sorted({node.op_type for node in onnx.load(str(path)).graph.node})
            print(f"  {path.name}: {path.stat().st_size} bytes, |ort - torch| {error:.2e}, ops {ops}")
            reference["onnxruntime"][variant.file] = floats(output)
        (OUT / f"{name}.json").write_text(json.dumps(reference) + "\n")


if __name__ == "__main__":
    main()
