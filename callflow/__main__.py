"""``python -m callflow`` is the ``urgentline`` command."""

from callflow.cli import main

main()
