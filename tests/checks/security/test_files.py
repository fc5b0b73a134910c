"""Which files the security check hands to bandit and semgrep."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from gate.checks.security.files import TEST_GLOBS, select_files
from gate.errors import CheckError

MakeTarget = Callable[[Mapping[str, str]], Path]

LAYOUT = {
    "app/__init__.py": "",
    "app/api.py": "",
    "app/tests/test_api.py": "",
    "app/test/helpers.py": "",
    "app/orders_test.py": "",
    "app/test_data.py": "",
    "app/testing.py": "",  # not a test glob: only test_*.py, *_test.py, *_tests.py, tests.py, test/, tests/
    "apps/shop/tests.py": "",  # Django's startapp layout
    "apps/shop/views.py": "",
    "apps/shop/tests/__init__.py": "",
    "apps/shop/tests/factories.py": "",
    "apps/shop/api_tests.py": "",
    "apps/shop/conftest.py": "",
    "app/generated/schema.py": "",
    "app/README.md": "",
    "conftest.py": "",
    "tests/test_x.py": "",
    "migrations/0001_init.py": "",
    ".venv/lib/site.py": "",
    "env/pyvenv.cfg": "",
    "env/lib/thing.py": "",
    "node_modules/pkg/x.py": "",
    "app/__pycache__/api.py": "",
    ".github/scripts/release.py": "",
}


def test_test_code_is_left_out_by_default(make_target: MakeTarget) -> None:
    target = make_target(LAYOUT)
    selection = select_files(target, ["."], TEST_GLOBS)
    assert selection.files == (
        "app/__init__.py",
        "app/api.py",
        "app/generated/schema.py",
        "app/testing.py",
        "apps/shop/views.py",
        "migrations/0001_init.py",
    )
    assert selection.excluded == (
        "app/orders_test.py",
        "app/test/helpers.py",
        "app/test_data.py",
        "app/tests/test_api.py",
        "apps/shop/api_tests.py",
        "apps/shop/conftest.py",
        "apps/shop/tests.py",
        "apps/shop/tests/__init__.py",
        "apps/shop/tests/factories.py",
        "conftest.py",
        "tests/test_x.py",
    )


def test_include_tests_scans_them_but_never_virtualenvs_or_hidden_folders(make_target: MakeTarget) -> None:
    target = make_target(LAYOUT)
    selection = select_files(target, ["."], [])
    assert "tests/test_x.py" in selection.files and "conftest.py" in selection.files
    assert not [f for f in selection.files if f.startswith((".venv", "env/", "node_modules", ".github"))]
    assert "app/__pycache__/api.py" not in selection.files
    assert selection.excluded == ()


@pytest.mark.parametrize(
    ("glob", "gone"),
    [
        ("migrations", {"migrations/0001_init.py"}),  # a name: any folder or file called that
        ("app/generated", {"app/generated/schema.py"}),  # a path from the target's root
        ("app/generated/**", {"app/generated/schema.py"}),
        ("**/api.py", {"app/api.py"}),
        ("views.py", {"apps/shop/views.py"}),
        (
            "*.py",
            {
                "app/__init__.py",
                "app/api.py",
                "app/generated/schema.py",
                "app/testing.py",
                "apps/shop/views.py",
                "migrations/0001_init.py",
            },
        ),
        ("generated/*", set()),  # anchored at the root, where there is no generated/
    ],
)
def test_exclude_globs(make_target: MakeTarget, glob: str, gone: set[str]) -> None:
    target = make_target(LAYOUT)
    before = set(select_files(target, ["."], TEST_GLOBS).files)
    after = set(select_files(target, ["."], [*TEST_GLOBS, glob]).files)
    assert before - after == gone


def test_paths_are_relative_to_the_target_and_may_overlap(make_target: MakeTarget) -> None:
    target = make_target(LAYOUT)
    selection = select_files(target, ["app", "app/api.py", "migrations"], TEST_GLOBS)
    assert selection.files == (
        "app/__init__.py",
        "app/api.py",
        "app/generated/schema.py",
        "app/testing.py",
        "migrations/0001_init.py",
    )


def test_a_path_outside_the_target_or_missing_is_an_error(make_target: MakeTarget) -> None:
    target = make_target(LAYOUT)
    with pytest.raises(CheckError, match=r"'\.\./elsewhere' is outside the target"):
        select_files(target, ["../elsewhere"], [])
    with pytest.raises(CheckError, match="'src' does not exist"):
        select_files(target, ["src"], [])


def test_the_out_folder_is_never_selected(make_target: MakeTarget) -> None:
    target = make_target({"app/api.py": "", "reports/artifacts/load/locustfile.py": "", "reports/x.py": ""})
    assert select_files(target, ["."], (), target / "reports").files == ("app/api.py",)
    assert select_files(target, ["reports"], (), target / "reports").files == ()
