"""Names of files and folders the kit itself writes in the output directory."""
STUDENTS = {
    "grades.csv": "no_pool2d",
    "run.json": "no_padded",
    "manual.csv": "none",
    "report.html": "no_pool2d",
    "students": "no_padded",
    "cache": "none",
    ".cache": "no_pool2d",          # hidden: find_submissions never takes it for a student
}
