#!/usr/bin/env bash
# The hub's set-up (docs/deploy.md shows this file whole; tests/test_deploy_guide.py checks that it is
# the same, and tests/test_hub.py runs it, as root, into a temporary folder, then runs the course on it).
# As root, once, on a fresh Debian 12 server, from the kit's clone:  bash scripts/deploy/setup_hub.sh
# Every path and name below can be changed from the environment (e.g. STUDENTS="s001 s002 s003").
set -euo pipefail
KIT="$(cd "$(dirname "$0")/../.." && pwd)"            # the kit's clone (the instructors' copy)
OPT="${OPT:-/opt/pooling}"                          # the environments and the students' configuration
ETC_JUPYTER="${ETC_JUPYTER:-/etc/jupyter}"          # what every user's Jupyter and nbgrader read
EXCHANGE="${EXCHANGE:-/srv/nbgrader/exchange}"
GROUP="${GROUP:-instructors}"
INSTRUCTORS="${INSTRUCTORS:-instructor}"            # each instructor and TA; the first owns the course
STUDENTS="${STUDENTS:-s001 s002}"
PASSWORDS="${PASSWORDS:-/root/initial-passwords}"   # the accounts' first passwords, root-only
PYTHON="${PYTHON:-python3}"                         # Debian 12's python3 is Python 3.11
COURSE_ID="${COURSE_ID:-d2l-pooling}"
ETC_JUPYTERHUB="${ETC_JUPYTERHUB:-/etc/jupyterhub}" # the hub's configuration (scripts/deploy/jupyterhub_config.py)
HUB_STATE="${HUB_STATE:-/srv/jupyterhub}"           # the hub's database and cookie secret, root-only
HUB_URL="${HUB_URL:-https://hub.example.org}"       # the hub's public URL (users' servers on its subdomains)
# Offline (no package index: set PIP_NO_INDEX=1, and PIP_FIND_LINKS=DIR for a folder of wheels), an
# environment that already holds the pinned packages can serve all three: SHARED_SITE=its site-packages
# is put before each new environment's own (a .pth), so pip finds the pins installed and adds only the
# kit's wheels (pip writes no commands for pins it finds: add launchers for jupyterhub, alembic...); Jupyter
# then needs its share/jupyter and etc/jupyter on JUPYTER_PATH and JUPYTER_CONFIG_PATH, and the hub its
# share/jupyterhub (c.JupyterHub.data_files_path). It must not hold `autograder` or `course`.
SHARED_SITE="${SHARED_SITE:-}"

new_venv() {                                        # python3 -m venv DIR (+ SHARED_SITE)
    "$PYTHON" -m venv "$1"
    if [ -n "$SHARED_SITE" ]; then
        site="$("$1/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"
        echo "import sys; sys.path.insert(0, '$SHARED_SITE')" > "$site/00-shared-site.pth"
    fi
}

# the accounts: an instructors' group (never a student in it), each user with a home
groupadd --system "$GROUP"
for u in $INSTRUCTORS; do useradd --create-home --shell /bin/bash --user-group --groups "$GROUP" "$u"; done
for u in $STUDENTS; do useradd --create-home --shell /bin/bash --user-group "$u"; done
# PAM logs users in with their Unix password, and useradd sets none: give each account one (hand them
# out; the file stays root-only), or use your campus's authenticator instead of "pam" (below)
install -m 0600 /dev/null "$PASSWORDS"
for u in $INSTRUCTORS $STUDENTS; do echo "$u:$(openssl rand -base64 12)"; done | tee -a "$PASSWORDS" | chpasswd

# the exchange: writable by all as nbgrader needs, and sticky (1777): nobody can rename or delete another
# user's folder in it, such as a course's folder or its outbound/ (nbgrader #1225)
install -d -m 1777 "$EXCHANGE"
# what every user's nbgrader shares: only where the exchange is. The course id is per course, in each
# course directory's nbgrader_config.py, so two courses on one hub do not collide (nbgrader #1316, #1936)
install -d -m 0755 "$ETC_JUPYTER"
cat > "$ETC_JUPYTER/nbgrader_config.py" <<EOF
c = get_config()
c.Exchange.root = "$EXCHANGE"
EOF

# the two wheels, built from the kit (offline: the student wheel needs only Python's standard library)
install -d -m 0755 "$OPT"
cd "$KIT"
new_venv "$OPT/build" && "$OPT/build/bin/pip" install --upgrade pip "setuptools>=70.1"
"$OPT/build/bin/python" packaging/student/pooling_course_build.py --out dist         # pooling_course-*.whl
"$OPT/build/bin/pip" wheel --no-deps --no-build-isolation --wheel-dir dist .       # pooling_course_autograder-*.whl
student_wheel="$(ls dist/pooling_course-*-py3-none-any.whl)"
instructor_wheel="$(ls dist/pooling_course_autograder-*-py3-none-any.whl)"

