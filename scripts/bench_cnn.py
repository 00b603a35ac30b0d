"""The CNN benchmark's reference columns: musicnn per 3-s patch in numpy, PyTorch and onnxruntime, one thread.

    python scripts/bench_cnn.py --model models/msd_musicnn.safetensors --patches patches.npy --repeats 20

Prints one JSON object: ms per patch of CPU time of the whole process (median over repeats of a pass over
every patch, one patch at a time, batch 1, as the daemon runs) for each stack, and each stack's max abs difference from numpy on the
penultimate embedding. scripts/bench runs it beside moodd-bench's `cnn` stage and prints the table.
"""
import argparse
import json
import os
import pathlib
import sys
import tempfile
import time
import warnings

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import numpy as np  # noqa: E402

warnings.filterwarnings("ignore")  # the ONNX exporter's deprecation and constant-folding chatter

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "training"))
from musicnn_numpy import Musicnn  # noqa: E402


def median_ms(fn, patches, repeats):
    fn(patches[0])  # warm-up
    times = []
    for _ in range(repeats):
        start = time.process_time()  # every thread of the process: a stack gains nothing from helpers
        for p in patches:
            fn(p)
        times.append((time.process_time() - start) / len(patches) * 1e3)
    return float(np.median(times))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--patches", required=True, help=".npy [n, 187, 96] float32")
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--stacks", default="numpy,torch,onnxruntime")
    args = ap.parse_args()
    patches = np.load(args.patches).astype(np.float32)
    stacks = args.stacks.split(",")
    out = {"patches": len(patches)}

    ref = Musicnn(args.model)
    reference = np.stack([ref.forward(p)["penultimate"] for p in patches])
    np.save(pathlib.Path(args.patches).with_suffix(".numpy_penultimate.npy"), reference)
    if "numpy" in stacks:
        out["numpy"] = {"ms": median_ms(ref.forward, patches, args.repeats), "max_abs_diff": 0.0}

    if "torch" in stacks or "onnxruntime" in stacks:
        import torch
        from musicnn_torch import MusicnnTorch

        torch.set_num_threads(1)
        torch.set_num_interop_threads(1)
        model = MusicnnTorch.from_file(args.model).eval()
        with torch.inference_mode():
            def run_torch(p):
                return model(torch.from_numpy(p)[None])[0].numpy()[0]
            diff = max(float(np.abs(run_torch(p) - r).max()) for p, r in zip(patches, reference))
            if "torch" in stacks:
                out["torch"] = {"ms": median_ms(run_torch, patches, args.repeats), "max_abs_diff": diff,
                                "version": torch.__version__}
        if "onnxruntime" in stacks:
            import onnxruntime as ort

            with tempfile.TemporaryDirectory() as tmp:
                path = os.path.join(tmp, "musicnn.onnx")
                torch.onnx.export(model, torch.from_numpy(patches[:1]), path, input_names=["patch"],
                                  output_names=["penultimate", "tags"], opset_version=17, dynamo=False)
                options = ort.SessionOptions()
                options.intra_op_num_threads = 1
                options.inter_op_num_threads = 1
                session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])

                def run_ort(p):
                    return session.run(["penultimate"], {"patch": p[None]})[0][0]
                diff = max(float(np.abs(run_ort(p) - r).max()) for p, r in zip(patches, reference))
                out["onnxruntime"] = {"ms": median_ms(run_ort, patches, args.repeats), "max_abs_diff": diff,
                                      "version": ort.__version__}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
