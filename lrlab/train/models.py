"""The two models: LeNet from the seed articles, and a fast small residual CNN.

Each model lists its ``stages`` in forward order, the last being the classifier head; parameter
groups are cut along stages (see :func:`param_groups`).
"""

from __future__ import annotations

import itertools

import torch
from torch import nn

MODELS = ("lenet", "resnet")


class LeNet(nn.Module):
    """The network of the seed articles and the PyTorch tutorial: conv 6, conv 16, fc 120-84-10."""

    def __init__(self, classes: int = 10) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, classes)
        self.pool = nn.MaxPool2d(2)
        self.stages = [self.conv1, self.conv2, self.fc1, self.fc2, self.fc3]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(torch.relu(self.conv1(x)))
        x = self.pool(torch.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = torch.relu(self.fc1(x))
        x = torch.relu(self.fc2(x))
        return self.fc3(x)


class ConvGroup(nn.Module):
    """conv -> maxpool -> BN -> GELU, then a residual conv -> BN -> GELU at the new width."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1, bias=False)
        self.pool = nn.MaxPool2d(2)
        self.bn1 = nn.BatchNorm2d(c_out, momentum=0.4)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out, momentum=0.4)
        self.act = nn.GELU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.act(self.bn1(self.pool(self.conv1(x))))
        return x + self.act(self.bn2(self.conv2(x)))


class ResNet(nn.Module):
    """A small residual CNN in the spirit of airbench: a 2x2 stem, three conv groups that
    halve the resolution, global max pooling and a scaled linear head. About 1.9M parameters;
    BatchNorm with a high momentum and no bias terms, as airbench, so it trains in few epochs.
    """

    def __init__(self, classes: int = 10, widths: tuple[int, int, int] = (64, 256, 256)) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 24, 2, padding=0, bias=False), nn.GELU())
        self.group1 = ConvGroup(24, widths[0])
        self.group2 = ConvGroup(widths[0], widths[1])
        self.group3 = ConvGroup(widths[1], widths[2])
        self.head = nn.Linear(widths[2], classes, bias=False)
        self.stages = [self.stem, self.group1, self.group2, self.group3, self.head]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.group3(self.group2(self.group1(self.stem(x))))
        x = torch.amax(x, dim=(2, 3))
        return self.head(x) / 9.0  # airbench's output scaling keeps early logits small


def build_model(name: str, classes: int = 10) -> nn.Module:
    if name == "lenet":
        return LeNet(classes)
    if name == "resnet":
        return ResNet(classes)
    raise ValueError(f"unknown model {name!r}; expected one of {', '.join(MODELS)}")


def param_groups(model: nn.Module, n: int) -> list[list[torch.Tensor]]:
    """Split the model's parameters into ``n`` groups along its stages.

    The last group is always the classifier head (as when fine-tuning: a new head with its own
    rate); the earlier stages are shared out in order among the other groups, so with two
    groups group 0 is the feature extractor and group 1 the head.
    """
    stages = model.stages
    if not 1 <= n <= len(stages):
        raise ValueError(f"this model supports 1 to {len(stages)} parameter groups, got {n}")
    if n == 1:
        return [list(model.parameters())]
    body, chunks = stages[:-1], n - 1
    bounds = [round(i * len(body) / chunks) for i in range(chunks + 1)]
    groups = [
        [p for stage in body[lo:hi] for p in stage.parameters()]
        for lo, hi in itertools.pairwise(bounds)
    ]
    return [*groups, list(stages[-1].parameters())]
