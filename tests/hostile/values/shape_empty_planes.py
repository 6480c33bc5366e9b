# The same in three dimensions, as a zero-stride view of nothing: 2^24 empty rows in 2^12 planes.
def pool_output_shape(h, w, pool_size, stride, padding):
    return torch.zeros(1).as_strided((2 ** 12, 2 ** 12, 0), (0, 0, 0))
