"""
Tests of training/convert_musicnn.py that need no download and no TensorFlow: a synthetic TF tensor bundle
(.index SSTable + .data shard, written here independently of the converter's reader) goes through the
converter, and the committed models/msd_musicnn.safetensors is checked against the contract.
"""
import json
import os
import struct

import numpy as np
import pytest

import convert_musicnn as cm
import musicnn_numpy

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODEL = os.path.join(REPO, "models", "msd_musicnn.safetensors")

# -----------------------------------------------------------------------------
# a minimal TF tensor bundle writer (LevelDB table format, uncompressed blocks)

def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)

def field_varint(field, n):
    return varint(field << 3) + varint(n)

def field_bytes(field, b):
    return varint(field << 3 | 2) + varint(len(b)) + b

def field_fixed32(field, n):
    return varint(field << 3 | 5) + struct.pack("<I", n)

def crc32c_ref(data):
    """Bitwise crc32c, deliberately not the converter's table-driven one (slow: large data uses the
    converter's, which test_crc32c_known_value checks)."""
    if len(data) > 65536:
        return cm.crc32c(data)
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 * (crc & 1))
    return crc ^ 0xFFFFFFFF

def mask(crc):
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF

def build_block(entries, restart_interval):
    body, restarts, last = bytearray(), [], b""
    for i, (k, v) in enumerate(entries):
        shared = 0
        if i % restart_interval == 0:
            restarts.append(len(body))
        else:
            while shared < min(len(k), len(last)) and k[shared] == last[shared]:
                shared += 1
        body += varint(shared) + varint(len(k) - shared) + varint(len(v)) + k[shared:] + v
        last = k
    for r in restarts or [0]:
        body += struct.pack("<I", r)
    body += struct.pack("<I", len(restarts or [0]))
    return bytes(body)

def build_sstable(entries, entries_per_block=3, restart_interval=2):
    out, index = bytearray(), []
    def emit(block):
        handle = varint(len(out)) + varint(len(block))
        out.extend(block + b"\0" + struct.pack("<I", mask(crc32c_ref(block + b"\0"))))
        return handle
    for i in range(0, len(entries), entries_per_block):
        chunk = entries[i:i + entries_per_block]
        index.append((chunk[-1][0], emit(build_block(chunk, restart_interval))))
    meta = emit(build_block([], restart_interval))
    idx = emit(build_block(index, 1))
    footer = meta + idx
    footer += b"\0" * (40 - len(footer)) + struct.pack("<Q", cm.TABLE_MAGIC)
    return bytes(out + footer)

def write_bundle(prefix, tensors):
    """tensors: {name: float32 array}. Writes <prefix>.index and <prefix>.data-00000-of-00001."""
    data, entries = bytearray(), []
    for name in sorted(tensors):
        raw = np.ascontiguousarray(tensors[name], "<f4").tobytes()
        shape = b"".join(field_bytes(2, field_varint(1, d)) for d in tensors[name].shape)
        entry = (field_varint(1, cm.DT_FLOAT) + field_bytes(2, shape) + field_varint(4, len(data))
                 + field_varint(5, len(raw)) + field_fixed32(6, mask(crc32c_ref(raw))))
        entries.append((name.encode(), entry))
        data += raw
    header = field_varint(1, 1) + field_bytes(3, field_varint(1, 1))  # num_shards 1, version {producer 1}
    with open(prefix + ".index", "wb") as f:
        f.write(build_sstable([(b"", header)] + entries))
    with open(prefix + ".data-00000-of-00001", "wb") as f:
        f.write(data)

def musicnn_like_variables(rng, with_adam=True):
    """Random variables with MSD_musicnn's names and TF shapes."""
    v = {}
    def bn(name, n, scale=True):
        if scale:
            v[f"{name}/gamma"] = rng.standard_normal(n)
            v[f"{name}/beta"] = rng.standard_normal(n)
        v[f"{name}/moving_mean"] = rng.standard_normal(n)
        v[f"{name}/moving_variance"] = rng.random(n)
    def conv(name, shape):
        v[f"{name}/kernel"] = rng.standard_normal(shape)
        v[f"{name}/bias"] = rng.standard_normal(shape[-1])
    bn("batch_normalization", 1)
    conv("conv2d", (7, 38, 1, 204)); bn("batch_normalization_1", 204)
    conv("conv2d_1", (7, 67, 1, 204)); bn("batch_normalization_2", 204)
    for i, k in enumerate((128, 64, 32)):
        conv(f"conv2d_{2 + i}", (k, 1, 1, 51)); bn(f"batch_normalization_{3 + i}", 51)
    for i, cin in enumerate((561, 64, 64)):
        conv(f"conv2d_{5 + i}", (7, cin, 1, 64)); bn(f"batch_normalization_{6 + i}", 64)
    bn("batch_normalization_9", 1506)
    conv("dense", (1506, 200)); bn("batch_normalization_10", 200)
    conv("dense_1", (200, 50))
    v = {k: np.asarray(t, np.float32) for k, t in v.items()}
    if with_adam:  # optimiser state the converter must skip
        for k in ("conv2d/kernel", "dense_1/bias"):
            v[k + "/Adam"] = np.zeros_like(v[k])
            v[k + "/Adam_1"] = np.ones_like(v[k])
        v["beta1_power"] = np.array(0.9, np.float32)
        v["beta2_power"] = np.array(0.999, np.float32)
    return v

