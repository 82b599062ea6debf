"""Test support a connector distribution imports (needs pytest): the contract suite,
`tracker.testing.contract`. Its asserts are rewritten by pytest like a test module's."""

import pytest

pytest.register_assert_rewrite("tracker.testing.contract")
