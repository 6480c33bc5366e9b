# The course's JupyterHub configuration (docs/deploy.md shows this file whole; tests/test_deploy_guide.py
# checks that it is the same, and tests/test_hub.py runs its hub with it, unchanged).
# scripts/deploy/setup_hub.sh installs it as /etc/jupyterhub/jupyterhub_config.py, and beside it
# site.toml: the layout the script made and the accounts. Root runs the hub from its own environment:
#     /opt/pooling/hub/bin/jupyterhub -f /etc/jupyterhub/jupyterhub_config.py
# Nothing here needs editing: a server's own settings go in site.toml, or in override.toml beside it,
# read last (its keys replace site.toml's). The keys and their defaults are SITE below.
import grp
import pathlib
import tomllib

c = get_config()  # noqa: F821
SITE = {
    "opt": "/opt/pooling",              # the environments (setup_hub.sh's OPT)
    "etc_jupyter": "/etc/jupyter",      # the global Jupyter and nbgrader configuration (ETC_JUPYTER)
    "group": "instructors",             # its members get the instructor environment (GROUP)
    "state": "/srv/jupyterhub",         # the hub's database, cookie secret and pid files, root-only (HUB_STATE)
    "hub_url": "https://hub.example.org",   # the public URL: users' servers on its subdomains (HUB_URL)
    "bind_url": "http://:8000",         # where the hub listens (behind your TLS proxy, or set ssl_cert/ssl_key)
    "ssl_cert": "", "ssl_key": "",      # a wildcard certificate for hub_url and *.hub_url, if the hub serves TLS
    "users": [], "admins": [],          # who may log in (PAM), and who administers the hub
    "hub_bind_url": "", "proxy_api_url": "",    # the hub's and the proxy's internal addresses, if not 8081/8001
    "data_files_path": "",              # the hub's templates and static files, if not beside its environment
    "jupyter_config_path": [],          # more Jupyter configuration folders for every user's server
    "spawner_environment": {},          # more environment variables for every user's server
    "spawner_args": [],                 # more arguments for every user's server
}
here = pathlib.Path(__file__).resolve().parent
for name in ("site.toml", "override.toml"):
    if (here / name).is_file():
        SITE.update(tomllib.loads((here / name).read_text(encoding="utf-8")))

c.JupyterHub.authenticator_class = "pam"           # the accounts setup_hub.sh made, with their passwords
c.Authenticator.allowed_users = set(SITE["users"])
c.Authenticator.admin_users = set(SITE["admins"])
c.JupyterHub.bind_url = SITE["bind_url"]
# one origin per user (JupyterHub's subdomains): the formgrader may then be framed by its own user's
# JupyterLab and by nobody else's page (docs/deploy.md, "The formgrader on JupyterHub >= 4.1")
c.JupyterHub.subdomain_host = SITE["hub_url"]
if SITE["ssl_cert"]:
    c.JupyterHub.ssl_cert, c.JupyterHub.ssl_key = SITE["ssl_cert"], SITE["ssl_key"]
if SITE["hub_bind_url"]:
    c.JupyterHub.hub_bind_url = SITE["hub_bind_url"]
if SITE["proxy_api_url"]:
    c.ConfigurableHTTPProxy.api_url = SITE["proxy_api_url"]
if SITE["data_files_path"]:
    c.JupyterHub.data_files_path = SITE["data_files_path"]
c.ConfigurableHTTPProxy.command = [f"{SITE['opt']}/hub-proxy/node_modules/.bin/configurable-http-proxy"]
c.JupyterHub.db_url = f"sqlite:///{SITE['state']}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = f"{SITE['state']}/jupyterhub_cookie_secret"
c.JupyterHub.pid_file = f"{SITE['state']}/jupyterhub.pid"
c.ConfigurableHTTPProxy.pid_file = f"{SITE['state']}/proxy.pid"
c.Spawner.default_url = "/lab"
c.Spawner.environment = dict(SITE["spawner_environment"])
c.Spawner.args = list(SITE["spawner_args"])
c.Spawner.start_timeout = c.Spawner.http_timeout = 240   # a server's first start imports torch


def per_role_env(spawner):
    """Members of the instructors' group get the instructor environment (the kit, and its Jupyter
    configuration: the formgrader's frame); everyone else the students' (no instructor UI)."""
    role = "instructor" if spawner.user.name in grp.getgrnam(SITE["group"]).gr_mem else "student"
    env = f"{SITE['opt']}/{role}"
    spawner.cmd = [f"{env}/bin/jupyterhub-singleuser"]
    spawner.environment = dict(spawner.environment, PATH=f"{env}/bin:/usr/bin:/bin")
    config_path = [f"{SITE['opt']}/student-config"] if role == "student" else []
    if SITE["etc_jupyter"] != "/etc/jupyter":      # Jupyter reads /etc/jupyter itself, not a moved one
        config_path.append(SITE["etc_jupyter"])
    config_path += SITE["jupyter_config_path"]
    if config_path:
        spawner.environment["JUPYTER_CONFIG_PATH"] = ":".join(config_path)


c.Spawner.pre_spawn_hook = per_role_env
