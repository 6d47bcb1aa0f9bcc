"""Core defaults, registered as a plugin (``portal.defaults``) like any other.

Every implementation here is ``trylast`` so that plugins answer first. The national award
catalogue is *not* here: it lives in the ``national`` plugin, which every province has enabled.
"""
