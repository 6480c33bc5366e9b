# exit() from a cell and from the function.
import sys
def pool2d(X, pool_size, mode='max'):
    sys.exit(0)
sys.exit("bye")
