#!/usr/bin/env python3
"""Convert PyTorch weights to sparnet-dist's weights format (HDF5, `/weights/<state_dict key>`).

    # the authors' released SPARNet / SPARNetHD generator (.pth from chaofengc/Face-SPARNet):
    python3 Tools/convert_weights.py SPARNet-Light-Attn3D.pth weights/sparnet.h5 --model sparnet \
        --set generator.attention=3d
    # torchvision's VGG19 (for SPARNetHD's perceptual loss, train.vgg_weights):
    python3 Tools/convert_weights.py vgg19-dcbb9e9d.pth weights/vgg19.h5 --model vgg19

Needs numpy and h5py; torch only to read .pth files (a .npz of the same keys works without it).
Keys are kept verbatim (a leading `module.` from DataParallel is dropped); for vgg19 only the
`features.*` tensors are written. `--set key=value` adds run-configuration keys (YAML scalars)
to the file's `config` attribute, so `enhance`/`eval` rebuild the same architecture.
"""
import argparse
import json
import os
import sys
import tempfile

import h5py
import numpy as np


def load_state_dict(path):
    if path.endswith(".npz"):
        with np.load(path) as archive:
            return {key: archive[key] for key in archive.files}
    import torch  # only needed for .pth files

    state = torch.load(path, map_location="cpu")
    if isinstance(state, dict) and "state_dict" in state:
        state = state["state_dict"]
    return {key: value.detach().cpu().numpy() for key, value in state.items()}


def nested_config(model, assignments):
    config = {"model": "sparnet" if model == "vgg19" else model}
    if model == "sparnethd":
        config["generator"] = {"preset": "sparnetHD"}
    for assignment in assignments:
        key, _, value = assignment.partition("=")
        if not key or not value:
            sys.exit(f"error: --set {assignment!r} is not key=value")
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            parsed = value
        node = config
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = parsed
    return config


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", help=".pth (torch) or .npz state dict")
    parser.add_argument("output", help="weights file to write (.h5)")
    parser.add_argument("--model", choices=["sparnet", "sparnethd", "vgg19"], required=True)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="run-configuration key for the generator, e.g. generator.attention=3d")
    args = parser.parse_args()

    state = load_state_dict(args.source)
    state = {key[len("module."):] if key.startswith("module.") else key: value for key, value in state.items()}
    if args.model == "vgg19":
        state = {key: value for key, value in state.items() if key.startswith("features.")}
    if not state:
        sys.exit(f"error: {args.source} holds no tensors to convert")

    directory = os.path.dirname(os.path.abspath(args.output))
    os.makedirs(directory, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix="." + os.path.basename(args.output) + ".partial-", dir=directory)
    os.close(descriptor)
    try:
        with h5py.File(temporary, "w") as file:
            group = file.create_group("weights")
            for key, value in state.items():
                array = np.asarray(value)
                group.create_dataset(key, data=array if array.dtype == np.int64 else array.astype(np.float32))
            file.attrs["format"] = np.bytes_("sparnet-dist/weights")
            file.attrs["model"] = np.bytes_(args.model)
            file.attrs["network"] = np.bytes_("generator")
            file.attrs["config"] = np.bytes_(json.dumps(nested_config(args.model, args.set)))
        os.replace(temporary, args.output)
    except BaseException:
        os.unlink(temporary)
        raise
    print(f"wrote {len(state)} tensors to {args.output}")


if __name__ == "__main__":
    main()
