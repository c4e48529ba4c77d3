"""One directory of revisions per node kind."""
