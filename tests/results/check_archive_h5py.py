"""Reads a sweep archive with h5py and checks the fields docs/archive_format.md documents.

Usage: check_archive_h5py.py ARCHIVE.h5 RUN_ID. Prints "ok" and exits 0, or names the first
field that is missing or wrong and exits 1.
"""
import sys

import h5py
import numpy as np


def check(condition, message):
    if not condition:
        print("FAIL: " + message)
        sys.exit(1)


def text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def main(path, run_id):
    with h5py.File(path, "r") as f:
        check(int(f.attrs["schema_version"]) == 1, "schema_version attribute")
        check(text(f.attrs["sweep_name"]) == "unit-sweep", "sweep_name attribute")
        check(text(f.attrs["state"]) == "interrupted", "state attribute")
        grid = text(f["grid_yaml"][()])
        check(grid.startswith("name: unit-sweep"), "grid_yaml: " + grid)
        weights = [text(w) for w in f["provenance/weights_path"][()]]
        check(weights == ["weights/clip.safetensors"], "provenance/weights_path")

        run = f["runs"][run_id]
        check(text(run.attrs["state"]) == "done", "runs/<id> state attribute")
        check(int(run.attrs["generations_done"]) == 4, "generations_done attribute")
        check(text(run.attrs["generator"]) == "StyleGAN2_ffhq_d", "generator attribute")
        names = [text(n) for n in run["objective_names"][()]]
        check(names == ["similarity", "discriminator_loss"], "objective_names: %r" % names)

        best = run["stats/best_similarity"][()]
        check(best.dtype == np.float64 and best.shape == (4,), "stats/best_similarity shape")
        check(abs(best[-1] - 0.28) < 1e-12, "stats/best_similarity[-1] = %r" % best[-1])
        generation = run["stats/generation"][()]
        check(list(generation) == [1, 2, 3, 4], "stats/generation")

        snapshot = run["snapshots/gen_000004"]
        check(int(snapshot.attrs["generation"]) == 4, "snapshot generation attribute")
        check(snapshot["genomes"].shape == (6, 8), "snapshot genomes shape")
        check(snapshot["objectives"].shape == (6, 2), "snapshot objectives shape")
        check(snapshot["island"].dtype == np.int32, "snapshot island dtype")
        check(run["pareto_front/genomes"].shape == (3, 8), "pareto_front/genomes shape")

        image = run["final/image"]
        check(image.shape == (8, 8, 3) and image.dtype == np.uint8, "final/image shape/dtype")
        check(text(image.attrs["CLASS"]) == "IMAGE", "final/image CLASS attribute")
        check(int(image[()][0, 0, 2]) == 200, "final/image pixel")
        check(run["final/genome"].shape == (8,), "final/genome shape")

        captioned = f["runs/0002-GPT2-s2"]
        check(text(captioned["final/caption"][()]) == "a dog running on the beach",
              "final/caption")
    print("ok")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
