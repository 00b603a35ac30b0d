"""
Convert musicnn's MSD_musicnn TensorFlow-1 checkpoint into moodd's model file.

    python training/convert_musicnn.py --download --out models/msd_musicnn.safetensors
    python training/convert_musicnn.py --wheel /tmp/wheels/musicnn-0.1.0-py3-none-any.whl

Reads the checkpoint with numpy and the standard library only: no TensorFlow, no protobuf.
A TF checkpoint ("tensor bundle") is two files next to a prefix:
  <prefix>.index                  an SSTable (LevelDB table format) mapping variable name -> BundleEntryProto
  <prefix>.data-00000-of-00001    the tensors, raw little-endian, at the offsets the entries give
musicnn ships its prefix as ".../MSD_musicnn/" (files named ".index", ".data-..."); its `checkpoint`
file points to the author's machine, so we open by prefix and ignore it.

The output layout is the contract in docs/model-format.md; the network is musicnn's models.py
(build_musicnn with num_filt=1.6, midend 64 filters, backend 200 units).
"""
import argparse
import glob
import io
import json
import os
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile

import numpy as np

import config

# -----------------------------------------------------------------------------
# constants

MUSICNN_VERSION = "0.1.0"
BACKBONE = "MSD_musicnn"  # the default; MTT_musicnn has the same architecture, other weights and tags
BN_EPSILON = 1e-3  # tf.compat.v1.layers.batch_normalization default

# musicnn/configuration.py, MSD_LABELS, in output order
MSD_TAGS = ['rock', 'pop', 'alternative', 'indie', 'electronic', 'female vocalists', 'dance', '00s',
            'alternative rock', 'jazz', 'beautiful', 'metal', 'chillout', 'male vocalists', 'classic rock',
            'soul', 'indie rock', 'Mellow', 'electronica', '80s', 'folk', '90s', 'chill', 'instrumental',
            'punk', 'oldies', 'blues', 'hard rock', 'ambient', 'acoustic', 'experimental',
            'female vocalist', 'guitar', 'Hip-Hop', '70s', 'party', 'country', 'easy listening', 'sexy',
            'catchy', 'funk', 'electro', 'heavy metal', 'Progressive rock', '60s', 'rnb', 'indie pop',
            'sad', 'House', 'happy']

# musicnn/configuration.py, MTT_LABELS (MagnaTagATune), in output order
MTT_TAGS = ['guitar', 'classical', 'slow', 'techno', 'strings', 'drums', 'electronic', 'rock', 'fast', 'piano',
            'ambient', 'beat', 'violin', 'vocal', 'synth', 'female', 'indian', 'opera', 'male', 'singing',
            'vocals', 'no vocals', 'harpsichord', 'loud', 'quiet', 'flute', 'woman', 'male vocal', 'no vocal',
            'pop', 'soft', 'sitar', 'solo', 'man', 'classic', 'choir', 'voice', 'new age', 'dance', 'male voice',
            'female vocal', 'beats', 'harp', 'cello', 'no voice', 'weird', 'country', 'metal', 'female voice',
            'choral']

BACKBONE_TAGS = {"MSD_musicnn": MSD_TAGS, "MTT_musicnn": MTT_TAGS}

# the log-mel input musicnn was trained on: config.INPUT, the one copy
INPUT_SPEC = config.INPUT

