"""Shared helpers of nninfer's Python test tooling (tools/).

Modules: `paths` (where things live), `tensors` (read/write .pb and .npy tensors),
`compare` (tolerance checks with readable reasons), `binary` (find and call the nninfer binary),
`materialize` (write the ONNX backend node tests to disk).
"""
