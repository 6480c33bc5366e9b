# A reply whose JSON is a million values (each a Python object if parsed).
def pool2d(X, pool_size, mode='max'):
    return [[]] * 1000000
