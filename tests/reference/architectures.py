"""rbench's built-in architectures as PyTorch modules (src/model/builtin/mod.rs).

Train one of these, then `safetensors.torch.save_file(model.state_dict(), "weights.safetensors")`
and declare it in a spec, e.g. `arch = cnn(channels: [32, 64], classes: 10)`. The tensor names of
the state_dict are the names rbench reads. (Reference definitions: the Rust tests check the same
structure against plain-loop computations; this file needs `torch`, which they do not.)
"""

import torch
from torch import nn
import torch.nn.functional as F


class MLP(nn.Module):
    """mlp(hidden: [h0, ...], classes, activation): `hidden.{i}`, `output`."""

    def __init__(self, features, hidden, classes, activation="relu"):
        super().__init__()
        widths = [features] + list(hidden)
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths, widths[1:]))
        self.output = nn.Linear(widths[-1], classes)
        self.activation = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}[activation]

    def forward(self, x):
        x = x.flatten(1)
        for layer in self.hidden:
            x = self.activation(layer(x))
        return self.output(x)


class CNN(nn.Module):
    """cnn(channels: [c0, ...], hidden, classes, in_channels): `convs.{i}`, `hidden`, `output`."""

    def __init__(self, channels, classes, in_channels=1, hidden=128, image=(28, 28)):
        super().__init__()
        inputs = [in_channels] + list(channels)
        self.convs = nn.ModuleList(nn.Conv2d(a, b, 3, padding=1) for a, b in zip(inputs, inputs[1:]))
        height, width = image
        for _ in channels:
            height, width = height // 2, width // 2
        self.hidden = nn.Linear(channels[-1] * height * width, hidden)
        self.output = nn.Linear(hidden, classes)

    def forward(self, x):
        for conv in self.convs:
            x = F.max_pool2d(torch.relu(conv(x)), 2)
        return self.output(torch.relu(self.hidden(x.flatten(1))))


class BasicBlock(nn.Module):
    """`conv1`, `bn1`, `conv2`, `bn2`, and `downsample.0`/`downsample.1` when the shape changes."""

    def __init__(self, inputs, out, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inputs, out, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out)
        self.conv2 = nn.Conv2d(out, out, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out)
        self.downsample = None
        if stride != 1 or inputs != out:
            self.downsample = nn.Sequential(
                nn.Conv2d(inputs, out, 1, stride=stride, bias=False), nn.BatchNorm2d(out)
            )

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        shortcut = x if self.downsample is None else self.downsample(x)
        return torch.relu(y + shortcut)


class ResNet(nn.Module):
    """resnet(channels: [c0, ...], blocks, classes, in_channels): `stem`, `stem_bn`,
    `stages.{s}.{b}`, `output`."""

    def __init__(self, channels, classes, blocks=1, in_channels=1):
        super().__init__()
        self.stem = nn.Conv2d(in_channels, channels[0], 3, padding=1, bias=False)
        self.stem_bn = nn.BatchNorm2d(channels[0])
        stages, inputs = [], channels[0]
        for s, out in enumerate(channels):
            stage = []
            for b in range(blocks):
                stage.append(BasicBlock(inputs, out, 2 if s > 0 and b == 0 else 1))
                inputs = out
            stages.append(nn.Sequential(*stage))
        self.stages = nn.ModuleList(stages)
        self.output = nn.Linear(inputs, classes)

    def forward(self, x):
        x = torch.relu(self.stem_bn(self.stem(x)))
        for stage in self.stages:
            x = stage(x)
        return self.output(F.adaptive_avg_pool2d(x, 1).flatten(1))
