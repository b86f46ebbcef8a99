#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The benchmark's model set, made here with Debian's python3-torch / torchvision (random
weights, fixed seed), written to the folder given as argv[1] (bench/models.mjs caches it
outside the clone, keyed by this script's hash). Optional argv[2:]: only these models.

  mobilenet_v2, resnet50, squeezenet1_1, efficientnet_b0   torchvision CNNs, 1x3x224x224
  vit_small        4 pre-norm transformer layers, d384, 6 heads, 16x16 patches of 224x224
  bert_like        4-layer encoder, d256, 4 heads, token ids [1, seq] with a symbolic seq
                   (benchmarked at 128: bert_like.bench.json)
  lstm             2-layer LSTM, 128 -> 256, over [1, 64, 128], then a linear head
  unet_small       UNet with 3 levels: ConvTranspose and bilinear Resize in the decoder
  mobilenet_v2_qdq, resnet18_qdq
                   torch eager post-training int8 quantization (fbgemm-style qconfig,
                   calibrated on random images), exported as QuantizeLinear/DequantizeLinear
"""
import json
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

out = sys.argv[1]
only = set(sys.argv[2:])
os.makedirs(out, exist_ok=True)


def export(name, model, args, dynamic_axes=None, input_names=("input",), opset=13):
    if only and name not in only:
        return
    model.eval()
    path = os.path.join(out, name + ".onnx")
    with torch.no_grad():
        torch.onnx.export(model, args, path, opset_version=opset, input_names=list(input_names), output_names=["output"],
                          dynamic_axes=dynamic_axes, do_constant_folding=True)
    print(f"gen_bench_models: {name} ({os.path.getsize(path) // 1024} KB)", flush=True)


def image():
    return torch.rand(1, 3, 224, 224)


class Attention(nn.Module):
    """Multi-head self-attention written with plain ops, as torch exports most transformers."""

    def __init__(self, d, heads):
        super().__init__()
        self.heads, self.qkv, self.proj = heads, nn.Linear(d, 3 * d), nn.Linear(d, d)

    def forward(self, x):
        b, n, d = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(d // self.heads))
        y = att.softmax(dim=-1) @ v
        return self.proj(y.transpose(1, 2).reshape(b, n, d))


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.ln1, self.att, self.ln2 = nn.LayerNorm(d), Attention(d, heads), nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x):
        x = x + self.att(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class ViT(nn.Module):
    def __init__(self, d=384, heads=6, layers=4, classes=1000):
        super().__init__()
        self.patch = nn.Conv2d(3, d, 16, 16)
        self.cls = nn.Parameter(torch.randn(1, 1, d) * 0.02)
        self.pos = nn.Parameter(torch.randn(1, 197, d) * 0.02)
        self.blocks = nn.Sequential(*[Block(d, heads) for _ in range(layers)])
        self.norm, self.head = nn.LayerNorm(d), nn.Linear(d, classes)

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1) + self.pos
        return self.head(self.norm(self.blocks(x))[:, 0])


class BertLike(nn.Module):
    def __init__(self, vocab=1000, d=256, heads=4, layers=4, max_len=512):
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, d), nn.Embedding(max_len, d)
        self.blocks = nn.Sequential(*[Block(d, heads) for _ in range(layers)])
        self.norm = nn.LayerNorm(d)

    def forward(self, ids):
        positions = torch.arange(ids.shape[1]).unsqueeze(0)
        return self.norm(self.blocks(self.tok(ids) + self.pos(positions)))


class LstmModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm, self.head = nn.LSTM(128, 256, num_layers=2, batch_first=True), nn.Linear(256, 10)

    def forward(self, x):
        y, _ = self.lstm(x)
        return self.head(y)


def conv_block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(),
                         nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU())


class UNet(nn.Module):
    def __init__(self, c=(32, 64, 128)):
        super().__init__()
        self.e1, self.e2, self.mid = conv_block(3, c[0]), conv_block(c[0], c[1]), conv_block(c[1], c[2])
        self.up2 = nn.ConvTranspose2d(c[2], c[1], 2, stride=2)
        self.d2 = conv_block(2 * c[1], c[1])
        self.reduce1 = nn.Conv2d(c[1], c[0], 1)
        self.d1 = conv_block(2 * c[0], c[0])
        self.out = nn.Conv2d(c[0], 2, 1)

    def forward(self, x):
        a = self.e1(x)
        b = self.e2(F.max_pool2d(a, 2))
        m = self.mid(F.max_pool2d(b, 2))
        y = self.d2(torch.cat([self.up2(m), b], 1))
        y = F.interpolate(self.reduce1(y), scale_factor=2, mode="bilinear", align_corners=False)
        return self.out(self.d1(torch.cat([y, a], 1)))


def quantized(make):
    """Eager post-training static quantization of a torchvision quantizable model."""
    torch.backends.quantized.engine = "qnnpack"
    m = make(weights=None, quantize=False)
    # BatchNormalization's default statistics (mean 0, variance 1) let a random network's
    # activations fade (mobilenet_v2's logits were within 1e-9, all zero once quantized): a few
    # passes in train mode give them the statistics of the calibration images.
    m.train()
    for bn in m.modules():
        if isinstance(bn, nn.BatchNorm2d):
            bn.momentum = None  # a plain average over the passes
    with torch.no_grad():
        for _ in range(4):
            m(torch.rand(4, 3, 224, 224))
    m.eval()
    m.fuse_model()
    m.qconfig = torch.quantization.get_default_qconfig("qnnpack")
    torch.quantization.prepare(m, inplace=True)
    with torch.no_grad():
        for _ in range(4):
            m(image())
    torch.quantization.convert(m, inplace=True)
    return m


torch.manual_seed(0)
tv = torchvision.models
export("mobilenet_v2", tv.mobilenet_v2(weights=None), image())
export("resnet50", tv.resnet50(weights=None), image())
export("squeezenet1_1", tv.squeezenet1_1(weights=None), image())
export("efficientnet_b0", tv.efficientnet_b0(weights=None), image())
export("vit_small", ViT(), image(), opset=17)
export("bert_like", BertLike(), torch.randint(0, 1000, (1, 128)), dynamic_axes={"input": {1: "seq"}}, opset=17)
if not only or "bert_like" in only:
    with open(os.path.join(out, "bert_like.bench.json"), "w") as f:
        json.dump({"dims": {"seq": 128}}, f)
export("lstm", LstmModel(), torch.rand(1, 64, 128))
export("unet_small", UNet(), torch.rand(1, 3, 128, 128))
qm = torchvision.models.quantization
if not only or "mobilenet_v2_qdq" in only:
    export("mobilenet_v2_qdq", quantized(qm.mobilenet_v2), image())
if not only or "resnet18_qdq" in only:
    export("resnet18_qdq", quantized(qm.resnet18), image())
