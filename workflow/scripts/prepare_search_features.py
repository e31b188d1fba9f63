from initlab.data import house
from initlab.data.fetch import verify_file
from initlab.infra.atomic import save_npz, write_json
from initlab.infra.joblog import job_log

with job_log(snakemake.log[0]) as log:
    paths, settings = snakemake.input, snakemake.params.settings
    p = settings["preprocessing"]
    for key, checksum in settings["checksums"].items():
        verify_file(paths[key], checksum)
    train, test = house.read_csv(paths.train), house.read_csv(paths.test)
    house.validate(train, test, train_name=paths.train, test_name=paths.test)
    arrays, info = house.prepare_search(train, test, skew_threshold=p["skew_threshold"],
                                        large_houses_rule=p["large_houses"], max_living_area=p["max_living_area"])
    save_npz(snakemake.output.features, **arrays)
    shapes = {key: list(value.shape) for key, value in arrays.items()}
    write_json(snakemake.output.summary, {"preprocessing": p, "shapes": shapes,
                                          "trained_rows": int(arrays["train_trainable"].sum()), **info})
    log.info("shapes %s; %d columns log1p'd; large houses (Id) %s: %s", shapes, len(info["log1p_columns"]),
             info["large_houses"], info["rule"])
