"""The data page's sentences on the Fashion-MNIST split, made from the class counts beside them (pandas only)."""


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
