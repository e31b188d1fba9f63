"""initlab.data.claims: the split sentence follows the class counts, balanced or not."""

import pandas as pd
from initlab.data import claims


def counts(valid):
    classes = [f"c{i}" for i in range(len(valid))]
    return pd.DataFrame({"train": [4800] * len(valid), "valid": valid, "test": [1000] * len(valid)},
                        index=pd.Index(classes, name="class"))


def test_a_balanced_split_puts_chance_near_a_tenth():
    text = claims.split_sentence(counts([1231, *[1195] * 4, *[1196] * 4, 1205]), fraction=0.2, seed=0)
    assert text.startswith("The 60000 training images are split 80%/20% into **48000** training and **12000** "
                           "validation images (shuffle seed 0); the **10000** test images are kept apart.")
    assert "Each class holds 10.0% to 10.3% of a split, so a constant prediction scores at most 10.3% on the " \
           "validation images (c0)" in text


def test_an_unbalanced_split_moves_the_chance_line():
    text = claims.split_sentence(counts([3000, *[1000] * 9]), fraction=0.2, seed=1)
    assert "a constant prediction scores at most 25.0% on the validation images (c0)" in text
    assert "Each class holds 8.3% to 25.0% of a split" in text


def test_overview_rows_agree_with_d2l_and_the_lesson_or_say_why_not():
    house = {"shapes": {"train_features": [1460, 331]}, "features": 331}
    split = {"train": 48000, "valid": 12000, "test": 10000}
    shape, images = claims.overview_rows(house, split)
    assert shape == ("house prices: training houses x features", "1460 x 331", "1460 x 331", "yes", "")
    assert images == ("Fashion-MNIST: train / valid / test images", "48000 / 12000 / 10000", "48000 / 12000 / 10000",
                      "yes", "")
    shape, images = claims.overview_rows({**house, "features": 330}, {**split, "train": 2000})
    assert shape[3:] == ("no", "see the data page")
    assert images[3:] == ("no", "a reduced split (fashion_mnist section of the config)")
