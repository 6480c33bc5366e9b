# pool2d_padded: torch's pooling run in a second thread, where the op recorder (a per-thread
# dispatch mode) does not see it.
import threading
def pool2d_padded(X, pool_size, stride=None, padding=0, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(mode)
    out = {}
    pool = F.max_pool2d if mode == 'max' else F.avg_pool2d
    worker = threading.Thread(target=lambda: out.update(y=pool(X, pool_size, stride, padding)))
    worker.start()
    worker.join()
    return out['y']
