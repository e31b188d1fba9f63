"""House prices preprocessing on tiny generated CSVs, plus the real data's shape."""


import numpy as np
import pytest
from conftest import ROOT
from initlab.data import house

TRAIN = "Id,LotArea,Street,MasVnrType,SalePrice\n1,100,Pave,None,200000\n2,300,Grvl,BrkFace,100000\n3,,Pave,NA,150000\n"
TEST = "Id,LotArea,Street,MasVnrType\n4,200,,None\n"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def frames(tmp_path, train=TRAIN, test=TEST):
    return house.read_csv(write(tmp_path, "train.csv", train)), house.read_csv(write(tmp_path, "test.csv", test))


def test_numeric_columns_are_standardized_over_train_and_test_then_gaps_zeroed(tmp_path):
    arrays = house.preprocess(*frames(tmp_path))
    lot = np.array([100, 300, np.nan, 200])
    expected = (lot - np.nanmean(lot)) / np.nanstd(lot, ddof=1)  # pandas std: ddof=1, NaN skipped
    expected[np.isnan(expected)] = 0
    names = list(arrays["feature_names"])
    column = np.concatenate([arrays["train_features"], arrays["test_features"]])[:, names.index("LotArea")]
    np.testing.assert_allclose(column, expected, rtol=1e-6)


def test_categories_are_one_hot_with_a_missing_indicator_and_none_is_a_category(tmp_path):
    arrays = house.preprocess(*frames(tmp_path))
    names = list(arrays["feature_names"])
    assert names == ["LotArea", "Street_Grvl", "Street_Pave", "Street_nan",
                     "MasVnrType_BrkFace", "MasVnrType_None", "MasVnrType_nan"]
    features = np.concatenate([arrays["train_features"], arrays["test_features"]])
    np.testing.assert_array_equal(features[:, names.index("MasVnrType_None")], [1, 0, 0, 1])
    np.testing.assert_array_equal(features[:, names.index("MasVnrType_nan")], [0, 0, 1, 0])
    np.testing.assert_array_equal(features[:, names.index("Street_nan")], [0, 0, 0, 1])
    assert arrays["train_features"].dtype == np.float32
    np.testing.assert_array_equal(arrays["train_labels"][:, 0], [200000, 100000, 150000])
    np.testing.assert_array_equal(arrays["test_ids"], [4])


@pytest.mark.parametrize(
    "train, test, message",
    [
        (TRAIN.replace(",SalePrice", ",Price"), TEST, r"missing column\(s\) \['SalePrice'\]"),
        (TRAIN, TEST.replace(",Street", ""), r"missing \['Street'\]"),
        (TRAIN.replace("100000", "cheap"), TEST, r"SalePrice must be a positive number.*Id 2 has 'cheap'"),
        (TRAIN.replace("100000", "-5"), TEST, r"SalePrice must be a positive number"),
        (TRAIN.replace("\n3,", "\n2,"), TEST, r"duplicate Id values \[2\]"),
        (TRAIN, TEST.replace("\n4,", "\n1,"), r"Ids also present"),
    ],
)
def test_bad_input_is_rejected_with_the_file_and_problem(tmp_path, train, test, message):
    with pytest.raises(house.HouseDataError, match=message):
        house.validate(*frames(tmp_path, train, test), train_name="train.csv", test_name="test.csv")


def test_empty_and_header_only_files_are_rejected(tmp_path):
    with pytest.raises(house.HouseDataError, match=r"empty\.csv: the file is empty"):
        house.read_csv(write(tmp_path, "empty.csv", ""))
    with pytest.raises(house.HouseDataError, match=r"header\.csv: has a header but no rows"):
        house.read_csv(write(tmp_path, "header.csv", "Id,SalePrice\n"))


def test_real_data_gives_the_d2l_shape():
    mirror = ROOT / "resources" / "mirror"
    arrays = house.preprocess(house.read_csv(mirror / "kaggle_house_pred_train.csv"),
                              house.read_csv(mirror / "kaggle_house_pred_test.csv"))
    assert arrays["train_features"].shape == (1460, 331)
    assert arrays["test_features"].shape == (1459, 331)
    assert "MasVnrType_None" in set(arrays["feature_names"])
    assert np.isfinite(arrays["train_features"]).all()
    numeric = arrays["train_features"][:, :36]  # the 36 numeric columns come first
    all_numeric = np.concatenate([numeric, arrays["test_features"][:, :36]])
    assert np.abs(all_numeric.mean(axis=0)).max() < 0.05  # standardized (gaps zeroed shift the mean a little)
