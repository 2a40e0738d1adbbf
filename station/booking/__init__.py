"""The booking workflow: session and capture plan, slap segmentation, rolled composition, sequence check, the CAR."""
