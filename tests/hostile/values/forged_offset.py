# A forged reply: a storage offset far beyond the 16 bytes sent.
def pool2d(X, pool_size, mode='max'):
    forge_reply({"$tensor": 0, "dtype": "float32", "shape": [2, 2], "stride": [2, 1], "offset": 2 ** 30},
                b"\0" * 16)
    return None