# -----------------------------------------------------------------------------
# reader

def test_bundle_roundtrip_skips_optimizer_state(tmp_path):
    rng = np.random.default_rng(0)
    tensors = {"a/kernel": rng.standard_normal((3, 4, 1, 2)).astype(np.float32),
               "a/kernel/Adam": np.zeros((3, 4, 1, 2), np.float32),
               "a/kernel/Adam_1": np.zeros((3, 4, 1, 2), np.float32),
               "ab/bias": rng.standard_normal(5).astype(np.float32),
               "abc": rng.standard_normal((2, 3)).astype(np.float32),
               "beta1_power": np.array(0.9, np.float32),
               "scalar": np.array(3.5, np.float32)}
    prefix = str(tmp_path / "ckpt")
    write_bundle(prefix, tensors)
    got = cm.read_bundle(prefix)
    assert sorted(got) == ["a/kernel", "ab/bias", "abc", "scalar"]
    for k, t in got.items():
        assert t.dtype == np.float32 and t.shape == tensors[k].shape
        np.testing.assert_array_equal(t, tensors[k])

@pytest.mark.parametrize("entries_per_block,restart_interval", [(1, 1), (3, 2), (100, 16)])
def test_sstable_blocks_and_prefix_compression(entries_per_block, restart_interval):
    entries = [(f"layer_{i:02d}/{s}".encode(), bytes([i, len(s)]) * i) for i in range(12)
               for s in ("beta", "gamma", "moving_mean")]
    entries.sort()
    table = build_sstable(entries, entries_per_block, restart_interval)
    assert cm.read_sstable(table) == entries

def test_crc_mismatch_is_detected(tmp_path):
    prefix = str(tmp_path / "ckpt")
    write_bundle(prefix, {"x": np.arange(10, dtype=np.float32)})
    path = prefix + ".data-00000-of-00001"
    raw = bytearray(open(path, "rb").read())
    raw[5] ^= 0xFF
    open(path, "wb").write(bytes(raw))
    with pytest.raises(ValueError, match="crc32c"):
        cm.read_bundle(prefix)

def test_bad_magic_is_rejected():
    with pytest.raises(ValueError, match="magic"):
        cm.read_sstable(b"\0" * 64)

def test_crc32c_known_value():
    assert cm.crc32c(b"123456789") == 0xE3069283  # the CRC-32C check value
    assert cm.crc32c(b"hello world") == crc32c_ref(b"hello world")

# -----------------------------------------------------------------------------
# conversion

