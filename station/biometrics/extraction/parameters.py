"""Every tunable constant of the minutiae extractor, in one place, at the canonical 500 ppi.

Names are `<STAGE>_<QUANTITY>[_<UNIT>]`. The values are the same for every sensor: resolution is handled by
resampling to 500 ppi before the first stage, and the one quantity that varies between fingers (the ridge period) is
measured per image. Distances are in pixels at 500 ppi, where adult ridge periods are 7-13 px (0.35-0.65 mm)
(Maltoni et al., Handbook of Fingerprint Recognition, ch. 3), so most lengths below are stated as multiples of a
typical period of 9-10 px. The values were set on FVC2002 DB1_B, DB3_B and FVC2004 DB2_B as whole sets (EER with the
project's matcher), never per set or per image.
"""

from __future__ import annotations

import math

# --- normalisation: local zero-mean, unit-contrast grey levels -------------------------------------------------
#: Gaussian sigma of the local mean that is subtracted: larger than a ridge period so ridges survive, small enough
#: to follow uneven pressure and illumination.
NORMALIZE_MEAN_SIGMA_PX = 8.0
#: Gaussian sigma of the local contrast (RMS) that divides: just under one ridge period, so the window spans a few
#: ridges and follows dry and wet patches closely (dev EER DB2_B 8.3 % at 14 px, 7.9 % at 10 px, 7.6 % at 8 px).
NORMALIZE_CONTRAST_SIGMA_PX = 8.0
#: Contrast floor (grey levels): flat background is not blown up into noise by the division.
NORMALIZE_MIN_CONTRAST = 6.0

# --- segmentation: the mask of the print against the background ------------------------------------------------
#: Blocks the mask is decided on: 8 px is MINDTCT's map block (lfs.h MAP_BLOCKSIZE_V2).
SEGMENT_BLOCK_PX = 8
#: Scale of the fine detail (grey level minus its Gaussian blur) whose RMS is a block's contrast: below a ridge
#: period, so ridges keep most of theirs and a smooth step edge has little.
SEGMENT_DETAIL_SIGMA_PX = 2.5
#: A block is print when its contrast exceeds this fraction of the print's typical (90th percentile) contrast ...
SEGMENT_RELATIVE_CONTRAST = 0.35
#: ... and this absolute floor in grey levels (sensor noise on an empty platen stays below it) ...
SEGMENT_MIN_CONTRAST = 3.0
#: ... and its ridges flow in one direction: background noise has coherence around 0.1-0.2, ridges 0.4-0.9.
SEGMENT_MIN_COHERENCE = 0.3
#: Morphological closing/opening radius (blocks) that fills gaps between ridge blocks and drops specks.
SEGMENT_SMOOTH_RADIUS_BLOCKS = 2
#: Minutiae closer than this to the mask border are not trusted: the ridges there are cut by the print's edge.
#: About 1.2 ridge periods; endings cut by the edge further in are caught by FILTER_BORDER_LOOKAHEAD_PX. Tried on
#: the dev sets: 8 px (DB2_B EER 16 %: cut ridges), 20 px (DB1_B/DB3_B lose too many true minutiae), 14 and 12 px
#: (12 px better on all three sets).
SEGMENT_BORDER_MARGIN_PX = 12

# --- the print's box in the frame (print_region): later stages only read inside it -------------------------------
#: A block is print for the box when its grey-level spread exceeds this fraction of the typical (90th percentile)
#: block's, below the segmentation's own fraction so the box never cuts into a faint part of the print.
CROP_RELATIVE_SPREAD = 0.25
#: Margin around the blocks found: wider than three sigmas of the widest smoothing (orientation, 14 px), so every
#: stage sees around the print what it would see in the whole frame.
CROP_MARGIN_PX = 48
#: The box is used only when it leaves out at least this share of the frame; otherwise the whole frame is read.
CROP_MIN_SAVING = 0.25

# --- orientation field: gradient structure tensor --------------------------------------------------------------
#: Pre-smoothing of the image before the 3x3 Sobel gradients (removes pores and sensor noise).
ORIENT_GRADIENT_SIGMA_PX = 1.0
#: Local integration window of the tensor (coherence is measured at this scale).
ORIENT_TENSOR_SIGMA_PX = 6.0
#: Wider smoothing of the doubled-angle field used to steer the filters (bridges scars and creases).
ORIENT_SMOOTH_SIGMA_PX = 14.0
#: The tensor is averaged and smoothed on a grid this many times coarser, then interpolated back (speed).
ORIENT_GRID_STEP_PX = 4

