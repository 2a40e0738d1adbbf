"""Reading fingerprints: segmentation, orientation, enhancement, minutiae, quality, templates and matching."""
