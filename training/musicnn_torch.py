"""
musicnn (MSD_musicnn) in PyTorch, built from moodd's model file: the same network as the Swift engine and
training/musicnn_numpy.py, for the CNN benchmark's PyTorch and ONNX columns and for fine-tuning.

    model = MusicnnTorch.from_file("models/msd_musicnn.safetensors").eval()
    penultimate, tags = model(patches)        # patches [B, 187, 96] log-mel -> [B, 200], [B, 50]

Batch norms run as inference batch norms (moving statistics, epsilon from the file's metadata). PyTorch is
not on CI's path: it installs on demand (training/requirements-torch.txt), see scripts/bench.
"""
import json

import torch
import torch.nn.functional as F
from torch import nn

from musicnn_numpy import load_safetensors


class BatchNorm(nn.Module):
    """Inference batch norm over dimension `dim` with the file's moving statistics."""

    def __init__(self, w, prefix, eps, dim):
        super().__init__()
        scale = torch.from_numpy(w[prefix + ".gamma"] / (w[prefix + ".var"] + eps) ** 0.5)
        shift = torch.from_numpy(w[prefix + ".beta"]) - torch.from_numpy(w[prefix + ".mean"]) * scale
        self.dim = dim
        self.scale = nn.Parameter(scale.float())
        self.shift = nn.Parameter(shift.float())

    def forward(self, x):
        shape = [1] * x.dim()
        shape[self.dim] = -1
        return x * self.scale.view(shape) + self.shift.view(shape)


class MusicnnTorch(nn.Module):
    def __init__(self, tensors, meta):
        super().__init__()
        eps = float(meta["bn_epsilon"])
        t = {k: torch.from_numpy(v.copy()) for k, v in tensors.items()}
        self.tags = json.loads(meta["tags"])
        self.input_bn = BatchNorm(tensors, "frontend.bn", eps, dim=1)
        self.timbral = nn.ModuleList()
        self.timbral_bn = nn.ModuleList()
        for i in range(2):
            p = f"frontend.timbral.{i}"
            w = t[p + ".weight"]                                     # [204, 7, fw]
            conv = nn.Conv2d(1, w.shape[0], (w.shape[1], w.shape[2]))
            conv.weight.data = w[:, None]
            conv.bias.data = t[p + ".bias"]
            self.timbral.append(conv)
            self.timbral_bn.append(BatchNorm(tensors, p + ".bn", eps, dim=1))
        self.temporal = nn.ModuleList()
        self.temporal_bn = nn.ModuleList()
        for i in range(3):
            p = f"frontend.temporal.{i}"
            w = t[p + ".weight"]                                     # [51, kt]
            conv = nn.Conv2d(1, w.shape[0], (w.shape[1], 1))
            conv.weight.data = w[:, None, :, None]
            conv.bias.data = t[p + ".bias"]
            self.temporal.append(conv)
            self.temporal_bn.append(BatchNorm(tensors, p + ".bn", eps, dim=1))
        self.mid = nn.ModuleList()
        self.mid_bn = nn.ModuleList()
        for i in range(3):
            p = f"midend.{i}"
            w = t[p + ".weight"]                                     # [64, 7, C] (out, time, in)
            conv = nn.Conv1d(w.shape[2], w.shape[0], w.shape[1], padding=3)
            conv.weight.data = w.permute(0, 2, 1).contiguous()
            conv.bias.data = t[p + ".bias"]
            self.mid.append(conv)
            self.mid_bn.append(BatchNorm(tensors, p + ".bn", eps, dim=1))
        self.back_bn = BatchNorm(tensors, "backend.bn", eps, dim=1)
        self.dense = nn.Linear(1506, 200)
        self.dense.weight.data = t["backend.dense.weight"]
        self.dense.bias.data = t["backend.dense.bias"]
        self.dense_bn = BatchNorm(tensors, "backend.dense.bn", eps, dim=1)
        self.output = nn.Linear(200, 50)
        self.output.weight.data = t["backend.output.weight"]
        self.output.bias.data = t["backend.output.bias"]

    @classmethod
    def from_file(cls, path):
        return cls(*load_safetensors(path))

    def forward(self, patches):
        """patches [B, T, 96] -> (penultimate [B, 200], tags [B, 50])"""
        x = self.input_bn(patches[:, None])                         # [B, 1, T, 96]
        x7 = F.pad(x, (0, 0, 3, 3))                                  # zero pad 3/3 in time
        front = []
        for conv, bn in zip(self.timbral, self.timbral_bn):
            front.append(bn(F.relu(conv(x7))).amax(dim=3))          # [B, 204, T]
        for conv, bn in zip(self.temporal, self.temporal_bn):
            kt = conv.kernel_size[0]
            before = (kt - 1) // 2                                   # TF 'same': the extra pad goes after
            xp = F.pad(x, (0, 0, before, kt - 1 - before))
            front.append(bn(F.relu(conv(xp))).amax(dim=3))          # [B, 51, T]
        front = torch.cat(front, dim=1)                              # [B, 561, T]
        c1 = self.mid_bn[0](F.relu(self.mid[0](front)))
        c2 = self.mid_bn[1](F.relu(self.mid[1](c1))) + c1
        c3 = self.mid_bn[2](F.relu(self.mid[2](c2))) + c2
        mid = torch.cat([front, c1, c2, c3], dim=1)                  # [B, 753, T]
        pooled = torch.stack([mid.amax(dim=2), mid.mean(dim=2)], dim=2).flatten(1)  # [max0, mean0, ...]
        penultimate = self.dense_bn(F.relu(self.dense(self.back_bn(pooled))))
        return penultimate, torch.sigmoid(self.output(penultimate))
