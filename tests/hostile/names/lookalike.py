"""Names a lossy sanitiser would fold together: one student would see another's results."""
STUDENTS = {
    "li wei": "no_pool2d",
    "li_wei": "no_padded",
    "li?wei": "none",
    "Ann": "no_padded",
    "ann": "no_pool2d",
    "ANN": "none",
}
