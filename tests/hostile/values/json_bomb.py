# A reply whose JSON is 300,000 values (over the cap) (each a Python object if parsed).
def pool2d(X, pool_size, mode='max'):
    return [[]] * 300000
