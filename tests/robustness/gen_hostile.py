#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Hostile and broken models for tests/robustness (never committed): writes <case>.onnx files
and manifest.json ({case: {"code": expected error code or "OK", "match": regex}}) to argv[1].
A valid model to load afterwards is argv[2] (the torch-exported resnet_mini)."""
import json
import os
import random
import sys

import onnx
from onnx import TensorProto, helper

out, valid_path = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
manifest = {}


def save_bytes(name, data, code, match):
    with open(os.path.join(out, name + ".onnx"), "wb") as f:
        f.write(data)
    manifest[name] = {"code": code, "match": match}


def model(nodes, inputs, outputs, inits=(), opset=13, ir=8, domains=(), value_info=()):
    g = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(inits), value_info=list(value_info))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)] +
                          [helper.make_opsetid(d, v) for d, v in domains])
    m.ir_version = ir
    return m


def save(name, m, code, match):
    save_bytes(name, m.SerializeToString(), code, match)


def fvi(name, dims):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, dims)


valid = open(valid_path, "rb").read()
rng = random.Random(1234)

# Bytes that are not a model.
save_bytes("empty", b"", "INVALID_MODEL", "empty")
for i in range(5):
    save_bytes(f"random_bytes_{i}", bytes(rng.randrange(256) for _ in range(rng.randrange(1, 5000))),
               "INVALID_MODEL", "ONNX model")
for k, cut in enumerate(sorted(rng.sample(range(1, len(valid) - 1), 16))):
    save_bytes(f"truncated_{k}_at_{cut}", valid[:cut], "INVALID_MODEL", "byte offset|nested message|no graph")
t = helper.make_tensor("t", TensorProto.FLOAT, [2], [1.0, 2.0])
save_bytes("tensorproto_not_model", t.SerializeToString(), "INVALID_MODEL", "not (a valid )?(an )?ONNX model")
# Field 7 (graph) sent as a varint instead of a length-delimited message.
save_bytes("graph_wrong_wire_type", bytes([0x08, 0x08, 0x38, 0x05]), "INVALID_MODEL", "")
# ir_version 0 and missing graph.
m = model([helper.make_node("Relu", ["x"], ["y"])], [fvi("x", [2])], [fvi("y", [2])])
m.ir_version = 0
save("ir_version_0", m, "INVALID_MODEL", "ir_version")

# Tensors that lie about their size.
huge = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[1 << 40, 1 << 10], raw_data=b"\0" * 16)
save("huge_dims_tiny_data", model([helper.make_node("Add", ["x", "w"], ["y"])], [fvi("x", [1])], [fvi("y", [1])],
                                  [huge]), "INVALID_MODEL", "'w'")
neg = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[-4], raw_data=b"")
save("negative_dim_initializer", model([helper.make_node("Add", ["x", "w"], ["y"])], [fvi("x", [1])], [fvi("y", [1])],
                                       [neg]), "INVALID_MODEL", "negative dim")
save("negative_dim_value_info", model([helper.make_node("Relu", ["x"], ["y"])], [fvi("x", [2, -3])], [fvi("y", [2])]),
     "INVALID_MODEL", "negative dim")
short = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[100], raw_data=b"\0" * 12)
save("raw_data_short", model([helper.make_node("Add", ["x", "w"], ["y"])], [fvi("x", [100])], [fvi("y", [100])],
                             [short]), "INVALID_MODEL", "raw_data has 12 bytes")
typed = helper.make_tensor("w", TensorProto.FLOAT, [10], [1.0] * 10)
del typed.float_data[7:]
save("typed_data_short", model([helper.make_node("Add", ["x", "w"], ["y"])], [fvi("x", [10])], [fvi("y", [10])],
                               [typed]), "INVALID_MODEL", "typed data has 7 elements")
save("bad_data_type", model([helper.make_node("Add", ["x", "w"], ["y"])], [fvi("x", [1])], [fvi("y", [1])],
                            [TensorProto(name="w", data_type=77, dims=[1])]), "INVALID_MODEL", "data_type 77")

# Broken graphs.
save("cycle", model([helper.make_node("Add", ["x", "b"], ["a"], name="n1"), helper.make_node("Relu", ["a"], ["b"], name="n2")],
                    [fvi("x", [2])], [fvi("b", [2])]), "INVALID_MODEL", "cycle")
save("duplicate_output", model([helper.make_node("Relu", ["x"], ["y"], name="n1"), helper.make_node("Neg", ["x"], ["y"], name="n2")],
                               [fvi("x", [2])], [fvi("y", [2])]), "INVALID_MODEL", "produced twice")
save("undefined_input", model([helper.make_node("Add", ["x", "ghost"], ["y"], name="n1")], [fvi("x", [2])], [fvi("y", [2])]),
     "INVALID_MODEL", "'ghost'")
save("missing_output", model([helper.make_node("Relu", ["x"], ["y"])], [fvi("x", [2])], [fvi("nowhere", [2])]),
     "INVALID_MODEL", "'nowhere'")
save("unknown_op_and_domain", model([helper.make_node("Frobnicate", ["x"], ["t"]),
                                     helper.make_node("Zap", ["t"], ["y"], domain="org.unknown")],
                                    [fvi("x", [2])], [fvi("y", [2])], domains=[("org.unknown", 4)]),
     "UNSUPPORTED_OP", r"ai\.onnx\.Frobnicate \(opset 13\).*org\.unknown\.Zap \(opset 4\)")
save("opset_999", model([helper.make_node("Relu", ["x"], ["y"])], [fvi("x", [2])], [fvi("y", [2])], opset=999),
     "UNSUPPORTED_OP", "opset 999")

# Omitted ("") inputs where the op needs one.
save("concat_omitted_middle_input", model([helper.make_node("Concat", ["x", "", "x"], ["y"], axis=0)],
                                          [fvi("x", [2])], [fvi("y", [4])]), "INVALID_MODEL", "input 1 is omitted")
save("pad_opset14_pads_as_attribute", model([helper.make_node("Pad", ["x"], ["y"], pads=[1, 1])],
                                            [fvi("x", [2])], [fvi("y", [4])], opset=14), "INVALID_MODEL", "expected 2 to 4 inputs")

# If on a condition known only at run time reads x from the outer scope: valid, accepted.
then_g = helper.make_graph([helper.make_node("Identity", ["x"], ["t"])], "then", [], [fvi("t", [2])])
else_g = helper.make_graph([helper.make_node("Neg", ["x"], ["e"])], "else", [], [fvi("e", [2])])
save("if_runtime_condition", model([helper.make_node("If", ["c"], ["y"], then_branch=then_g, else_branch=else_g)],
                                   [helper.make_tensor_value_info("c", TensorProto.BOOL, []), fvi("x", [2])], [fvi("y", [2])]),
     "OK", "")
# A branch reading a value that no scope defines.
lost_g = helper.make_graph([helper.make_node("Neg", ["nowhere"], ["e"])], "else", [], [fvi("e", [2])])
save("if_branch_reads_nothing", model([helper.make_node("If", ["c"], ["y"], then_branch=then_g, else_branch=lost_g)],
                                      [helper.make_tensor_value_info("c", TensorProto.BOOL, []), fvi("x", [2])], [fvi("y", [2])]),
     "INVALID_MODEL", "'nowhere'")
# A Loop body whose inputs do not match the loop-carried values.
body = helper.make_graph([helper.make_node("Identity", ["cond_in"], ["cond_out"])], "body",
                         [helper.make_tensor_value_info("i", TensorProto.INT64, []),
                          helper.make_tensor_value_info("cond_in", TensorProto.BOOL, [])],
                         [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []), fvi("v", [2])])
save("loop_body_wrong_arity", model([helper.make_node("Loop", ["", "", "x"], ["y"], body=body)], [fvi("x", [2])], [fvi("y", [2])]),
     "INVALID_MODEL", "'body' has 2 inputs")

# Attributes of the wrong type or out of range.
w33 = helper.make_tensor("w", TensorProto.FLOAT, [1, 1, 3, 3], [0.1] * 9)
def conv(name, attrs, x_dims=(1, 1, 8, 8), code="INVALID_MODEL", match=""):
    save(name, model([helper.make_node("Conv", ["x", "w"], ["y"], name="conv", **attrs)], [fvi("x", list(x_dims))],
                     [fvi("y", None)], [w33]), code, match)
conv("conv_strides_zero", {"strides": [0, 1]}, match="'strides'")
conv("conv_strides_float", {"strides": 2.5}, match="'strides' must be INTS")
conv("conv_kernel_larger_than_input", {}, x_dims=(1, 1, 2, 2), match="larger than the padded input")
conv("conv_negative_pads", {"pads": [-1, 0, 0, 0]}, match="'pads'")
conv("conv_group_zero", {"group": 0}, match="'group'")
conv("conv_auto_pad_bogus", {"auto_pad": "SIDEWAYS"}, match="auto_pad")
save("reshape_impossible", model([helper.make_node("Reshape", ["x", "s"], ["y"])], [fvi("x", [2, 3])], [fvi("y", None)],
                                 [helper.make_tensor("s", TensorProto.INT64, [2], [4, 4])]), "INVALID_MODEL", "cannot reshape")
save("softmax_axis_out_of_range", model([helper.make_node("Softmax", ["x"], ["y"], axis=5)], [fvi("x", [2, 3])], [fvi("y", None)]),
     "INVALID_MODEL", "axis 5")
save("constant_of_shape_huge", model([helper.make_node("ConstantOfShape", ["s"], ["y"])], [], [fvi("y", None)],
                                     [helper.make_tensor("s", TensorProto.INT64, [3], [1 << 20, 1 << 20, 1 << 10])]),
     "OUT_OF_MEMORY", "")

# Decision trees that loop or point outside their arrays: refused at creation, never walked.
def trees(true_ids, false_ids, true_leafs, false_leafs, targets=(0, 0)):
    n = len(true_ids)
    node = helper.make_node(
        "TreeEnsemble", ["x"], ["y"], domain="ai.onnx.ml", n_targets=1, tree_roots=[0],
        nodes_truenodeids=true_ids, nodes_falsenodeids=false_ids, nodes_trueleafs=true_leafs,
        nodes_falseleafs=false_leafs, nodes_featureids=[0] * n, leaf_targetids=list(targets),
        nodes_modes=helper.make_tensor("m", TensorProto.UINT8, [n], [0] * n),
        nodes_splits=helper.make_tensor("s", TensorProto.FLOAT, [n], [0.5] * n),
        leaf_weights=helper.make_tensor("w", TensorProto.FLOAT, [len(targets)], [1.0] * len(targets)))
    return model([node], [fvi("x", [2, 1])], [fvi("y", None)], domains=[("ai.onnx.ml", 5)])
save("tree_ensemble_cycle", trees([1, 0], [1, 0], [0, 1], [1, 0]), "INVALID_MODEL", "cycle")
save("tree_ensemble_node_out_of_range", trees([7, 0], [1, 0], [0, 1], [1, 0]), "INVALID_MODEL", "node index 7 is out of range")
save("tree_ensemble_target_out_of_range", trees([0], [1], [1], [1], targets=(0, 3)), "INVALID_MODEL", "not below n_targets")
save("roi_align_sampling_ratio_huge",
     model([helper.make_node("RoiAlign", ["x", "r", "b"], ["y"], sampling_ratio=1 << 40)],
           [fvi("x", [1, 1, 4, 4]), fvi("r", [1, 4]), helper.make_tensor_value_info("b", TensorProto.INT64, [1])],
           [fvi("y", None)], opset=16), "INVALID_MODEL", "sampling_ratio")

# External data that escapes the model's folder: refused before anything is read.
for name, loc, match in [("external_parent", "../../etc/passwd", "leaves the model's folder"),
                         ("external_absolute", "/etc/passwd", "absolute path"),
                         ("external_windows_drive", "C:\\Windows\\win.ini", "names a drive"),
                         ("external_hidden_parent", "weights/../../../etc/passwd", "leaves the model's folder")]:
    t = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[4], data_location=TensorProto.EXTERNAL)
    t.external_data.add(key="location", value=loc)
    save(name, model([helper.make_node("Add", ["x", "w"], ["y"])], [fvi("x", [4])], [fvi("y", [4])], [t]),
         "INVALID_MODEL", "initializer 'w'.*" + match)

# Deeply nested subgraphs (If inside If ...): past protobuf's or our depth limit.
def nested(depth):
    leaf = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "leaf", [], [fvi("y", [1])])
    body = leaf
    for i in range(depth):
        cond = helper.make_tensor("c", TensorProto.BOOL, [], [True])
        node = helper.make_node("If", ["c"], ["y"], then_branch=body, else_branch=leaf)
        body = helper.make_graph([node], f"level{i}", [], [fvi("y", [1])], initializer=[cond])
    return body
deep = model(list(nested(200).node), [fvi("x", [1])], [fvi("y", [1])], inits=[helper.make_tensor("c", TensorProto.BOOL, [], [True])])
save("nested_subgraphs_200", deep, "INVALID_MODEL", "")

# A 200,000-node graph must load (or fail) in bounded time; here it is valid and must run.
nodes, prev = [], "x"
for i in range(200000):
    nodes.append(helper.make_node("Relu" if i % 2 else "Neg", [prev], [f"v{i}"]))
    prev = f"v{i}"
save("chain_200k_nodes", model(nodes, [fvi("x", [4])], [fvi(prev, [4])]), "OK", "")

with open(os.path.join(out, "manifest.json"), "w") as f:
    json.dump(manifest, f, indent=1, sort_keys=True)
print(f"gen_hostile: {len(manifest)} cases in {out}")
