"""Published reference numbers: what the course material's own runs printed, each written once, with its source.

The studies set their measurements beside these (tables, figures, study pages). A number here is a fact about
someone else's run, never a setting of ours; where a check depends on the settings that produced a number, they
are written beside it. The course notes quote the code of each source; the numbers are the sources' printed output.
"""

# ---- d2l, "Predicting House Prices on Kaggle" (Dive into Deep Learning, PyTorch edition) -------------------------
# The preprocessed features of all 2919 houses: 331 columns with the pandas d2l used (pandas 2+ defaults give 330,
# see initlab.data.house); the first 1460 houses are the training set.
D2L_HOUSE_TRAIN_ROWS = 1460
D2L_HOUSE_FEATURES = 331
# k_fold's settings, in our config's words, and its candidate (model, initializer): one nn.Linear with PyTorch's
# default init, regressing the raw price.
D2L_HOUSE_SETTINGS = {"folds": 5, "epochs": 100, "lr": 5, "weight_decay": 0, "batch_size": 64, "target": "price"}
D2L_HOUSE_CANDIDATE = ("linear", "default")
# The log-RMSE k_fold printed with them: mean over the folds, and each fold's final validation value.
D2L_HOUSE_MEAN_LOG_RMSE = {"train": 0.1655, "valid": 0.1703}
D2L_HOUSE_FOLD_VALID_LOG_RMSE = (0.1569, 0.1888, 0.1682, 0.1547, 0.1829)
D2L_HOUSE_FINAL_TRAIN_LOG_RMSE = 0.1624  # train_and_pred: the same model fitted on all 1460 houses
# Kaggle's leaderboard for the competition: strong ensembles score about 0.11-0.12 (reported, not a run of ours).
KAGGLE_ENSEMBLE_LOG_RMSE = (0.11, 0.12)

# ---- d2l, "Linear Regression Implementation from Scratch" -------------------------------------------------------
# The loss printed after each of the 3 epochs (mean of (y_hat - y)^2 / 2 over the 1000 examples), and the size
# of the errors in w and b it printed afterwards (of order 1e-4: below this bound).
D2L_LINREG_LOSSES = (0.042790, 0.000162, 0.000051)
D2L_LINREG_MAX_ERROR = 1e-3

# ---- d2l, "Numerical Stability and Initialization" (the lesson-15 notes and the MXNet edition) -------------------
# Products of 100 equal factors, as the lesson quotes them: 1.5^100 is about 4e17, 0.8^100 about 2e-10.
D2L_POWERS = {"1.5**100": 4e17, "0.8**100": 2e-10}
# The product of 100 random 4x4 N(0, 1) matrices printed by the MXNet edition: entries between these magnitudes.
D2L_MATRIX_PRODUCT_RANGE = (1e25, 1e26)

# ---- Udacity, "Weight Initialization" lesson (deep-learning-v2-pytorch) -----------------------------------------
# Validation accuracy (%) that helpers.compare_init_weights printed after 2 epochs of Adam, one run per scheme,
# measured with dropout still on (the helper never calls model.eval()). Keys are our initializer names.
UDACITY_VALID_ACCURACY = {
    "zeros": 9.675,
    "ones": 9.675,
    "uniform": 33.933,
    "centered": 74.875,
    "general_rule": 84.833,
    "normal": 85.233,
    "default": 84.458,
}

# The lesson's Fashion-MNIST split: 20% of the 60000 training images held out for validation, the 10000 test
# images apart (train / valid / test images).
UDACITY_SPLIT = (48000, 12000, 10000)

# The lesson's training settings, in our config's words (initializers section): all 48000 training images.
UDACITY_SETTINGS = {"hidden": [256, 128], "activation": "relu", "dropout": 0.2, "lr": 0.001, "batch_size": 100,
                    "epochs": 2, "train_samples": None}

# ---- CS231n, "Neural Networks Part 3: Learning and Evaluation" --------------------------------------------------
# Gradient check, relative error |a - n| / max(|a|, |n|): above CS231N_WRONG the gradient is probably wrong;
# down to CS231N_SUSPECT it is suspect; down to CS231N_CORRECT it is acceptable only for an objective with kinks
# (ReLU, max); below CS231N_CORRECT it is correct.
CS231N_WRONG = 1e-2
CS231N_SUSPECT = 1e-4
CS231N_CORRECT = 1e-7
CS231N_VERDICTS = (  # (lower bound, verdict), from the worst: the notes' table
    (CS231N_WRONG, "wrong"),
    (CS231N_SUSPECT, "suspect"),
    (CS231N_CORRECT, "acceptable with kinks"),
    (0.0, "correct"),
)
# Monitoring: the ratio of the update size to the weight size should be around this; much lower, the learning rate
# is too low; much higher, too high.
CS231N_UPDATE_RATIO = 1e-3

# ---- CS231n, "Neural Networks Part 3": parameter updates and hyperparameter search (lecture 7 notes) ---------------
# The notes publish no run of their own for these; they give typical settings, quoted here for the study pages.
# Momentum mu "is usually one of" these; RMSprop's decay rate takes one of these.
CS231N_MOMENTUM_MU = (0.5, 0.9, 0.95, 0.99)
CS231N_RMSPROP_DECAY = (0.9, 0.99, 0.999)
# Step decay, the notes' typical examples as (every so many epochs, factor): halve the rate every 5 epochs, or
# multiply it by 0.1 every 20 epochs.
CS231N_STEP_DECAY = ((5, 0.5), (20, 0.1))
# A typical learning-rate search samples on a log scale, learning_rate = 10 ** uniform(-6, 1): these exponents.
CS231N_LR_LOG10_RANGE = (-6, 1)
# The coarse stage of a coarse-to-fine search trains for one epoch (many settings do not learn at all).
CS231N_COARSE_EPOCHS = 1
