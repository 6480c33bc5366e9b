# /opt/pooling/instructor/etc/jupyter/jupyter_server_config.py (read by the instructors' servers only;
# setup_hub.sh installs it from scripts/deploy/instructor_jupyter_server_config.py)
# frame-ancestors 'self': the formgrader may be framed by the instructor's own JupyterLab and by
# nothing else. Safe only with JupyterHub.subdomain_host set: each user's server is then an origin of
# its own, so 'self' names the instructor's server alone, never a student's page.
c = get_config()  # noqa: F821
c.ServerApp.tornado_settings = {"headers": {"Content-Security-Policy": "frame-ancestors 'self'"}}
