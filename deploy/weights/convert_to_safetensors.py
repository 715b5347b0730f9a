#!/usr/bin/env python3
"""Converts checkpoints that only Python can read into safetensors, keeping the original key names.

clipglass reads safetensors, torch.save zip checkpoints of tensors and TorchScript archives
directly (docs/weights.md). Everything else is a Python pickle, which C++ must not unpickle; run
this script once where Python and PyTorch are installed (any torch >= 1.6):

  # Legacy (pre-1.6, non-zip) torch.save state dicts: BigGAN-deep's and GPT-2's pytorch_model.bin
  convert_to_safetensors.py state-dict biggan-deep-256-pytorch_model.bin biggan-deep-256.safetensors

  # NVIDIA StyleGAN2 network pickles (stylegan2-ada-pytorch .pkl, or the original TensorFlow
  # config-f .pkl, which stylegan2-ada-pytorch's legacy.py converts): needs a checkout of
  # https://github.com/NVlabs/stylegan2-ada-pytorch (dnnlib, torch_utils, legacy.py).
  convert_to_safetensors.py stylegan2-pkl --nvidia-repo ~/stylegan2-ada-pytorch \
      stylegan2-ffhq-config-f.pkl weights/stylegan2/ffhq-config-f/
  # -> G.safetensors (the G_ema generator) and D.safetensors, NVIDIA's key names, no prefix.
  #    --single-file writes one file with "G_ema." and "D." prefixes instead (load it with
  #    LoadOptions::sub_dict = "G_ema" / "D").

  # OpenAI CLIP .pt (TorchScript; optional: clipglass loads it directly)
  convert_to_safetensors.py clip-jit ViT-B-32.pt ViT-B-32.safetensors

Tensors keep their dtype unless --dtype is given (clipglass converts fp16 to the compute dtype on
load). Non-tensor entries are refused unless --skip-non-tensors. The output is written to a
temporary file and renamed. Metadata records the source file name and its SHA-256.
"""

import argparse
import hashlib
import json
import os
import struct
import sys

try:
    import torch
except ImportError:  # pragma: no cover - the message is the point
    sys.exit("convert_to_safetensors.py needs PyTorch (pip install torch, or apt install python3-torch)")

DTYPES = {
    torch.float64: "F64",
    torch.float32: "F32",
    torch.float16: "F16",
    torch.bfloat16: "BF16",
    torch.int64: "I64",
    torch.int32: "I32",
    torch.int16: "I16",
    torch.int8: "I8",
    torch.uint8: "U8",
    torch.bool: "BOOL",
}


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def flatten(obj, prefix, out, skip_non_tensors, depth=0):
    """Flattens nested dicts of tensors to "a.b.c" names (as clipglass does for zip checkpoints)."""
    if depth > 4:
        raise SystemExit(f"error: '{prefix}' nests dicts too deeply")
    for key, value in obj.items():
        if not isinstance(key, str):
            raise SystemExit(f"error: non-string key {key!r} under '{prefix}'")
        name = prefix + key
        if isinstance(value, torch.Tensor):
            out[name] = value
        elif isinstance(value, dict):
            flatten(value, name + ".", out, skip_non_tensors, depth + 1)
        elif skip_non_tensors:
            print(f"skipping '{name}' ({type(value).__name__})", file=sys.stderr)
        else:
            raise SystemExit(
                f"error: '{name}' is a {type(value).__name__}, not a tensor "
                "(use --key to pick the state dict, or --skip-non-tensors)")
    return out


def tensor_bytes(t):
    t = t.detach().to("cpu").contiguous()
    if t.dtype == torch.bfloat16:  # numpy has no bfloat16: same bits as int16
        t = t.view(torch.int16)
    elif t.dtype == torch.bool:
        t = t.to(torch.uint8)
    data = t.numpy().tobytes()
    if sys.byteorder != "little":
        raise SystemExit("error: big-endian hosts are not supported")
    return data


def write_safetensors(path, tensors, metadata):
    """The same layout as clipglass's writer: header padded to 8 bytes, largest elements first."""
    for name, t in tensors.items():
        if t.dtype not in DTYPES:
            raise SystemExit(f"error: '{name}' has unsupported dtype {t.dtype}")
    order = sorted(tensors, key=lambda n: (-tensors[n].element_size(), n))
    header = {"__metadata__": {k: str(v) for k, v in metadata.items()}}
    blobs = []
    offset = 0
    for name in order:
        t = tensors[name]
        data = tensor_bytes(t)
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for data in blobs:
            f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    print(f"wrote {path}: {len(tensors)} tensors, {offset / 2**20:.1f} MiB")