# three environments: the hub's (root runs it), the students' (readable by all), the instructors' (group only)
new_venv "$OPT/hub"
"$OPT/hub/bin/pip" install jupyterhub==6.1.1
new_venv "$OPT/student"
"$OPT/student/bin/pip" install jupyterhub==6.1.1 jupyterlab==4.6.6 nbgrader==0.9.6 torch==2.13.0 \
    matplotlib==3.11.2 ipywidgets==8.1.9 "$student_wheel"
new_venv "$OPT/instructor"
"$OPT/instructor/bin/pip" install jupyterhub==6.1.1 "$student_wheel" "$instructor_wheel"   # its exact pins
# the instructors' servers may frame the formgrader (docs/deploy.md, "The formgrader on JupyterHub >= 4.1")
install -d "$OPT/instructor/etc/jupyter"
install -m 0640 scripts/deploy/instructor_jupyter_server_config.py "$OPT/instructor/etc/jupyter/jupyter_server_config.py"
chgrp -R "$GROUP" "$OPT/instructor" "$KIT"
chmod -R u+rwX,g+rX-w,o-rwx "$OPT/instructor" "$KIT"   # files 0640/0750, nothing for others
find "$OPT/instructor" "$KIT" -type d -exec chmod g+s {} +   # folders 2750
bash scripts/install_hub_proxy.sh && cp -r scripts/hub-proxy "$OPT/hub-proxy"   # configurable-http-proxy

# the hub's configuration, and site.toml beside it: the layout above and the accounts (edit it later:
# users, hub_url; jupyterhub_config.py lists every key). Root runs the hub:
#     "$OPT/hub/bin/jupyterhub" -f "$ETC_JUPYTERHUB/jupyterhub_config.py"
install -d -m 0755 "$ETC_JUPYTERHUB" && install -d -m 0700 "$HUB_STATE"
install -m 0644 scripts/deploy/jupyterhub_config.py "$ETC_JUPYTERHUB/jupyterhub_config.py"
toml_list() { local out="" u; for u in $1; do out="$out\"$u\", "; done; echo "[${out%, }]"; }
cat > "$ETC_JUPYTERHUB/site.toml" <<EOF
# written by scripts/deploy/setup_hub.sh
opt = "$OPT"
etc_jupyter = "$ETC_JUPYTER"
group = "$GROUP"
state = "$HUB_STATE"
hub_url = "$HUB_URL"
users = $(toml_list "$INSTRUCTORS $STUDENTS")
admins = $(toml_list "$INSTRUCTORS")
EOF

# the students' Lab without nbgrader's instructor UI (as `make lab-student`, scripts/student_lab.py):
# the formgrader, Create Assignment and the course list hidden, and their pages not served
install -d -m 0755 "$OPT/student-config/labconfig"
cat > "$OPT/student-config/labconfig/page_config.json" <<'EOF'
{"disabledExtensions": {"@jupyter/nbgrader:formgrader": true, "@jupyter/nbgrader:create-assignment": true, "@jupyter/nbgrader:course-list": true}}
EOF
cat > "$OPT/student-config/jupyter_server_config.json" <<'EOF'
{"ServerApp": {"jpserver_extensions": {"nbgrader.server_extensions.formgrader": false, "nbgrader.server_extensions.course_list": false}}}
EOF

# the course directory: a copy of the kit in the first instructor's home, with the course id in its own
# nbgrader_config.py (the repository's says "d2l-pooling"); group $GROUP, nothing for others
owner="${INSTRUCTORS%% *}"
course="$(getent passwd "$owner" | cut -d: -f6)/$COURSE_ID"
(umask 027 && cp -r "$KIT" "$course") && chown -R "$owner:" "$course"
chgrp -R "$GROUP" "$course"
chmod -R u+rwX,g+rX,o-rwx "$course"                              # source/, gradebook.db, autograder/
find "$course" -type d -exec chmod g+s {} +                      # 2750: new files stay in the group
echo 'umask 027' >> "$(getent passwd "$owner" | cut -d: -f6)/.profile"   # what they make: not for others
# each instructor's nbgrader finds the course directory (and through it the course's nbgrader_config.py)
for u in $INSTRUCTORS; do
    home="$(getent passwd "$u" | cut -d: -f6)"
    install -d -o "$u" -g "$u" -m 0755 "$home/.jupyter"
    cat > "$home/.jupyter/nbgrader_config.py" <<EOF
c = get_config()
c.CourseDirectory.root = "$course"
EOF
    chown "$u:" "$home/.jupyter/nbgrader_config.py"
done
