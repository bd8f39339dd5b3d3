"""docker-compose.yml stays in step with scripts/run.sh (what `make run` starts) and the config.

No Docker engine is needed: the compose file is read as YAML, and the commands it runs are
compared with the ones parsed out of scripts/run.sh.
"""

import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

import config

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
RUN_SCRIPT = ROOT / "scripts" / "run.sh"
REQUIREMENTS = ROOT / "requirements.txt"

LONG_RUNNING = ("postgres", "redis", "api", "worker", "beat")
# The services that run our code, from the image built by ./Dockerfile.
OUR_CODE = ("migrate", "api", "worker", "beat")
# What ProductionConfig refuses to start without (config/__init__.py).
PRODUCTION_REQUIRES = ("SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "PERSONAL_DATA_KEYS",
                       "PERSONAL_DATA_HASH_KEY")  # fmt: skip


@pytest.fixture(scope="module")
def services() -> dict:
    compose = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    return compose["services"]


@pytest.fixture(scope="module")
def run_script() -> str:
    return RUN_SCRIPT.read_text(encoding="utf-8")


def script_command(script: str, pattern: str) -> list[str]:
    """The argv of the run.sh line that starts `$BIN/<pattern>`, without `$BIN/` and `&`."""
    match = re.search(rf"^\$BIN/({pattern})\b.*$", script, re.MULTILINE)
    assert match, f"scripts/run.sh has no line starting $BIN/{pattern}"
    argv = shlex.split(match.group(0))
    if argv[-1] == "&":
        argv.pop()
    argv[0] = argv[0].removeprefix("$BIN/")
    return argv


def service_command(service: dict) -> list[str]:
    command = service.get("command")
    assert command, "service has no command"
    return list(command) if isinstance(command, list) else shlex.split(command)


def options(argv: list[str]) -> dict[str, str]:
    """`--name value` and `--name=value` pairs of an argv (a flag followed by a flag maps to '')."""
    found = {}
    for index, arg in enumerate(argv):
        if not arg.startswith("--"):
            continue
        name, equals, value = arg.partition("=")
        if not equals:
            following = argv[index + 1] if index + 1 < len(argv) else ""
            value = "" if following.startswith("--") else following
        found[name] = value
    return found


def positionals(argv: list[str]) -> list[str]:
    """The argv without its `--name value` pairs."""
    skip = set()
    for index, arg in enumerate(argv):
        if arg.startswith("--") and "=" not in arg and index + 1 < len(argv):
            if not argv[index + 1].startswith("--"):
                skip.add(index + 1)
    return [arg for index, arg in enumerate(argv) if not arg.startswith("--") and index not in skip]


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.partition("=")[::2] for item in env)
    return {name: "" if value is None else str(value) for name, value in env.items()}


def builds_from_dockerfile(service: dict) -> bool:
    build = service.get("build")
    if build is None:
        return False
    if isinstance(build, str):
        build = {"context": build}
    context = (ROOT / build.get("context", ".")).resolve()
    dockerfile = (context / build.get("dockerfile", "Dockerfile")).resolve()
    return dockerfile == DOCKERFILE and DOCKERFILE.is_file()


def test_all_services_exist(services):
    for name in (*LONG_RUNNING, "migrate"):
        assert name in services, f"docker-compose.yml has no {name!r} service"


@pytest.mark.parametrize("name", OUR_CODE)
def test_our_services_run_the_image_built_from_the_dockerfile(services, name):
    built_images = {
        service["image"]
        for service in services.values()
        if builds_from_dockerfile(service) and service.get("image")
    }
    service = services[name]
    assert builds_from_dockerfile(service) or service.get("image") in built_images, (
        f"{name} neither builds from ./Dockerfile nor uses the image built from it"
    )
    # One image for all of them, not one per service.
    assert len(built_images) <= 1, f"more than one image is built from ./Dockerfile: {built_images}"


def test_api_runs_gunicorn_like_the_run_script(services, run_script):
    expected = script_command(run_script, "gunicorn")
    argv = service_command(services["api"])
    assert argv[0] == "gunicorn"
    assert positionals(argv) == positionals(expected) == ["gunicorn", "api.wsgi:app"]
    assert options(argv)["--workers"] == options(expected)["--workers"]
    # Every other flag of the run script, with its value; only the bind address differs.
    compose_options, script_options = options(argv), options(expected)
    assert compose_options.keys() == script_options.keys()
    for name in script_options.keys() - {"--bind"}:
        assert compose_options[name] == script_options[name], name
    host, _, port = compose_options["--bind"].rpartition(":")
    assert host == "0.0.0.0"
    published = [str(mapping).rpartition(":")[2] for mapping in services["api"].get("ports", [])]
    assert port in published, f"api binds port {port} but publishes {published}"