def cast(tensors, dtype):
    if dtype == "keep":
        return tensors
    target = {"float32": torch.float32, "float16": torch.float16}[dtype]
    return {k: (v.to(target) if v.is_floating_point() else v) for k, v in tensors.items()}


def base_metadata(args, kind):
    return {"format": "pt", "converter": "clipglass deploy/weights/convert_to_safetensors.py",
            "source_kind": kind, "source_file": os.path.basename(args.input),
            "source_sha256": sha256_of(args.input)}


def load_pickle_checkpoint(path):
    # weights_only (torch >= 1.13) refuses arbitrary classes: a state dict needs none.
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except TypeError:  # older torch without weights_only
        return torch.load(path, map_location="cpu")


def convert_state_dict(args):
    obj = load_pickle_checkpoint(args.input)
    for key in filter(None, (args.key or "").split(".")):
        if not isinstance(obj, dict) or key not in obj:
            raise SystemExit(f"error: no entry '{key}' in {args.input}")
        obj = obj[key]
    if isinstance(obj, torch.nn.Module):
        obj = obj.state_dict()
    if not isinstance(obj, dict):
        raise SystemExit(f"error: {args.input} holds a {type(obj).__name__}, not a dict of tensors")
    tensors = cast(flatten(obj, "", {}, args.skip_non_tensors), args.dtype)
    write_safetensors(args.output, tensors, base_metadata(args, "state-dict"))


def convert_clip_jit(args):
    model = torch.jit.load(args.input, map_location="cpu")
    tensors = {k: v for k, v in model.state_dict().items()}
    write_safetensors(args.output, cast(tensors, args.dtype), base_metadata(args, "clip-jit"))


def convert_stylegan2_pkl(args):
    if not args.nvidia_repo:
        raise SystemExit("error: stylegan2-pkl needs --nvidia-repo (a stylegan2-ada-pytorch checkout)")
    sys.path.insert(0, os.path.abspath(args.nvidia_repo))
    import legacy  # noqa: E402  (stylegan2-ada-pytorch; also reads the TensorFlow pickles)
    import dnnlib  # noqa: E402

    # SECURITY: a network pickle runs code when loaded; only convert files whose checksum you
    # verified (deploy/weights/fetch.sh does).
    with dnnlib.util.open_url(args.input) as f:
        data = legacy.load_network_pkl(f)
    meta = base_metadata(args, "stylegan2-pkl")
    parts = {"G": data["G_ema"], "D": data.get("D")}
    if parts["D"] is None:
        print("note: the pickle has no discriminator; writing G only", file=sys.stderr)
        del parts["D"]
    if args.single_file:
        prefixed = {}
        for part, net in parts.items():
            prefix = "G_ema." if part == "G" else "D."
            for k, v in net.state_dict().items():
                prefixed[prefix + k] = v
        write_safetensors(args.output, cast(prefixed, args.dtype), meta)
        return
    for part, net in parts.items():
        network_meta = dict(meta, network="G_ema" if part == "G" else "D")
        write_safetensors(os.path.join(args.output, f"{part}.safetensors"),
                          cast(dict(net.state_dict()), args.dtype), network_meta)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["state-dict", "stylegan2-pkl", "clip-jit"])
    parser.add_argument("input")
    parser.add_argument("output", help="a .safetensors file (stylegan2-pkl: a directory, "
                        "unless --single-file)")
    parser.add_argument("--dtype", choices=["keep", "float32", "float16"], default="keep")
    parser.add_argument("--key", help="state-dict: dotted path of the entry holding the state "
                        "dict, e.g. 'state_dict' or 'model'")
    parser.add_argument("--skip-non-tensors", action="store_true")
    parser.add_argument("--nvidia-repo", help="stylegan2-pkl: stylegan2-ada-pytorch checkout")
    parser.add_argument("--single-file", action="store_true",
                        help="stylegan2-pkl: one file with G_ema./D. prefixes")
    args = parser.parse_args()
    {"state-dict": convert_state_dict, "stylegan2-pkl": convert_stylegan2_pkl,
     "clip-jit": convert_clip_jit}[args.kind](args)


if __name__ == "__main__":
    main()
