"""What pyproject.toml cannot say: ``resources/`` ships as the package ``syncdesk_resources``.

``resources/`` stays at the top of the repository, beside ``app/`` and ``ui/``, but a folder
outside any package is left out of wheels. Installed, it is the top-level package
``syncdesk_resources`` (a distinct name: a bare ``resources`` would clash with other
distributions in site-packages) and every file in it is package data; ``ui/resources.py``
finds it there (see ``resources/README.md``). pyproject.toml cannot give a package a folder
of another name while still finding ``app*`` and ``ui*`` by itself, hence this file.
Everything else is in pyproject.toml.
"""

from pathlib import Path

from setuptools import find_namespace_packages, setup

# setup.cfg points setuptools' own output at .build/ (build/ holds project sources), and
# setuptools refuses an egg_base folder that does not exist yet: a fresh clone or an
# unpacked sdist has none. The build backend runs this file from the project folder.
Path(".build").mkdir(exist_ok=True)

NO_CACHE = ["*__pycache__*"]
# Namespace discovery: app/store/migrations/versions has no __init__.py. Each folder under
# resources/ is listed as a package too, else setuptools warns that it ships it "as data".
CODE = find_namespace_packages(include=["app", "app.*", "ui", "ui.*"], exclude=NO_CACHE)
RESOURCES = ["syncdesk_resources", *(
    f"syncdesk_resources.{name}" for name in find_namespace_packages("resources", NO_CACHE))]

setup(
    packages=[*CODE, *RESOURCES],
    package_dir={"syncdesk_resources": "resources"},
    package_data={
        "app": ["store/migrations/*.py", "store/migrations/versions/*.py",
                "store/migrations/*.mako"],
        # "**/*": also files in folders whose names are not Python names ("my-icons/").
        **{name: ["*"] for name in RESOURCES}, "syncdesk_resources": ["**/*"],
    },
    exclude_package_data={name: ["__pycache__/*", "**/__pycache__/*"] for name in RESOURCES},
)