# TF layer name -> moodd prefix, in the order models.py creates the layers (tf.compat.v1.layers numbers
# unnamed layers conv2d, conv2d_1, ...). Kinds: 'bn', 'conv' (kernel [kh, kw, 1, out]), 'dense' (kernel [in, out]).
LAYERS = [
    ("batch_normalization",    "frontend.bn",                  "bn"),
    ("conv2d",                 "frontend.timbral.0",           "conv"),   # 7 x 38 (0.4 * 96), valid
    ("batch_normalization_1",  "frontend.timbral.0.bn",        "bn"),
    ("conv2d_1",               "frontend.timbral.1",           "conv"),   # 7 x 67 (0.7 * 96), valid
    ("batch_normalization_2",  "frontend.timbral.1.bn",        "bn"),
    ("conv2d_2",               "frontend.temporal.0",          "conv"),   # 128 x 1, same
    ("batch_normalization_3",  "frontend.temporal.0.bn",       "bn"),
    ("conv2d_3",               "frontend.temporal.1",          "conv"),   # 64 x 1, same
    ("batch_normalization_4",  "frontend.temporal.1.bn",       "bn"),
    ("conv2d_4",               "frontend.temporal.2",          "conv"),   # 32 x 1, same
    ("batch_normalization_5",  "frontend.temporal.2.bn",       "bn"),
    ("conv2d_5",               "midend.0",                     "conv"),   # 7 x 561
    ("batch_normalization_6",  "midend.0.bn",                  "bn"),
    ("conv2d_6",               "midend.1",                     "conv"),   # 7 x 64
    ("batch_normalization_7",  "midend.1.bn",                  "bn"),
    ("conv2d_7",               "midend.2",                     "conv"),   # 7 x 64
    ("batch_normalization_8",  "midend.2.bn",                  "bn"),
    ("batch_normalization_9",  "backend.bn",                   "bn"),     # 1506 = interleaved [max, mean]
    ("dense",                  "backend.dense",                "dense"),  # 1506 -> 200, ReLU
    ("batch_normalization_10", "backend.dense.bn",             "bn"),
    ("dense_1",                "backend.output",               "dense"),  # 200 -> 50, sigmoid
]

# the contract: every tensor moodd's loader expects, with its shape (see docs/model-format.md)
def expected_shapes():
    shapes = {}
    def bn(prefix, n):
        for p in ("gamma", "beta", "mean", "var"):
            shapes[f"{prefix}.{p}"] = [n]
    bn("frontend.bn", 1)
    for i, fw in enumerate((38, 67)):
        shapes[f"frontend.timbral.{i}.weight"] = [204, 7, fw]
        shapes[f"frontend.timbral.{i}.bias"] = [204]
        bn(f"frontend.timbral.{i}.bn", 204)
    for i, kt in enumerate((128, 64, 32)):
        shapes[f"frontend.temporal.{i}.weight"] = [51, kt]
        shapes[f"frontend.temporal.{i}.bias"] = [51]
        bn(f"frontend.temporal.{i}.bn", 51)
    for i, cin in enumerate((561, 64, 64)):
        shapes[f"midend.{i}.weight"] = [64, 7, cin]
        shapes[f"midend.{i}.bias"] = [64]
        bn(f"midend.{i}.bn", 64)
    bn("backend.bn", 1506)
    shapes["backend.dense.weight"] = [200, 1506]
    shapes["backend.dense.bias"] = [200]
    bn("backend.dense.bn", 200)
    shapes["backend.output.weight"] = [50, 200]
    shapes["backend.output.bias"] = [50]
    return shapes

# -----------------------------------------------------------------------------
# protobuf wire format, just what BundleEntryProto / BundleHeaderProto need

def read_varint(buf, pos):
    result, shift = 0, 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7

def parse_proto(buf):
    """Decode one message into {field_number: [values]}; length-delimited values stay bytes."""
    fields, pos = {}, 0
    while pos < len(buf):
        tag, pos = read_varint(buf, pos)
        field, wire = tag >> 3, tag & 7
        if wire == 0:                        # varint
            value, pos = read_varint(buf, pos)
        elif wire == 1:                      # fixed64
            value = struct.unpack_from("<Q", buf, pos)[0]; pos += 8
        elif wire == 2:                      # length-delimited
            n, pos = read_varint(buf, pos)
            value = bytes(buf[pos:pos + n]); pos += n
        elif wire == 5:                      # fixed32
            value = struct.unpack_from("<I", buf, pos)[0]; pos += 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        fields.setdefault(field, []).append(value)
    return fields

DT_FLOAT = 1  # tensorflow/core/framework/types.proto

def parse_bundle_entry(buf):
    """BundleEntryProto: 1 dtype, 2 shape (TensorShapeProto: 2 dim {1 size}), 3 shard_id, 4 offset, 5 size,
    6 crc32c (fixed32, masked), 7 slices (partitioned variables; not supported)."""
    f = parse_proto(buf)
    shape = []
    for shape_buf in f.get(2, []):
        for dim_buf in parse_proto(shape_buf).get(2, []):
            shape.append(parse_proto(dim_buf).get(1, [0])[0])
    if 7 in f:
        raise ValueError("sliced (partitioned) tensors are not supported")
    return {"dtype": f.get(1, [0])[0], "shape": shape, "shard_id": f.get(3, [0])[0],
            "offset": f.get(4, [0])[0], "size": f.get(5, [0])[0], "crc32c": f.get(6, [None])[0]}

