"""NumPy's legacy RandomState(seed).permutation(n), what Chainer's split_dataset_random(dataset, first_size, seed)
orders a dataset by, for the (n, seed) pairs below. Run with NumPy (any version since 1.17 gives the same legacy
stream): python3 make_reference.py > permutations.json"""
import json
import numpy as np

# The chapter's split of the repository's samples/pets (every file readable): the dataset in label order
# (cat, dog: sorted class folders), each class's files by name; Chainer's split_dataset_random(dataset,
# int(n * 0.7), seed=1) trains on the first part of RandomState(1).permutation(n).
# Written by: python3 make_reference.py --samples ../../../../samples/pets > samples-pets-split.json
import os, sys
if "--samples" in sys.argv:
    root = sys.argv[sys.argv.index("--samples") + 1]
    files = [f"{c}/{f}" for c in sorted(os.listdir(root)) for f in sorted(os.listdir(os.path.join(root, c)))]
    order = np.random.RandomState(1).permutation(len(files))
    first = int(len(files) * 0.7)
    print(json.dumps({"seed": 1, "first_size": first, "train": sorted(files[i] for i in order[:first]),
                      "validation": sorted(files[i] for i in order[first:])}, indent=1))
    sys.exit(0)

cases = [(1, 1), (2, 1), (10, 1), (10, 0), (97, 7), (401, 1), (1999, 1), (2000, 1), (1000, 2**32 - 1), (5000, 123456789)]
print(json.dumps({"numpy": np.__version__, "cases": [
    {"n": n, "seed": seed, "permutation": np.random.RandomState(seed).permutation(n).tolist()} for n, seed in cases
]}))
