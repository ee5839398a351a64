"""The modelspec command line: one module per subcommand."""
