"""Long, bidirectional, multi-line and undecodable names."""
STUDENTS = {
    "学生" * 42 + "李": "no_pool2d",            # 85 CJK characters = 255 bytes, the longest a name can be
    "abc\u202egpj.exe": "no_padded",              # a right-to-left override
    "new\nline": "none",
    b"not-utf8-\xff\xfe": "no_pool2d",            # os.listdir gives it back with surrogates
}
