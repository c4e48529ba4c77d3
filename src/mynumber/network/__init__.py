"""The information provision network's pure core: bodies, tasks, the permitted exchanges, codes."""
