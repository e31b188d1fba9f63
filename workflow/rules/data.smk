# Data stage: hash-verified fetch (mirrors first, then the canonical URL) and preprocessing.

HOUSE_FILES = dict(train="kaggle_house_pred_train.csv", test="kaggle_house_pred_test.csv")
FASHION_FILES = dict(
    train_images="train-images-idx3-ubyte.gz",
    train_labels="train-labels-idx1-ubyte.gz",
    test_images="t10k-images-idx3-ubyte.gz",
    test_labels="t10k-labels-idx1-ubyte.gz",
)


rule fetch_file:
    output:
        "results/data/raw/{file}",
    log:
        "results/logs/fetch_file/{file}.log",
    localrule: True
    conda:
        "../envs/initlab.yaml"
    params:
        # the checksum fixes every byte, so where and how the file is fetched reruns nothing
        settings=settings(checksum=file_field("checksum")),
        network=unrecorded(
            url=file_field("url"),
            size=file_field("size"),
            mirrors=data_mirrors(),
            retries=config["data"]["retries"],
            backoff=config["data"]["backoff"],
            timeout=config["data"]["timeout"],
        ),
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
    localrule: True
    conda:
        "../envs/initlab.yaml"
    params:
        settings=settings(checksums=checksums(**HOUSE_FILES)),
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
    localrule: True
    conda:
        "../envs/initlab.yaml"
    params:
        settings=settings(checksums=checksums(**FASHION_FILES), **config["fashion_mnist"]),
    script:
        "../scripts/prepare_fashion_mnist.py"


rule data:
    input:
        rules.prepare_house_prices.output,
        rules.prepare_fashion_mnist.output,
