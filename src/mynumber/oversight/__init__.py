"""The oversight commission's node: cases residents open about records they do not recognise."""
