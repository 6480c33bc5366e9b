# function: pool2d_padded
# Replay doubling on the notebook's second function: pool2d (the instructor's) passes and needs no
# replay; this one eats what is left of the budget, then hangs in its replay.
import time
def pool2d_padded(X, pool_size, stride=None, padding=0, mode='max'):
    if time.time() > {LATE}:
        while True:
            pass
    time.sleep({NAP})
    return X[..., :1, :1] * 0 - 1
