"""
A fine-tuned network (finetune.MoodNet) into a moodd model file, its cost as the Swift engine computes it,
and the check that PyTorch and the moodd binary agree on real clips.
"""
import json
import os
import subprocess
import tempfile

import numpy as np
import torch

import config
from embed import mel_patches, moodd_features, run_moodd
from front_cache import moodd_front
from musicnn_torch import CONSTANT_GAIN, FrozenFrontEnd, LaterLayers, MusicnnTorch


def live_macs(net):
    """multiply-accumulates per patch of the trained mid end + back end as the Swift engine computes them
    (channels whose gain is below the engine's threshold are constants), and of the head"""
    later, t = net.later, config.PATCH_FRAMES
    total, inputs = 0, len(later.live)
    for conv, bn in zip(later.mid, later.mid_bn):
        gain = bn.scale.detach().abs() * conv.weight.detach().flatten(1).abs().sum(dim=1)
        live_out = int((gain > CONSTANT_GAIN).sum())
        total += t * live_out * inputs * conv.kernel_size[0]
        inputs = conv.weight.shape[0]
    return total + net.later.dense.weight.numel() + net.head.weight.numel()


def export(net, model, labels, info, out, commit):
    """the model file with the trained backbone tensors and the head (`mood`, input penultimate)"""
    import export as exporter
    from convert_musicnn import write_safetensors
    from musicnn_numpy import load_safetensors
    tensors, meta = load_safetensors(model)
    trained = net.later.backbone_tensors()
    for k, v in trained.items():
        if tensors[k].shape != v.shape:
            raise ValueError(f"{k}: trained {v.shape}, file {tensors[k].shape}")
    tensors.update(trained)
    meta = dict(meta)
    meta["fine_tuned"] = json.dumps({"tensors": sorted(trained), "by": "training/finetune.py", "commit": commit})
    head = {"mean": np.zeros(config.EMBED_DIM, np.float32), "scale": np.ones(config.EMBED_DIM, np.float32),
            "layers": [(net.head.weight.detach().numpy(), net.head.bias.detach().numpy())]}
    with tempfile.TemporaryDirectory() as tmp:
        backbone = os.path.join(tmp, "backbone.safetensors")
        write_safetensors(backbone, {k: v for k, v in tensors.items() if not k.startswith("heads.")}, meta)
        exporter.export(backbone, [(head, dict(info, labels=labels))], out, commit)


def parity(model, clips, exported=None, net=None, n=3):
    """max |PyTorch - moodd| on n clips: penultimate (moodd embed) of the file's own weights, and with an
    exported fine-tuned file the head's probabilities (moodd classify --timeline --json)"""
    torch_net = MusicnnTorch.from_file(model).eval()
    front = FrozenFrontEnd(torch_net)
    later = LaterLayers(torch_net, front).eval()
    out = {"penultimate_full": 0.0, "penultimate_pruned": 0.0, "front": 0.0, "fine_tuned_probabilities": None}
    with tempfile.TemporaryDirectory() as tmp:
        for c in clips[:n]:
            mel = moodd_features(c.path, os.path.join(tmp, "f.npy"))
            x = torch.from_numpy(mel_patches(mel))
            run_moodd(["embed", c.path, "--npy", os.path.join(tmp, "e.npy"), "--model", model,
                       "--hop-frames", str(config.HOP_FRAMES)])
            swift = np.load(os.path.join(tmp, "e.npy"))
            with torch.no_grad():
                full = torch_net(x)[0].numpy()
                pruned = later(front(x)).numpy()
            out["penultimate_full"] = max(out["penultimate_full"], float(np.abs(full - swift).max()))
            out["penultimate_pruned"] = max(out["penultimate_pruned"], float(np.abs(pruned - swift).max()))
            with torch.no_grad():                   # the live front end, as front_cache.py takes it from moodd
                live = front(x).numpy()
            out["front"] = max(out["front"], float(np.abs(moodd_front(c.path, model, front.live.numpy()) - live).max()))
            if exported:
                r = subprocess.run([config.MOODD, "classify", c.path, "--model", exported, "--json", "--timeline"],
                                   capture_output=True, text=True, check=True)
                rows = json.loads(r.stdout.splitlines()[0])
                p_swift = np.array([[w["probabilities"][l] for l in rows["probabilities"]] for w in rows["timeline"]])
                with torch.no_grad():
                    p_torch = torch.softmax(net.eval()(front(x)), dim=1).numpy()
                d = float(np.abs(p_swift - p_torch).max())
                out["fine_tuned_probabilities"] = max(out["fine_tuned_probabilities"] or 0.0, d)
    return out
