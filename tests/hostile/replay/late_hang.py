# Replay doubling: eat the notebook's budget with calls just under the call timeout, then hang
# in whatever runs late -- the replay child, which used to get a budget of its own.
import time
def pool2d(X, pool_size, mode='max'):
    if time.time() > {LATE}:
        while True:
            pass
    time.sleep({NAP})
    return X[:1, :1] * 0 - 1
