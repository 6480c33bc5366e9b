# A plain endless loop, nothing the static check rejects: only the call timeout stops it.
def pool2d(X, pool_size, mode='max'):
    n = 0
    while True:
        n += 1
