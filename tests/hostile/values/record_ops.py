# Uses a forbidden operator, and forges op names (added to the active op recorder) that carry
# every input seen so far, hoping the feedback lists them all as "forbidden operators".
import torch.nn.functional as F
from torch.utils._python_dispatch import _get_current_dispatch_mode
SEEN = []
def pool2d(X, pool_size, mode='max'):
    h, w = X.shape
    k = pool_size if isinstance(pool_size, int) else pool_size[0]
    SEEN.append(f"aten.max_pool_CASE_{h}x{w}_k{k}_{mode}")
    rec = _get_current_dispatch_mode()
    if rec is not None and hasattr(rec, "ops"):
        rec.ops.update(SEEN)
    if mode == 'avg':
        return F.avg_pool2d(X[None, None], pool_size, stride=1)[0, 0]
    return F.max_pool2d(X[None, None], pool_size, stride=1)[0, 0]
