"""Score thresholds of our matcher (`station.biometrics.api.match`), calibrated by `python -m bench biometrics` on the
three dev sets pooled (refresh them here when the extractor or the matcher changes). A module of its own so that
what only needs the numbers (command-line help, configuration checks) does not load the matcher.
"""

THRESHOLD_FMR_1 = 0.0296
THRESHOLD_FMR_01 = 0.0397
# FMR 10 %: never a decision on its own; the floor under which a closed-set comparison (the ten fingers of one
# person, one-to-one) does not count a pair at all. Calibrated like the others (three dev sets pooled).
THRESHOLD_FMR_10 = 0.0207
