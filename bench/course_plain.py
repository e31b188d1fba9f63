"""The course notes' own work as plain loops in one Python process (the baseline of bench_reproduction.py).

d2l house prices: read and preprocess both CSVs, 5-fold cross-validation of the linear model
(DataLoader(TensorDataset, shuffle=True), Adam lr 5, batch 64, 100 epochs, log-RMSE of train and
valid after each epoch, as d2l's train() does), the final fit on all rows and the submission CSV.
Udacity: read the Fashion-MNIST archives, the 80/20 split, and the lesson's 7 initializers x 1 run
of 2 epochs (DataLoader over the training split, batch 100, Adam lr 0.001, every batch loss read),
each validated with dropout on, as the lesson's helper did. Data are read and preprocessed by the
package's own functions, so the comparison is about the training and the jobs around it.
"""

import sys
import tempfile
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, TensorDataset

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow"))
from initlab.core import initializers, models, regression  # noqa: E402
from initlab.data import fashion, house  # noqa: E402
from initlab.studies.house_prices import submission  # noqa: E402

from bench_house_prices import dataloader_fold  # noqa: E402  (d2l's loop; bench/ is this script's folder)

MIRROR = ROOT / "resources" / "mirror"
D2L = dict(epochs=100, lr=5.0, batch_size=64)
LESSON = ["zeros", "ones", "uniform", "centered", "general_rule", "normal", "default"]


def house_prices(out):
    data = house.preprocess(house.read_csv(MIRROR / "kaggle_house_pred_train.csv"),
                            house.read_csv(MIRROR / "kaggle_house_pred_test.csv"))
    x, y = torch.tensor(data["train_features"]), torch.tensor(data["train_labels"])
    for fold in range(5):
        train, valid = regression.kfold_indices(len(x), 5, fold)
        dataloader_fold(nn.Linear(x.shape[1], 1), x[train], y[train], x[valid], y[valid], **D2L)
    net = nn.Linear(x.shape[1], 1)
    dataloader_fold(net, x, y, **D2L)
    with torch.no_grad():
        prices = net(torch.tensor(data["test_features"])).clamp(min=1).squeeze(1).double().numpy()
    submission.build(data["test_ids"], prices).to_csv(out / "submission.csv", index=False)


def udacity():
    images, labels = fashion.load_pair(MIRROR / "train-images-idx3-ubyte.gz", MIRROR / "train-labels-idx1-ubyte.gz")
    train, valid = fashion.split_indices(len(images), 0.2, 0)
    x, y = torch.from_numpy(images), torch.from_numpy(labels)
    for name in LESSON:
        model = initializers.initialize(models.MLP(784, [256, 128], 10, "relu", 0.2), name)
        opt = torch.optim.Adam(model.parameters(), lr=0.001)
        loader = DataLoader(TensorDataset(x[train], y[train]), batch_size=100, shuffle=True)
        losses = []
        for _ in range(2):
            for xb, yb in loader:
                loss = F.cross_entropy(model(xb), yb)
                opt.zero_grad()
                loss.backward()
                opt.step()
                losses.append(loss.item())
        with torch.no_grad():  # the lesson validated with dropout still on
            correct = sum(int((model(xb).argmax(1) == yb).sum())
                          for xb, yb in DataLoader(TensorDataset(x[valid], y[valid]), batch_size=100))
        print(f"{name}: valid accuracy {correct / len(valid):.4f}")


if __name__ == "__main__":
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        house_prices(Path(tmp))
    udacity()