# -----------------------------------------------------------------------------
# crc32c (Castagnoli), as TF/LevelDB use it, with LevelDB's mask on stored values

def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table
CRC32C_TABLE = _crc32c_table()

def crc32c(data):
    crc, table = 0xFFFFFFFF, CRC32C_TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF

def crc32c_mask(crc):
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF

# -----------------------------------------------------------------------------
# SSTable (LevelDB table format) reader

TABLE_MAGIC = 0xDB4775248B80FB57
FOOTER_SIZE = 48       # two BlockHandles (varints) padded to 40 bytes + 8-byte magic
BLOCK_TRAILER = 5      # 1 byte compression type + 4 bytes masked crc32c

def read_block(buf, offset, size):
    """Return the (key, value) entries of the block at [offset, offset + size)."""
    if buf[offset + size] != 0:
        raise ValueError("compressed SSTable blocks are not supported")
    block = buf[offset:offset + size]
    num_restarts = struct.unpack_from("<I", block, size - 4)[0]
    end = size - 4 - 4 * num_restarts   # entries end where the restart array begins
    entries, pos, key = [], 0, b""
    while pos < end:
        shared, pos = read_varint(block, pos)
        unshared, pos = read_varint(block, pos)
        value_len, pos = read_varint(block, pos)
        key = key[:shared] + bytes(block[pos:pos + unshared]); pos += unshared
        entries.append((key, bytes(block[pos:pos + value_len]))); pos += value_len
    return entries

def read_sstable(buf):
    """All (key, value) pairs of an SSTable, in key order."""
    if len(buf) < FOOTER_SIZE:
        raise ValueError("file too small for an SSTable")
    footer = buf[-FOOTER_SIZE:]
    if struct.unpack_from("<Q", footer, 40)[0] != TABLE_MAGIC:
        raise ValueError("bad SSTable magic")
    pos = 0
    _meta_off, pos = read_varint(footer, pos)
    _meta_size, pos = read_varint(footer, pos)
    index_off, pos = read_varint(footer, pos)
    index_size, pos = read_varint(footer, pos)
    out = []
    for _, handle in read_block(buf, index_off, index_size):
        off, p = read_varint(handle, 0)
        size, _ = read_varint(handle, p)
        out.extend(read_block(buf, off, size))
    return out

# -----------------------------------------------------------------------------
# tensor bundle reader

def is_optimizer_state(name):
    return name.endswith("/Adam") or name.endswith("/Adam_1") or name in ("beta1_power", "beta2_power")

def read_bundle(prefix, skip=is_optimizer_state, check_crc=True):
    """Read a TF tensor bundle by prefix -> {variable name: float32 ndarray}."""
    with open(prefix + ".index", "rb") as f:
        entries = read_sstable(f.read())
    header = parse_proto(dict(entries)[b""])  # BundleHeaderProto: 1 num_shards, 2 endianness (0 = LITTLE)
    num_shards = header.get(1, [1])[0]
    if header.get(2, [0])[0] != 0:
        raise ValueError("big-endian bundles are not supported")
    shards = {}
    for i in range(num_shards):
        with open(f"{prefix}.data-{i:05d}-of-{num_shards:05d}", "rb") as f:
            shards[i] = f.read()
    tensors = {}
    for key, value in entries:
        name = key.decode()
        if name == "" or skip(name):
            continue
        e = parse_bundle_entry(value)
        if e["dtype"] != DT_FLOAT:
            raise ValueError(f"{name}: dtype {e['dtype']} is not DT_FLOAT")
        raw = shards[e["shard_id"]][e["offset"]:e["offset"] + e["size"]]
        if len(raw) != 4 * int(np.prod(e["shape"], dtype=np.int64)):
            raise ValueError(f"{name}: size {len(raw)} does not match shape {e['shape']}")
        if check_crc and e["crc32c"] is not None and crc32c_mask(crc32c(raw)) != e["crc32c"]:
            raise ValueError(f"{name}: crc32c mismatch")
        tensors[name] = np.frombuffer(raw, dtype="<f4").reshape(e["shape"]).copy()
    return tensors

