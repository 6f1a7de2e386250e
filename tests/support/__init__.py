"""What every test folder shares: the environment, the Prefect test server, the sandbox
company, the command line, the checks and a manual clock.

Import by full name (`from tests.support.sandbox import Company`); the fixtures that use
these live in `tests/conftest.py`.
"""
