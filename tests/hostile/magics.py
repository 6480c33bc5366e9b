# Shell escapes and magics.
!touch {OUT}/magic.txt
%env EVIL=1
files = !ls /
def pool2d(X, pool_size, mode='max'):
    get_ipython().system("touch {OUT}/magic2.txt")
    return torch.zeros(1)