# -----------------------------------------------------------------------------
# TF variables -> moodd tensors

def convert(tf_vars):
    """Map musicnn's variables to the moodd contract, in a fixed order. Layouts:
    conv kernels TF [kh=time, kw=freq or in, 1, out] -> [out, time, freq|in] (temporal: [out, time]);
    dense kernels TF [in, out] -> [out, in]."""
    out, used = {}, set()
    def take(name):
        used.add(name)
        return tf_vars[name]
    for tf_name, prefix, kind in LAYERS:
        if kind == "bn":
            n = tf_vars[f"{tf_name}/moving_mean"].shape[0]
            out[f"{prefix}.gamma"] = take(f"{tf_name}/gamma") if f"{tf_name}/gamma" in tf_vars else np.ones(n, np.float32)
            out[f"{prefix}.beta"] = take(f"{tf_name}/beta") if f"{tf_name}/beta" in tf_vars else np.zeros(n, np.float32)
            out[f"{prefix}.mean"] = take(f"{tf_name}/moving_mean")
            out[f"{prefix}.var"] = take(f"{tf_name}/moving_variance")
        elif kind == "conv":
            k = take(f"{tf_name}/kernel")
            assert k.ndim == 4 and k.shape[2] == 1, (tf_name, k.shape)
            w = k[:, :, 0, :].transpose(2, 0, 1)           # [out, kh, kw]
            if prefix.startswith("frontend.temporal"):
                assert w.shape[2] == 1, (tf_name, k.shape)
                w = w[:, :, 0]                              # [out, time]
            out[f"{prefix}.weight"] = w
            out[f"{prefix}.bias"] = take(f"{tf_name}/bias")
        elif kind == "dense":
            out[f"{prefix}.weight"] = take(f"{tf_name}/kernel").T
            out[f"{prefix}.bias"] = take(f"{tf_name}/bias")
    unused = sorted(set(tf_vars) - used)
    if unused:
        raise ValueError(f"checkpoint variables not mapped: {unused}")
    # keep the contract's order; every tensor F32, C-contiguous
    shapes = expected_shapes()
    if set(out) != set(shapes):
        raise ValueError(f"tensor set mismatch: {sorted(set(out) ^ set(shapes))}")
    ordered = {}
    for name, shape in shapes.items():
        t = np.ascontiguousarray(out[name], dtype=np.float32)
        if list(t.shape) != shape:
            raise ValueError(f"{name}: shape {list(t.shape)}, expected {shape}")
        ordered[name] = t
    return ordered

def metadata(backbone=BACKBONE):
    return {
        "format": "moodd-model",
        "format_version": "1",
        "architecture": "musicnn",
        "architecture_version": "1",
        "backbone": backbone,
        "bn_epsilon": "0.001",
        "input": json.dumps(INPUT_SPEC),
        "tags": json.dumps(BACKBONE_TAGS[backbone]),
        "heads": "[]",
        "source": f"musicnn {MUSICNN_VERSION} (PyPI), {backbone} checkpoint",
        "license": "ISC (musicnn, Jordi Pons and Xavier Serra)",
        "converted_by": "training/convert_musicnn.py",
    }

def count_parameters(tensors):
    """Trainable parameters as TF counts them: everything except BN moving statistics."""
    return sum(t.size for n, t in tensors.items() if not (n.endswith(".mean") or n.endswith(".var")))

def count_macs(frames=config.PATCH_FRAMES, mels=config.N_MELS):
    """Multiply-accumulates of one patch, per block (convs and dense layers; BN/ReLU/pooling not counted)."""
    macs = {}
    for i, fw in enumerate((38, 67)):
        macs[f"timbral.{i}"] = frames * (mels - fw + 1) * 204 * 7 * fw
    macs["temporal"] = sum(frames * mels * 51 * kt for kt in (128, 64, 32))
    macs["midend"] = sum(frames * 64 * 7 * cin for cin in (561, 64, 64))
    macs["backend"] = 1506 * 200 + 200 * 50
    return macs

