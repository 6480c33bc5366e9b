# A forged reply: negative strides, reaching before the buffer.
def pool2d(X, pool_size, mode='max'):
    forge_reply({"$tensor": 0, "dtype": "float32", "shape": [2, 2], "stride": [-2, -1]}, b"\0" * 16)
    return None
