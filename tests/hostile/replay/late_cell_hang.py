# Replay doubling through the cells: the replay child runs the answer cells again before its first
# call, and this cell hangs when it runs late (a restart would skip it, after a call timeout).
import time
if time.time() > {LATE}:
    while True:
        pass
def pool2d(X, pool_size, mode='max'):
    time.sleep({NAP})
    return X[:1, :1] * 0 - 1
