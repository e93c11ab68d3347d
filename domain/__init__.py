"""The domain of congress personnel work: pure rules, standard library only.

Nothing here reads a clock, makes an id or touches I/O: time and ids are arguments, so the
same rules run in a Temporal workflow (deterministic replay), in a unit test, and in an
auditor's replay of a plan years later.
"""
