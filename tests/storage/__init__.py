"""Tests of storage/: engines, migrations, users."""
