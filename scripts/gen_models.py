#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Test models, made here with Debian's python3-torch / python3-onnx (random weights, fixed
seeds), written to the folder given as argv[1] (scripts/test.sh caches it outside the clone):

  tiny_add.onnx      Add of two float inputs plus Shape -> int64 output (API and dtype tests)
  unsupported.onnx   three ops no build has, in two domains (UNSUPPORTED_OP lists all at once)
  resnet_mini.onnx   ResNet/MobileNet-style CNN exported by torch: conv-bn-relu, residual adds,
                     depthwise-separable blocks with ReLU6, max/avg pooling, global pool, linear
  resnet_mini_dynamic.onnx  the same with a symbolic batch dim ("batch")
  mobilenet_v2.onnx  torchvision's mobilenet_v2, random weights
  recurrent.onnx     torch LSTM (2 layers, 36 -> 40) then GRU (40 -> 24) over [10, 2, 36]: the
                     recurrent kernels' SIMD paths (four steps at a time, remainders)
  alloc.onnx         ConstantOfShape of a shape given at run time, + 1 (run-time allocation limits)
  external/resnet_mini.onnx + external/weights/resnet_mini.bin
                     resnet_mini with every initializer of 64+ bytes in an external file
"""
import os
import sys

import onnx
import torch
import torch.nn as nn
import torchvision
from onnx import TensorProto, helper


def tiny_add(path):
    a = helper.make_tensor_value_info("a", TensorProto.FLOAT, [2, 3])
    b = helper.make_tensor_value_info("b", TensorProto.FLOAT, [2, 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])
    s = helper.make_tensor_value_info("shape", TensorProto.INT64, [2])
    nodes = [helper.make_node("Add", ["a", "b"], ["y"], name="add"),
             helper.make_node("Shape", ["a"], ["shape"], name="shape_of_a")]
    g = helper.make_graph(nodes, "tiny_add", [a, b], [y, s])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="onnx-wasm tests")
    onnx.checker.check_model(m)
    onnx.save(m, path)


def unsupported(path):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])
    nodes = [helper.make_node("NotARealOp", ["x"], ["t1"], name="n1"),
             helper.make_node("Relu", ["t1"], ["t2"], name="n2"),
             helper.make_node("FancyOp", ["t2"], ["t3"], name="n3", domain="com.example"),
             helper.make_node("AlsoMissing", ["t3"], ["y"], name="n4")]
    g = helper.make_graph(nodes, "unsupported", [x], [y])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.example", 2)])
    onnx.save(m, path)


def alloc(path):
    shape = helper.make_tensor_value_info("shape", TensorProto.INT64, [2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    one = helper.make_tensor("one", TensorProto.FLOAT, [], [1.0])
    nodes = [helper.make_node("ConstantOfShape", ["shape"], ["zeros"], name="fill"),
             helper.make_node("Add", ["zeros", "one"], ["y"], name="plus_one")]
    g = helper.make_graph(nodes, "alloc", [shape], [y], initializer=[one])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), path)


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None if stride == 1 and cin == cout else nn.Sequential(
            nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return torch.relu(y + (x if self.down is None else self.down(x)))


class ResNetMini(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
                                  nn.MaxPool2d(3, 2, 1))
        self.layer1 = Block(16, 16, 1)
        self.layer2 = Block(16, 40, 2)
        # MobileNet-style depthwise separable block with ReLU6 (exported as Clip)
        self.dw = nn.Sequential(nn.Conv2d(40, 40, 3, 1, 1, groups=40, bias=False), nn.BatchNorm2d(40), nn.ReLU6(),
                                nn.Conv2d(40, 72, 1, bias=False), nn.BatchNorm2d(72), nn.ReLU6())
        self.pool = nn.AvgPool2d(2, 2, ceil_mode=True)
        self.head = nn.Linear(72, classes)

    def forward(self, x):
        x = self.dw(self.layer2(self.layer1(self.stem(x))))
        x = self.pool(x)
        x = torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)
        return torch.softmax(self.head(x), dim=1)


class Recurrent(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm, self.gru = nn.LSTM(36, 40, num_layers=2), nn.GRU(40, 24)

    def forward(self, x):
        y, _ = self.lstm(x)
        y, _ = self.gru(y)
        return y


def randomize_bn(model, seed):
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.weight.data.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.bias.data.copy_(torch.randn(m.num_features, generator=g) * 0.1)


def export(model, shape, path, seed, dynamic_batch=False):
    torch.manual_seed(seed)
    randomize_bn(model, seed)
    model.eval()
    x = torch.rand(*shape)
    axes = {"input": {0: "batch"}, "output": {0: "batch"}} if dynamic_batch else None
    torch.onnx.export(model, x, path, opset_version=13, input_names=["input"], output_names=["output"],
                      do_constant_folding=True, dynamic_axes=axes)
    onnx.checker.check_model(onnx.load(path))


def external(src, folder):
    m = onnx.load(src)
    os.makedirs(os.path.join(folder, "weights"), exist_ok=True)
    # A subfolder location ("weights/...") with offsets into one file.
    onnx.save_model(m, os.path.join(folder, "resnet_mini.onnx"), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="weights/resnet_mini.bin", size_threshold=64)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    tiny_add(os.path.join(out, "tiny_add.onnx"))
    unsupported(os.path.join(out, "unsupported.onnx"))
    alloc(os.path.join(out, "alloc.onnx"))
    torch.manual_seed(7)
    export(ResNetMini(), (1, 3, 64, 64), os.path.join(out, "resnet_mini.onnx"), 7)
    external(os.path.join(out, "resnet_mini.onnx"), os.path.join(out, "external"))
    torch.manual_seed(7)
    export(ResNetMini(), (1, 3, 64, 64), os.path.join(out, "resnet_mini_dynamic.onnx"), 7, dynamic_batch=True)
    torch.manual_seed(11)
    export(torchvision.models.mobilenet_v2(weights=None), (1, 3, 224, 224), os.path.join(out, "mobilenet_v2.onnx"), 11)
    torch.manual_seed(13)
    export(Recurrent(), (10, 2, 36), os.path.join(out, "recurrent.onnx"), 13)
    print("gen_models: wrote", ", ".join(sorted(os.listdir(out))), "to", out)


if __name__ == "__main__":
    with torch.no_grad():
        main()