# -----------------------------------------------------------------------------
# safetensors writer

def write_safetensors(path, tensors, meta):
    """safetensors: u64 LE header length, JSON header (space-padded to a multiple of 8), then the tensors
    back to back in header order."""
    header, offset = {"__metadata__": meta}, 0
    for name, t in tensors.items():
        assert t.dtype == np.float32 and t.flags.c_contiguous
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + t.nbytes]}
        offset += t.nbytes
    hbytes = json.dumps(header, separators=(",", ":")).encode()
    hbytes += b" " * (-len(hbytes) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(hbytes)))
        f.write(hbytes)
        for t in tensors.values():
            f.write(t.astype("<f4", copy=False).tobytes())
    os.replace(tmp, path)

# -----------------------------------------------------------------------------
# getting the checkpoint out of musicnn's package

def extract_package(archive, dest, backbone=BACKBONE):
    """Unpack a musicnn wheel or sdist; return (checkpoint prefix, licence text or None)."""
    if archive.endswith(".whl") or archive.endswith(".zip"):
        with zipfile.ZipFile(archive) as z:
            z.extractall(dest)
    else:
        with tarfile.open(archive) as t:
            t.extractall(dest, filter="data")
    index = glob.glob(os.path.join(dest, "**", backbone, ".index"), recursive=True)
    if len(index) != 1:
        raise FileNotFoundError(f"{backbone}/.index not found in {archive}")
    prefix = index[0][:-len(".index")]
    licence = None
    for pattern in ("**/LICENSE*", "**/LICENCE*"):
        hits = sorted(glob.glob(os.path.join(dest, pattern), recursive=True))
        if hits:
            with open(hits[0], encoding="utf-8") as f:
                licence = f.read()
            break
    return prefix, licence

def download_package(dest):
    subprocess.run([sys.executable, "-m", "pip", "download", f"musicnn=={MUSICNN_VERSION}", "--no-deps",
                    "-d", dest], check=True)
    hits = glob.glob(os.path.join(dest, "musicnn-*"))
    if not hits:
        raise FileNotFoundError("pip download produced no musicnn archive")
    return hits[0]

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--wheel", help="path to a musicnn 0.1.0 wheel or sdist")
    src.add_argument("--download", action="store_true", help="pip download musicnn==0.1.0 into a temp dir")
    src.add_argument("--checkpoint", help="checkpoint prefix (e.g. .../MSD_musicnn/), already unpacked")
    ap.add_argument("--backbone", default=BACKBONE, choices=sorted(BACKBONE_TAGS),
                    help="which of the wheel's musicnn checkpoints (same architecture)")
    ap.add_argument("--out", default="models/msd_musicnn.safetensors")
    ap.add_argument("--license-out", default=None,
                    help="where to write musicnn's licence (default: LICENSE.musicnn next to --out)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        licence = None
        if args.checkpoint:
            prefix = args.checkpoint
        else:
            archive = args.wheel or download_package(os.path.join(tmp, "dl"))
            prefix, licence = extract_package(archive, os.path.join(tmp, "pkg"), args.backbone)
        tf_vars = read_bundle(prefix)
        tensors = convert(tf_vars)

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    write_safetensors(args.out, tensors, metadata(args.backbone))
    if licence is not None:
        lic_path = args.license_out or os.path.join(os.path.dirname(os.path.abspath(args.out)), "LICENSE.musicnn")
        with open(lic_path, "w", encoding="utf-8") as f:
            f.write("musicnn (https://github.com/jordipons/musicnn), version 0.1.0, ISC license.\n"
                    f"The weights in {os.path.basename(args.out)} are converted from musicnn's {args.backbone} checkpoint.\n\n")
            f.write(licence.strip() + "\n")
        print(f"wrote {lic_path}")

    macs = count_macs()
    total = sum(macs.values())
    print(f"read {len(tf_vars)} variables from {prefix}")
    print(f"wrote {args.out}: {len(tensors)} tensors, {os.path.getsize(args.out)} bytes")
    print(f"trainable parameters: {count_parameters(tensors):,}")
    print(f"multiply-accumulates per patch: {total:,} "
          + ", ".join(f"{k} {100 * v / total:.1f}%" for k, v in macs.items()))

if __name__ == "__main__":
    main()
