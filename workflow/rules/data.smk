# Data stage: hash-verified fetch (mirrors first, then the canonical URL) and preprocessing.

HOUSE_FILES = dict(train="kaggle_house_pred_train.csv", test="kaggle_house_pred_test.csv")
FASHION_FILES = dict(
    train_images="train-images-idx3-ubyte.gz",
    train_labels="train-labels-idx1-ubyte.gz",
    test_images="t10k-images-idx3-ubyte.gz",
    test_labels="t10k-labels-idx1-ubyte.gz",
)


rule fetch_file:
    input:
        code=code("fetch_file.py"),
    output:
        "results/data/raw/{file}",
    log:
        "results/logs/fetch_file/{file}.log",
    conda:
        "../envs/initlab.yaml"
    params:
        name="{file}",
        url=file_field("url"),
        checksum=file_field("checksum"),
        size=file_field("size"),
        mirrors=data_mirrors(),
        retries=config["data"]["retries"],
        backoff=config["data"]["backoff"],
        timeout=config["data"]["timeout"],
    script:
        "../scripts/fetch_file.py"


rule prepare_house_prices:
    input:
        **{key: raw(name) for key, name in HOUSE_FILES.items()},
        code=code("prepare_house_prices.py"),
    output:
        features="results/data/house_prices/features.npz",
        summary="results/data/house_prices/summary.json",
    log:
        "results/logs/prepare_house_prices.log",
    conda:
        "../envs/initlab.yaml"
    params:
        checksums=checksums(**HOUSE_FILES),
    script:
        "../scripts/prepare_house_prices.py"


rule prepare_fashion_mnist:
    input:
        **{key: raw(name) for key, name in FASHION_FILES.items()},
        code=code("prepare_fashion_mnist.py"),
    output:
        train="results/data/fashion_mnist/train.npz",
        valid="results/data/fashion_mnist/valid.npz",
        test="results/data/fashion_mnist/test.npz",
        summary="results/data/fashion_mnist/summary.json",
    log:
        "results/logs/prepare_fashion_mnist.log",
    conda:
        "../envs/initlab.yaml"
    params:
        checksums=checksums(**FASHION_FILES),
        valid_fraction=config["fashion_mnist"]["valid_fraction"],
        split_seed=config["fashion_mnist"]["split_seed"],
    script:
        "../scripts/prepare_fashion_mnist.py"


rule data:
    input:
        rules.prepare_house_prices.output,
        rules.prepare_fashion_mnist.output,
