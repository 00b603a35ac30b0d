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
        mid = self.mid_end(patches)
        pooled = torch.stack([mid.amax(dim=2), mid.mean(dim=2)], dim=2).flatten(1)  # [max0, mean0, ...]
        penultimate = self.dense_bn(F.relu(self.dense(self.back_bn(pooled))))
        return penultimate, torch.sigmoid(self.output(penultimate))

    def pooled(self, patches):
        """patches [B, T, 96] -> [B, 1506]: the max over time of each of the 753 mid-end channels, then their
        means (not interleaved): moodd's `pooled` layer, the input of a head with `"input": "pooled"`."""
        mid = self.mid_end(patches)
        return torch.cat([mid.amax(dim=2), mid.mean(dim=2)], dim=1)

    def mid_end(self, patches):
        """patches [B, T, 96] -> mid [B, 753, T]: front (561) | c1 | c2 | c3"""
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
        return torch.cat([front, c1, c2, c3], dim=1)                 # [B, 753, T]


# -----------------------------------------------------------------------------
# fine-tuning: a frozen front end that computes only its live channels, and the trainable later layers

CONSTANT_GAIN = 1e-7    # as the Swift engine's ChannelPlan: |bn scale| * |w|_1 at most this -> a constant channel


class FrozenFrontEnd(nn.Module):
    """musicnn's front end with its dead channels dropped: patches [B, T, 96] -> live channels [B, L, T].
    Most of MSD_musicnn's front-end channels are dead (weights ~1e-12 against biases ~1): their output is
    bn(relu(bias)) on every input. `live` are the indices (into the 561 front-end channels) computed;
    `constants` [561] holds every channel's constant value (0 where live). Same rule as the Swift engine."""

    def __init__(self, net):
        super().__init__()
        self.input_bn = net.input_bn
        self.convs, self.kinds = [], []
        live, constants, offset = [], [], 0
        for kind, convs, bns in (("timbral", net.timbral, net.timbral_bn), ("temporal", net.temporal, net.temporal_bn)):
            for conv, bn in zip(convs, bns):
                w, b = conv.weight.detach(), conv.bias.detach()
                gain = bn.scale.detach().abs() * w.flatten(1).abs().sum(dim=1)
                keep = (gain > CONSTANT_GAIN).nonzero().flatten()
                value = bn.scale.detach() * F.relu(b) + bn.shift.detach()
                value[keep] = 0
                sub = nn.Conv2d(1, len(keep), conv.kernel_size)
                sub.weight.data, sub.bias.data = w[keep].clone(), b[keep].clone()
                self.convs.append((sub, bn.scale.detach()[keep].clone(), bn.shift.detach()[keep].clone()))
                self.kinds.append(kind)
                live.append(keep + offset)
                constants.append(value)
                offset += w.shape[0]
        self.register_buffer("live", torch.cat(live))
        self.register_buffer("constants", torch.cat(constants).float())
        for p in self.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def forward(self, patches):
        x = self.input_bn(patches[:, None])
        out = []
        for kind, (conv, scale, shift) in zip(self.kinds, self.convs):
            k = conv.kernel_size[0]
            before = 3 if kind == "timbral" else (k - 1) // 2
            z = F.relu(conv(F.pad(x, (0, 0, before, k - 1 - before))))
            out.append((z * scale.view(1, -1, 1, 1) + shift.view(1, -1, 1, 1)).amax(dim=3))
        return torch.cat(out, dim=1)


class LaterLayers(nn.Module):
    """musicnn's mid end and back end from the front end's live channels: [B, L, T] -> penultimate [B, 200].
    The conv and dense weights train; the batch norms stay as the file has them (folded, frozen), so the
    trained weights go back into the same tensors of the model file (backbone_tensors, finetune_export.py)."""

    def __init__(self, net, front):
        super().__init__()
        self.mid = net.mid
        self.mid_bn, self.back_bn, self.dense, self.dense_bn = net.mid_bn, net.back_bn, net.dense, net.dense_bn
        for bn in list(self.mid_bn) + [self.back_bn, self.dense_bn]:
            for p in bn.parameters():
                p.requires_grad_(False)
        live = front.live
        dead = torch.ones(front.constants.numel(), dtype=torch.bool)
        dead[live] = False
        self.register_buffer("live", live)
        self.register_buffer("dead", dead.nonzero().flatten())
        self.register_buffer("constants", front.constants)

    def front_pooled(self, live_front):
        """[B, L, T] -> [B, 561, 2] (max, mean over time) of every front-end channel"""
        b = live_front.shape[0]
        pooled = self.constants.view(1, -1, 1).expand(b, -1, 2).clone()
        pooled[:, self.live] = torch.stack([live_front.amax(dim=2), live_front.mean(dim=2)], dim=2)
        return pooled

    def forward(self, live_front):
        t = live_front.shape[2]
        w = self.mid[0].weight                                      # [64, 561, 7]
        const = self.constants[self.dead].view(1, -1, 1).expand(1, -1, t)
        z = (F.conv1d(live_front, w[:, self.live], self.mid[0].bias, padding=3)
             + F.conv1d(const, w[:, self.dead], padding=3))         # dead inputs: exact, incl. the zero-padded ends
        c1 = self.mid_bn[0](F.relu(z))
        c2 = self.mid_bn[1](F.relu(self.mid[1](c1))) + c1
        c3 = self.mid_bn[2](F.relu(self.mid[2](c2))) + c2
        mid = torch.cat([c1, c2, c3], dim=1)
        pooled = torch.cat([self.front_pooled(live_front),
                            torch.stack([mid.amax(dim=2), mid.mean(dim=2)], dim=2)], dim=1).flatten(1)
        return self.dense_bn(F.relu(self.dense(self.back_bn(pooled))))

    def backbone_tensors(self):
        """{model-file tensor name: float32 array} of the trained weights (mid end convs, back end dense)"""
        out = {}
        for i, conv in enumerate(self.mid):
            out[f"midend.{i}.weight"] = conv.weight.detach().permute(0, 2, 1).contiguous().numpy()  # [64, 7, C]
            out[f"midend.{i}.bias"] = conv.bias.detach().numpy()
        out["backend.dense.weight"] = self.dense.weight.detach().numpy()
        out["backend.dense.bias"] = self.dense.bias.detach().numpy()
        return out