# --- ridge frequency ---------------------------------------------------------------------------------------------
#: Side of the windows whose spectra are averaged to find the print's ridge period.
FREQ_BLOCK_PX = 32
#: Plausible ridge periods at 500 ppi (px); a measured period outside is clipped into this range.
FREQ_MIN_PERIOD_PX = 6.0
FREQ_MAX_PERIOD_PX = 14.0
#: Used when there is too little print to measure (the population's typical period).
FREQ_DEFAULT_PERIOD_PX = 9.0

# --- enhancement: oriented Gabor bank in the frequency domain --------------------------------------------------
#: Number of filter orientations over 180 degrees; responses are interpolated between the two nearest.
ENHANCE_ORIENTATIONS = 12
#: Gaussian envelope across the ridges as a fraction of the ridge period (Hong, Wan & Jain 1998 use 4 px at ~9 px).
ENHANCE_SIGMA_ACROSS_RATIO = 0.45
#: Envelope along the ridges: longer, so the filter closes breaks and ignores pores.
ENHANCE_SIGMA_ALONG_RATIO = 0.65

# --- binarisation ------------------------------------------------------------------------------------------------
#: Ridge fragments smaller than this (pixels: a dot of half a ridge period across) are dust or noise, not ridges.
#: 40 px was tried too; it removed short real ridge pieces (dev EER DB2_B 8.6 % at 40, 8.3 % at 20).
BINARY_MIN_RIDGE_AREA_PX = 20
#: Valley holes smaller than this inside ridges are pores or noise and are filled.
BINARY_MIN_VALLEY_AREA_PX = 20

# --- minutiae filtering ------------------------------------------------------------------------------------------
#: Longest ridge walk made from each minutia (px): enough to see spurs, bridges and short ridges.
TRACE_MAX_STEPS = 24
#: Distance along the ridge at which an ending's or branch's direction is measured.
TRACE_DIRECTION_STEPS = 10
#: Spur and bridge lengths are just under one ridge period, the fragment length one period: real ridges between two
#: minutiae are rarely shorter. Longer thresholds removed true minutiae and cost EER on all three dev sets (with
#: MCC, mean EER over the sets 5.4 % at 14/20/14 px, 5.0 % at 10/14/10 px, 4.6 % at 8/10/8 px, DB2_B 8.6 %).
#: An ending joined to a bifurcation by less than this is a spur: both go.
FILTER_SPUR_LENGTH_PX = 8
#: A ridge with two endings shorter than this is a fragment: both go.
FILTER_SHORT_RIDGE_LENGTH_PX = 10
#: Two bifurcations joined by less than this form a bridge or a lake: both go.
FILTER_BRIDGE_LENGTH_PX = 8
#: Two endings facing each other across a gap shorter than this are one broken ridge: both go.
FILTER_BREAK_DISTANCE_PX = 18.0
#: How far (radians) the two endings of a break may be from exactly opposite, and from the line joining them.
FILTER_BREAK_ANGLE_TOLERANCE_RAD = math.radians(35)
#: An ending whose ridge, continued past it, leaves the mask within this distance was cut by the print's edge.
FILTER_BORDER_LOOKAHEAD_PX = 24.0
#: Any two minutiae closer than this are a noise cluster: both go.
FILTER_CLUSTER_DISTANCE_PX = 6.0
#: Field and traced directions within this angle: the smoother field angle is used, else the trace.
DIRECTION_FIELD_AGREEMENT_RAD = math.radians(30)

# --- reliability ---------------------------------------------------------------------------------------------------
#: Contrast (grey levels, RMS) at which the contrast term of a minutia's reliability saturates at 1.
QUALITY_FULL_CONTRAST = 25.0

# --- singular points ---------------------------------------------------------------------------------------------
#: Block size of the orientation field on which Poincare indices are summed.
SINGULAR_BLOCK_PX = 8
#: Smoothing of that field (px); cores and deltas are features of the large-scale flow.
SINGULAR_SMOOTH_SIGMA_PX = 16.0
#: Detections closer than this are one singular point.
SINGULAR_MERGE_DISTANCE_PX = 24.0
