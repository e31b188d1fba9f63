"""d2l's settings reproduce the published d2l cross-validation (about 5 s of training on one core)."""


import pytest
from conftest import ROOT
from initlab.data import house
from initlab.infra import runtime
from initlab.published import D2L_HOUSE_SETTINGS
from initlab.studies.house_prices import summary, training

MIRROR = ROOT / "resources" / "mirror"


def test_d2l_settings_reproduce_the_published_means_within_tolerance():
    data = house.preprocess(house.read_csv(MIRROR / "kaggle_house_pred_train.csv"),
                            house.read_csv(MIRROR / "kaggle_house_pred_test.csv"))
    settings = D2L_HOUSE_SETTINGS
    results = []
    for fold in range(1, settings["folds"] + 1):
        seed = runtime.derive_seed("house_prices", "linear", "default", fold)  # as the train_fold job does
        device = runtime.configure(threads=1, seed=seed, device="cpu")
        results.append(training.run_fold(
            features=data["train_features"], labels=data["train_labels"], fold=fold, model="linear",
            initializer="default", mlp={}, device=device, seed=seed, epochs=settings["epochs"],
            batch_size=settings["batch_size"], target=settings["target"], folds=settings["folds"],
            optimizer=training.d2l_adam(settings["lr"], settings["weight_decay"])))
    table = summary.reference(summary.cv_summary(results), settings).set_index("quantity")
    assert table["seed_settings"].all()  # the output column keeps its name
    for quantity in ("mean_train_log_rmse", "mean_valid_log_rmse"):
        assert table.loc[quantity, "ours"] == pytest.approx(table.loc[quantity, "d2l"], abs=0.005), quantity
