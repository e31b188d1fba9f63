from initlab.data import fashion
from initlab.data.fetch import verify_file
from initlab.infra.atomic import save_npz, write_json
from initlab.infra.joblog import job_log

with job_log(snakemake.log[0]) as log:
    paths, p = snakemake.input, snakemake.params.settings
    for key, checksum in p["checksums"].items():
        verify_file(paths[key], checksum)
    x, y = fashion.load_pair(paths.train_images, paths.train_labels)
    test_x, test_y = fashion.load_pair(paths.test_images, paths.test_labels)
    train_idx, valid_idx = fashion.split_indices(len(x), p["valid_fraction"], p["split_seed"])
    save_npz(snakemake.output.train, x=x[train_idx], y=y[train_idx])
    save_npz(snakemake.output.valid, x=x[valid_idx], y=y[valid_idx])
    save_npz(snakemake.output.test, x=test_x, y=test_y)
    counts = {"train": len(train_idx), "valid": len(valid_idx), "test": len(test_x)}
    write_json(snakemake.output.summary, counts)
    log.info("split sizes: %s", counts)
