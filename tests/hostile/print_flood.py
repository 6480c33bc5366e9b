# Flood stdout and stderr.
import sys, os
def pool2d(X, pool_size, mode='max'):
    for i in range(200000):
        print("x" * 100)
        sys.stderr.write("y" * 100)
    os.write(1, b"z" * 100000)
    return torch.zeros(1)
