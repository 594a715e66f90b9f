"""Files on disk, below every other layer: files written atomically, output folders that
hold one run."""
