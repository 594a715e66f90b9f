"""Files on disk, below every other layer: output folders that hold one run."""
