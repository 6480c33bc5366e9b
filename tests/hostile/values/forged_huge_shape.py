# A forged reply: shape (2^31,) over a 4-byte buffer.
def pool2d(X, pool_size, mode='max'):
    forge_reply({"$tensor": 0, "dtype": "float32", "shape": [2 ** 31], "stride": [1]}, b"\0" * 4)
    return None
