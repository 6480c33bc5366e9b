"""Names that try to end a CSV row or cell early and forge one of their own."""
STUDENTS = {
    "x\rforged,pooling,01_basics,test_pool2d,999,2,passed,ok": "none",
    "y\r\nforged2,pooling,01_basics,test_pool2d,999,2,passed,ok": "none",
    'q"uote,comma': "no_pool2d",
    '"': "no_padded",
}
