# conv_relu_counts (honest): simulates the construction on lists of channel names, zip over pairs,
# a docstring and type hints.
from typing import List, Tuple, Union


def conv_relu_counts(pool_size: Union[int, Tuple[int, int]]) -> Tuple[int, int]:
    """Counts the layers and the widest layer of the pairwise tournament."""
    kh, kw = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    values: List[str] = [f"x{i}" for i in range(kh * kw)]
    layers, widest = 1, 1
    while len(values) > 1:
        channels, nxt = [], []
        for a, b in zip(values[0::2], values[1::2]):
            channels += [b, f"-{b}", f"{a}-{b}"]
            nxt.append(f"max({a},{b})")
        if len(values) % 2:
            channels += [values[-1], f"-{values[-1]}"]
            nxt.append(values[-1])
        widest = max(widest, len(channels))
        layers += 1
        values = nxt
    return layers, widest