def test_worker_runs_celery_worker_like_the_run_script(services, run_script):
    expected = script_command(run_script, "celery -A worker worker")
    argv = service_command(services["worker"])
    assert argv[:4] == ["celery", "-A", "worker", "worker"]
    assert options(argv)["--concurrency"] == options(expected)["--concurrency"]
    assert argv == expected


def test_beat_runs_celery_beat_like_the_run_script(services, run_script):
    expected = script_command(run_script, "celery -A worker beat")
    argv = service_command(services["beat"])
    assert argv[:4] == ["celery", "-A", "worker", "beat"]
    # The same flags as the run script, plus a schedule file outside the read-only code tree.
    for name, value in options(expected).items():
        assert options(argv).get(name) == value, name
    assert positionals(argv) == positionals(expected)


def test_migrate_migrates_and_seeds_like_the_run_script(services, run_script):
    command = " ".join(service_command(services["migrate"]))
    for step in ("alembic upgrade head", "flask --app api seed"):
        assert re.search(rf"^\$BIN/{re.escape(step)}$", run_script, re.MULTILINE), f"run.sh: {step}"
        assert step in command, f"migrate does not run {step!r}"
    assert command.index("alembic upgrade head") < command.index("flask --app api seed")
    assert "&&" in command, "seed must not run after a failed migration"


@pytest.mark.parametrize("name", ("api", "worker", "beat"))
def test_long_running_app_services_wait_for_migrate(services, name):
    depends_on = services[name].get("depends_on") or {}
    assert isinstance(depends_on, dict), f"{name}: depends_on needs conditions"
    assert depends_on.get("migrate", {}).get("condition") == "service_completed_successfully"
    assert depends_on.get("redis", {}).get("condition") == "service_healthy"


def test_every_service_but_migrate_has_a_healthcheck(services):
    for name, service in services.items():
        healthcheck = service.get("healthcheck") or {}
        if name == "migrate":
            assert not healthcheck, "migrate is one-shot: a healthcheck would never pass"
            continue
        assert healthcheck.get("test"), f"{name} has no healthcheck"
        assert not healthcheck.get("disable"), f"{name} disables its healthcheck"


@pytest.mark.parametrize("name", OUR_CODE)
def test_app_services_set_what_production_requires(services, name):
    # migrate too: without APP_ENV=production `flask seed` would create the demo accounts.
    for variable in PRODUCTION_REQUIRES:
        assert hasattr(config.ProductionConfig, variable), f"config has no {variable}"
    env = environment(services[name])
    assert env.get("APP_ENV") == "production"
    assert "production" in config.ENVIRONMENTS
    for variable in PRODUCTION_REQUIRES:
        assert env.get(variable), f"{name} does not set {variable}"


def test_every_requirement_is_pinned():
    for line in REQUIREMENTS.read_text(encoding="utf-8").splitlines():
        requirement = line.split("#", 1)[0].strip()
        if requirement:
            assert "==" in requirement, f"not pinned: {requirement}"


def test_dockerfile_default_command_is_the_api(run_script):
    match = re.search(r"^CMD\s+(\[.*\])\s*$", DOCKERFILE.read_text(encoding="utf-8"), re.MULTILINE)
    assert match, "Dockerfile has no exec-form CMD"
    argv = json.loads(match.group(1))
    expected = script_command(run_script, "gunicorn")
    assert positionals(argv) == positionals(expected)
    assert options(argv)["--workers"] == options(expected)["--workers"]
    # The gunicorn settings file makes its own errors the JSON envelope: the image needs it too.
    assert options(argv).get("--config") == options(expected)["--config"]


@pytest.mark.parametrize("database_url, shown", [(None, True), ("postgresql://db/yanhu", False)])
def test_run_prints_the_demo_logins_only_without_a_database_url(run_script, database_url, shown):
    # The banner part of run.sh, run on its own: from the demo-account check to the banner's end.
    banner = re.search(r"^# Demo accounts exist only.*?^INFO$", run_script, re.S | re.M)
    assert banner, "run.sh: the banner moved"
    env = {"PATH": "/usr/bin:/bin", "BIN": str(ROOT / ".venv" / "bin"), "PORT": "5000"}
    if database_url:
        env["DATABASE_URL"] = database_url
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", banner.group(0)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert ("yanhu-demo" in result.stdout) is shown
    assert ("clerk-w01" in result.stdout) is shown
    assert ("No demo accounts" in result.stdout) is not shown
