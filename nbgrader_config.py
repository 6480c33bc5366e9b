"""nbgrader configuration: the repository root is the course directory."""
import os

c = get_config()  # noqa: F821 (provided by nbgrader)

ROOT = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = "d2l-pooling"
c.CourseDirectory.root = ROOT
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(ROOT, "gradebook.db")
c.CourseDirectory.db_assignments = [dict(name="pooling")]

# What a student sees in place of a solution.
c.ClearSolutions.code_stub = {
    "python": "# 在这里写你的代码 / YOUR CODE HERE\nraise NotImplementedError()",
}
c.ClearSolutions.text_stub = "在这里写你的答案 / YOUR ANSWER HERE"
