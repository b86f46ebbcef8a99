#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Trains the demo model: a small CNN on the 8x8 handwritten digits that ship inside Debian's
python3-sklearn (no download), exports it to examples/models/digits.onnx, and writes the
held-out split to examples/models/digits-test.json. Prints held-out accuracy. Deterministic
(fixed seeds); re-run only to change the model."""
import json
import os

import numpy as np
import onnx
import torch
import torch.nn as nn
from sklearn.datasets import load_digits

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "models")


class DigitsNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2), nn.Linear(64, 10))

    def forward(self, x):
        return torch.softmax(self.features(x), dim=1)


def main():
    torch.manual_seed(0)
    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None]  # [N, 1, 8, 8], 0..1
    y = digits.target.astype(np.int64)
    order = np.random.RandomState(0).permutation(len(x))
    split = int(0.8 * len(x))
    train, test = order[:split], order[split:]
    xt, yt = torch.from_numpy(x[train]), torch.from_numpy(y[train])
    model = DigitsNet()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    for epoch in range(40):
        model.train()
        perm = torch.randperm(len(xt))
        for i in range(0, len(xt), 64):
            idx = perm[i:i + 64]
            opt.zero_grad()
            probs = model(xt[idx])
            loss = nn.functional.nll_loss(torch.log(probs + 1e-9), yt[idx])
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        pred = model(torch.from_numpy(x[test])).argmax(1).numpy()
    acc = float((pred == y[test]).mean())
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "digits.onnx")
    torch.onnx.export(model, torch.zeros(1, 1, 8, 8), path, opset_version=13,
                      input_names=["image"], output_names=["probabilities"])
    onnx.checker.check_model(onnx.load(path))
    samples = [{"label": int(y[i]), "pixels": [int(v) for v in digits.images[i].ravel()]} for i in test]
    with open(os.path.join(OUT, "digits-test.json"), "w") as f:
        json.dump({"scale": 16, "width": 8, "height": 8, "samples": samples}, f, separators=(",", ":"))
    print(f"train_digits: {len(train)} training / {len(test)} held-out images; "
          f"held-out accuracy {acc * 100:.2f}%; wrote {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
