# A WSGI app served by gunicorn's forked workers; plugins are found through entry points
# (importlib.metadata scans the dist-info directories on sys.path) and imported on first use.
import os
from importlib import metadata

GROUP = "demo.plugins"


def plugin_names():
    return sorted(ep.name for ep in metadata.entry_points(group=GROUP))


def index():
    links = "".join(f'<a href="/plugin/{n}">{n}</a>\n' for n in plugin_names())
    return f"<html><body><h1>gunicorn</h1>\n{links}<a href=\"/versions\">versions</a>\n<a href=\"/pkg\">pkg</a>\n</body></html>\n"


def versions():
    out = []
    for d in ("gunicorn", "setuptools", "myplugins", "packaging"):
        try:
            out.append(f"{d} {metadata.version(d)}")
        except metadata.PackageNotFoundError:
            out.append(f"{d} missing")
    scripts = sorted(ep.name for ep in metadata.entry_points(group="console_scripts"))
    out.append("console_scripts: " + ",".join(scripts))
    return "\n".join(out) + "\n"


def pkg():
    # the older API many apps still use
    import pkg_resources

    dist = pkg_resources.get_distribution("gunicorn")
    eps = sorted(ep.name for ep in pkg_resources.iter_entry_points(GROUP))
    return f"{dist.project_name} {dist.version} {','.join(eps)}\n"


def plugin(name):
    (ep,) = [e for e in metadata.entry_points(group=GROUP) if e.name == name]
    return ep.load()("Hello, Plugins") + "\n"


def app(environ, start_response):
    path = environ.get("PATH_INFO", "/")
    try:
        if path == "/":
            body, ctype = index(), "text/html"
        elif path == "/versions":
            body, ctype = versions(), "text/plain"
        elif path == "/pkg":
            body, ctype = pkg(), "text/plain"
        elif path.startswith("/plugin/"):
            body, ctype = plugin(path[len("/plugin/"):]), "text/plain"
        else:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found\n"]
    except Exception as e:  # noqa: BLE001 - the check compares this text
        start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
        return [f"{type(e).__name__}: {e}\n".encode()]
    start_response("200 OK", [("Content-Type", ctype), ("X-Worker", "yes" if os.getppid() != 0 else "no")])
    return [body.encode()]
