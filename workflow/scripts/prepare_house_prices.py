from initlab.data import house
from initlab.data.fetch import verify_file
from initlab.infra.atomic import save_npz, write_json
from initlab.infra.joblog import job_log

with job_log(snakemake.log[0]) as log:
    paths = snakemake.input
    for key, checksum in snakemake.params.settings["checksums"].items():
        verify_file(paths[key], checksum)
    train, test = house.read_csv(paths.train), house.read_csv(paths.test)
    house.validate(train, test, train_name=paths.train, test_name=paths.test)
    arrays = house.preprocess(train, test)
    save_npz(snakemake.output.features, **arrays)
    shape = {key: list(value.shape) for key, value in arrays.items()}
    write_json(snakemake.output.summary, {"shapes": shape, "features": int(arrays["feature_names"].size)})
    log.info("shapes: %s", shape)
