# milter: filled in by its owner
