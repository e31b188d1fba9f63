"""House prices preprocessing on tiny generated CSVs, plus the real data's shape."""


import numpy as np
import pandas as pd
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


# the search's preprocessing options (issue 17): five houses, one above 4000 sq ft, a skewed LotArea
OPTIONS_TRAIN = ("Id,LotArea,GrLivArea,YrSold,Street,SalePrice\n1,1000,1500,2008,Pave,150000\n"
                 "2,1100,1600,2009,Pave,160000\n3,900,5600,2008,Grvl,160000\n4,1200,1400,2007,Pave,140000\n"
                 "5,90000,2000,2010,Pave,250000\n")
OPTIONS_TEST = "Id,LotArea,GrLivArea,YrSold,Street\n6,1050,1550,2009,Pave\n"


def test_skewed_columns_are_the_nonnegative_ones_beyond_the_threshold():
    frame = pd.DataFrame({"flat": [1.0, 2, 3, 4, 5], "long_tail": [1.0, 1, 1, 1, 100], "negative": [-100.0, 1, 1, 1, 1]})
    skew = frame.skew()
    assert skew["long_tail"] == pytest.approx(2.236068, rel=1e-6) and skew["flat"] == 0  # pandas' sample skewness
    assert house.skewed_columns(frame, 0.75) == ["long_tail"]  # "negative" is skewed too, but log1p needs >= 0
    assert house.skewed_columns(frame, 3.0) == []


def test_log1p_replaces_skewed_features_before_standardizing(tmp_path):
    train, test = frames(tmp_path, OPTIONS_TRAIN, OPTIONS_TEST)
    arrays = house.preprocess(train, test, skew_threshold=0.75)
    names = list(arrays["feature_names"])
    lot = np.log1p([1000, 1100, 900, 1200, 90000, 1050])  # LotArea's skewness is 2.45: logged
    expected = (lot - lot.mean()) / lot.std(ddof=1)
    column = np.concatenate([arrays["train_features"], arrays["test_features"]])[:, names.index("LotArea")]
    np.testing.assert_allclose(column, expected, rtol=1e-5)
    year = np.array([2008, 2009, 2008, 2007, 2010, 2009])  # skewness 0: standardized as in d2l
    np.testing.assert_allclose(arrays["train_features"][:, names.index("YrSold")],
                               ((year - year.mean()) / year.std(ddof=1))[:5], rtol=1e-5)
    d2l = house.preprocess(train, test)  # the default is d2l's: no log
    assert not np.allclose(d2l["train_features"][:, names.index("LotArea")], column[:5])


def test_large_houses_kept_dropped_from_training_or_from_the_data(tmp_path):
    train, test = frames(tmp_path, OPTIONS_TRAIN, OPTIONS_TEST)
    keep, info = house.prepare_search(train, test)
    assert keep["train_trainable"].all() and info["large_houses"] == [3] and info["log1p_columns"] == []
    np.testing.assert_array_equal(keep["train_features"], house.preprocess(train, test)["train_features"])
    trained, info = house.prepare_search(train, test, large_houses_rule="drop_from_training")
    assert trained["train_trainable"].tolist() == [True, True, False, True, True]  # Id 3: 5600 sq ft
    assert len(trained["train_labels"]) == 5  # still scored
    np.testing.assert_array_equal(trained["train_features"], keep["train_features"])
    dropped, info = house.prepare_search(train, test, large_houses_rule="drop_from_data", skew_threshold=0.75)
    assert dropped["train_labels"].ravel().tolist() == [150000, 160000, 140000, 250000] and info["large_houses"] == [3]
    assert dropped["train_trainable"].all() and "LotArea" in info["log1p_columns"]
    assert house.prepare_search(train, test, max_living_area=6000)[1]["large_houses"] == []
    with pytest.raises(ValueError, match="large_houses 'drop': expected one of keep, drop_from_training"):
        house.prepare_search(train, test, large_houses_rule="drop")