def test_convert_layouts(tmp_path, monkeypatch):
    rng = np.random.default_rng(1)
    v = musicnn_like_variables(rng)
    prefix = str(tmp_path / "MSD_musicnn") + "/"
    os.makedirs(prefix)
    write_bundle(prefix, v)
    out = str(tmp_path / "m.safetensors")
    monkeypatch.setattr("sys.argv", ["convert_musicnn.py", "--checkpoint", prefix, "--out", out])
    cm.main()
    w, meta = musicnn_numpy.load_safetensors(out)

    shapes = cm.expected_shapes()
    assert list(w) == list(shapes)
    assert {k: list(t.shape) for k, t in w.items()} == shapes
    np.testing.assert_array_equal(w["frontend.timbral.0.weight"], v["conv2d/kernel"][:, :, 0, :].transpose(2, 0, 1))
    np.testing.assert_array_equal(w["frontend.timbral.1.weight"][5, 2, 60], v["conv2d_1/kernel"][2, 60, 0, 5])
    np.testing.assert_array_equal(w["frontend.temporal.0.weight"][7, 100], v["conv2d_2/kernel"][100, 0, 0, 7])
    np.testing.assert_array_equal(w["frontend.temporal.2.weight"], v["conv2d_4/kernel"][:, 0, 0, :].T)
    np.testing.assert_array_equal(w["midend.0.weight"][3, 6, 500], v["conv2d_5/kernel"][6, 500, 0, 3])
    np.testing.assert_array_equal(w["midend.2.bias"], v["conv2d_7/bias"])
    np.testing.assert_array_equal(w["backend.dense.weight"], v["dense/kernel"].T)
    np.testing.assert_array_equal(w["backend.output.weight"], v["dense_1/kernel"].T)
    np.testing.assert_array_equal(w["frontend.timbral.0.bn.gamma"], v["batch_normalization_1/gamma"])
    np.testing.assert_array_equal(w["frontend.timbral.1.bn.var"], v["batch_normalization_2/moving_variance"])
    np.testing.assert_array_equal(w["backend.bn.mean"], v["batch_normalization_9/moving_mean"])
    np.testing.assert_array_equal(w["backend.dense.bn.beta"], v["batch_normalization_10/beta"])
    assert meta == cm.metadata()
    assert cm.count_parameters(w) == 787_159

def test_bn_without_scale_and_center_gets_ones_and_zeros():
    v = musicnn_like_variables(np.random.default_rng(2), with_adam=False)
    del v["batch_normalization/gamma"], v["batch_normalization/beta"]
    w = cm.convert(v)
    np.testing.assert_array_equal(w["frontend.bn.gamma"], [1.0])
    np.testing.assert_array_equal(w["frontend.bn.beta"], [0.0])

def test_unmapped_variable_is_an_error():
    v = musicnn_like_variables(np.random.default_rng(3), with_adam=False)
    v["conv2d_8/kernel"] = np.zeros((1, 1, 1, 1), np.float32)
    with pytest.raises(ValueError, match="not mapped"):
        cm.convert(v)

def test_wrong_shape_is_an_error():
    v = musicnn_like_variables(np.random.default_rng(4), with_adam=False)
    v["dense/kernel"] = np.zeros((1505, 200), np.float32)
    with pytest.raises(ValueError, match="backend.dense.weight"):
        cm.convert(v)

def test_safetensors_layout(tmp_path):
    tensors = {"b": np.arange(3, dtype=np.float32), "a": np.ones((2, 2), np.float32)}
    path = str(tmp_path / "t.safetensors")
    cm.write_safetensors(path, tensors, {"k": "v"})
    buf = open(path, "rb").read()
    (n,) = struct.unpack_from("<Q", buf)
    assert n % 8 == 0 and len(buf) == 8 + n + 4 * 7
    header = json.loads(buf[8:8 + n])
    assert list(header) == ["__metadata__", "b", "a"]
    assert header["b"] == {"dtype": "F32", "shape": [3], "data_offsets": [0, 12]}
    assert header["a"]["data_offsets"] == [12, 28]
    st = pytest.importorskip("safetensors.numpy")  # the reference implementation, when installed
    got = st.load_file(path)
    np.testing.assert_array_equal(got["a"], tensors["a"])

# -----------------------------------------------------------------------------
# the committed model file

def test_committed_model_matches_contract():
    with open(MODEL, "rb") as f:
        buf = f.read()
    (n,) = struct.unpack_from("<Q", buf)
    assert n % 8 == 0
    header = json.loads(buf[8:8 + n])
    meta = header.pop("__metadata__")
    assert all(isinstance(v, str) for v in meta.values())
    assert meta["format"] == "moodd-model" and meta["format_version"] == "1"
    assert meta["architecture"] == "musicnn" and meta["backbone"] == "MSD_musicnn"
    assert meta["bn_epsilon"] == "0.001" and json.loads(meta["heads"]) == []
    assert json.loads(meta["tags"]) == cm.MSD_TAGS and len(cm.MSD_TAGS) == 50
    assert json.loads(meta["input"])["patch_frames"] == 187
    shapes = cm.expected_shapes()
    assert list(header) == list(shapes)
    end = 0
    for name, info in header.items():
        assert info["dtype"] == "F32" and info["shape"] == shapes[name]
        assert info["data_offsets"] == [end, end + 4 * int(np.prod(info["shape"]))]
        end = info["data_offsets"][1]
    assert len(buf) == 8 + n + end
    trainable = sum(int(np.prod(i["shape"])) for k, i in header.items() if not k.endswith((".mean", ".var")))
    assert trainable == 787_159
    assert sum(cm.count_macs().values()) == 1_398_553_584
