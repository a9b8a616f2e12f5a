"""Lambda event shapes, built from what the embedded AWS hands the pollers.

One module per event source.  Each is pure: service data in, the event (or
record) Lambda would pass to a function out, in the shapes of
``tests/events``.  Where the embedded AWS leaves out a field AWS fills in,
the module says what it does about it.
"""
