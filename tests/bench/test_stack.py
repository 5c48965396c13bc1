"""The bench takes its process shape from the prod stack file."""

from pathlib import Path

from bench.stack import prod_shape


def test_prod_shape_reads_the_gunicorn_block_and_computes_the_budget(tmp_path: Path) -> None:
    stack = tmp_path / "Pulumi.prod.yaml"
    stack.write_text(
        "config:\n  django-gcp:gunicorn:\n    workers: 4\n    threads: 6\n    dbPoolSize: 3\n"
    )

    shape = prod_shape(stack)

    assert (shape.workers, shape.threads, shape.pool_max_size) == (4, 6, 3)
    assert shape.connection_budget == 12


def test_pool_size_defaults_to_threads_as_the_app_does(tmp_path: Path) -> None:
    stack = tmp_path / "Pulumi.prod.yaml"
    stack.write_text("config:\n  django-gcp:gunicorn:\n    workers: 2\n    threads: 5\n")

    assert prod_shape(stack).pool_max_size == 5


def test_missing_stack_file_falls_back_to_contract_defaults(tmp_path: Path) -> None:
    shape = prod_shape(tmp_path / "absent.yaml")

    assert shape.source == "defaults"
    assert shape.connection_budget == shape.workers * shape.pool_max_size
