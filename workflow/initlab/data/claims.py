"""The data page's sentences on the Fashion-MNIST split, made from the class counts beside them, and the data's
rows of the overview (pandas only)."""

from initlab.published import D2L_HOUSE_FEATURES, D2L_HOUSE_TRAIN_ROWS, UDACITY_SPLIT


def split_sentence(counts, *, fraction, seed):
    """`counts`: class x split (train, valid, test) image counts. The split's sizes, each class's share of every
    split, and the accuracy a constant prediction gets on the validation images (its most common class): the
    chance line the initializer study's constant initializers sit on."""
    sizes = counts.sum()
    shares = counts / sizes
    chance = shares["valid"].max()
    return (f"The {sizes['train'] + sizes['valid']} training images are split {1 - fraction:.0%}/{fraction:.0%} into "
            f"**{sizes['train']}** training and **{sizes['valid']}** validation images (shuffle seed {seed}); the "
            f"**{sizes['test']}** test images are kept apart. Each class holds {shares.min().min():.1%} to "
            f"{shares.max().max():.1%} of a split, so a constant prediction scores at most {chance:.1%} on the "
            f"validation images ({shares['valid'].idxmax()}): the chance line a constant initializer cannot cross.")


def overview_rows(house, split):
    """The overview's rows for the data: the house training matrix's shape against d2l's, and the Fashion-MNIST
    split's sizes against the lesson's. `house` is the house prices summary.json, `split` Fashion-MNIST's."""
    shape = (house["shapes"]["train_features"][0], house["features"])
    expected = (D2L_HOUSE_TRAIN_ROWS, D2L_HOUSE_FEATURES)
    images = (split["train"], split["valid"], split["test"])
    return [("house prices: training houses x features", "{} x {}".format(*shape), "{} x {}".format(*expected),
             "yes" if shape == expected else "no", "" if shape == expected else "see the data page"),
            ("Fashion-MNIST: train / valid / test images", " / ".join(map(str, images)),
             " / ".join(map(str, UDACITY_SPLIT)), "yes" if images == UDACITY_SPLIT else "no",
             "" if images == UDACITY_SPLIT else "a reduced split (fashion_mnist section of the config)")]
