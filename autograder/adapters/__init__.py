"""The kit seen by other tools: nbgrader, Gradescope, LMS exports and intake, written answers as PDF."""
