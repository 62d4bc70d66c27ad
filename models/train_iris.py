"""Train the demo iris classifier and export it to ONNX.

A small PyTorch MLP (4 -> 16 -> 16 -> 3) is trained on a stratified 70/30 split of
scikit-learn's bundled iris data set (no download). Feature standardisation is part of
the exported graph, so the model takes raw measurements in cm; softmax is applied too.

Writes, next to this script:
  iris/iris.onnx        input "input" float32 [batch, 4], output "probabilities" float32 [batch, 3]
  iris/metadata.json    labels, feature names and test metrics for the registry
  iris/reference.csv    the training rows (features + label), a baseline for drift checks

Run with Debian's Python:  /usr/bin/python3 models/train_iris.py
"""

import csv
import json
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split
from torch import nn

SEED = 42
OUT = Path(__file__).resolve().parent / "iris"
LABELS = ["setosa", "versicolor", "virginica"]
FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


class IrisNet(nn.Module):
    """Standardise raw cm values, then a small MLP, then softmax."""

    def __init__(self, mean: np.ndarray, std: np.ndarray):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32))
        self.mlp = nn.Sequential(
            nn.Linear(4, 16), nn.ReLU(),
            nn.Linear(16, 16), nn.ReLU(),
            nn.Linear(16, 3),
        )

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.mlp((x - self.mean) / self.std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.logits(x), dim=1)


def main() -> None:
    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    data = load_iris()
    x = data.data.astype(np.float32)
    y = data.target.astype(np.int64)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.3, stratify=y, random_state=SEED)

    model = IrisNet(x_tr.mean(axis=0), x_tr.std(axis=0))
    opt = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=1e-4)
    xt, yt = torch.from_numpy(x_tr), torch.from_numpy(y_tr)
    for _ in range(300):  # full batch: 105 rows
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model.logits(xt), yt)
        loss.backward()
        opt.step()

    model.eval()
    with torch.no_grad():
        train_acc = (model(xt).argmax(1) == yt).float().mean().item()
        test_acc = (model(torch.from_numpy(x_te)).argmax(1).numpy() == y_te).mean().item()
        example = model(torch.tensor([[5.1, 3.5, 1.4, 0.2]]))[0]
    print(f"train accuracy {train_acc:.4f}, test accuracy {test_acc:.4f} ({len(y_te)} rows)")
    print("5.1,3.5,1.4,0.2 ->", {l: round(p, 4) for l, p in zip(LABELS, example.tolist())})
    assert example.argmax().item() == 0 and example[0] > 0.9, "sanity check: expected setosa"

    OUT.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        model, torch.zeros(1, 4), str(OUT / "iris.onnx"),
        input_names=["input"], output_names=["probabilities"],
        dynamic_axes={"input": {0: "batch"}, "probabilities": {0: "batch"}},
        opset_version=13,
    )
    metadata = {
        "description": "Iris species from sepal/petal measurements in cm (PyTorch MLP, standardisation built in).",
        "task": "tabular-classification",
        "labels": LABELS,
        "featureNames": FEATURES,
        "metrics": {"accuracy": round(test_acc, 4), "test_samples": len(y_te), "train_samples": len(y_tr)},
        "tags": {"dataset": "iris", "trainer": "pytorch"},
    }
    (OUT / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")
    with open(OUT / "reference.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(FEATURES + ["label"])
        for row, label in zip(x_tr, y_tr):
            w.writerow([f"{v:.1f}" for v in row] + [LABELS[label]])
    print("wrote", ", ".join(str(p.relative_to(OUT.parent)) for p in sorted(OUT.iterdir())))


if __name__ == "__main__":
    main()
