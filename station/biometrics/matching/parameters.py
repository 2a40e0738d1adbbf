"""Every constant of the matcher, in one place, with where it comes from.

The matcher is Minutia Cylinder-Code (Cappelli, Ferrara, Maltoni, "Minutia Cylinder-Code: a new representation and
matching technique for fingerprint recognition", IEEE TPAMI 32(12), 2010) with Local Similarity Sort and Relaxation
(LSS-R). Values marked [paper] are the ones the paper reports as its defaults; the others are ours and say why.
The same values serve every sensor and resolution (coordinates are canonical 500 ppi pixels): no per-set tuning.
"""

from __future__ import annotations

import math

# --- Cylinder (local descriptor around each minutia) ---
RADIUS = 70.0  # R, px at 500 ppi: ~ 7-8 ridge periods around the minutia [paper]
SPATIAL_CELLS = 16  # N_S: cells along a side of the cylinder base [paper]
ANGULAR_SECTIONS = 6  # N_D: direction sections of the cylinder height [paper]
SIGMA_SPATIAL = 28.0 / 3.0  # sigma_S, px: spatial spread of one neighbour's contribution [paper]
SIGMA_DIRECTIONAL = 2.0 * math.pi / 9.0  # sigma_D, rad: directional spread [paper]
SIGMOID_MU = 1.0 / 100.0  # mu_Psi: contribution sum at which a cell is half "on" [paper]
SIGMOID_TAU = 400.0  # tau_Psi: steepness of that sigmoid [paper]
HULL_MARGIN = 50.0  # omega, px: cells farther than this outside the minutiae's convex hull are invalid [paper]
MIN_VALID_CELLS = 0.75  # min_VC: share of valid base cells for a cylinder to be used [paper]
# min_M: neighbours within R + 3 sigma_S for a cylinder to be used. The paper uses 2; ours is 1 because our
# extractor keeps only reliable minutiae (18-38 per FVC print on average), and on all three dev sets a sparse
# neighbourhood is still informative (EER 2.5->2.1 %, 3.3->3.2 %, 10.5->10.0 %).
MIN_NEIGHBOURS = 1

# --- Local similarity of two cylinders ---
MIN_MATCHABLE_CELLS = 0.60  # min_ME: share of base cells valid in both cylinders, else similarity 0 [paper]
MAX_ROTATION = math.pi / 2.0  # delta_theta: cylinders of minutiae turned more than this never match [paper]

# --- Consolidation: Local Similarity Sort with Relaxation ---
MIN_PAIRS = 4  # min_nP [paper]
MAX_PAIRS = 12  # max_nP [paper]
PAIRS_MU = 20.0  # mu_P: minutia count at which n_P is half-way between min and max [paper]
PAIRS_TAU = 2.0 / 5.0  # tau_P [paper]
RELAXATION_ITERATIONS = 5  # n_rel [paper]
RELAXATION_WEIGHT = 0.5  # w_R: weight of a pair's own previous similarity [paper]
RHO_DISTANCE_MU, RHO_DISTANCE_TAU = 5.0, -8.0 / 5.0  # d1: difference of inter-minutia distances, px [paper]
# d1 is divided by (1 + RHO_DISTANCE_GROWTH * mean of the two distances): skin stretches in proportion to the
# distance, so two minutiae 300 px apart on a rolled print and a flat of the same finger differ by 10-15 px, far
# past the paper's 5 px. The tolerance grows with the distance as in Jain, Hong & Bolle's polar tolerance boxes
# (On-line fingerprint verification, TPAMI 19(4), 1997) and Bozorth3's relative distance test. Ours: 0.006 keeps
# 5 px up to ~50 px and allows ~14 px at 300 px. NIST tenprint card, rolled vs own slap segment: ring 0.035 ->
# 0.055, left thumb 0.027 -> 0.035, while the best impostor pair moves 0.031 -> 0.033; dev sets EER
# 2.50/2.85/8.56 % -> 2.13/2.85/9.01 % (the FVC2004 DB2_B loss is within its 280-genuine-pair noise: one pair).
RHO_DISTANCE_GROWTH = 0.006
# d2 (difference of relative directions) and d3 (of radial angles), rad. The paper centres both sigmoids on 15 deg;
# we use 18 deg: skin distortion bends far-apart minutiae pairs more than that, and the looser value is better or
# equal on all three dev sets (EER 2.1/3.2/10.0 % -> 2.1/2.9/9.6 % with the extractor of 16:05 UTC; 22.5 deg
# gives the same, 25.7 deg is worse).
RHO_ANGLE_MU, RHO_ANGLE_TAU = math.pi / 10.0, -30.0
RHO_RADIAL_MU, RHO_RADIAL_TAU = math.pi / 10.0, -30.0

# --- Limits (ours) ---
# The matcher keeps the best-quality minutiae up to this count: an FVC plain print holds 30-80, a rolled print more;
# 120 keeps every real minutia of a plain print while bounding the cost (quadratic in this number) for rolled ones.
MAX_MATCH_MINUTIAE = 120

# --- 1:N search (ours) ---
# Entries re-scored with the full 1:1 matcher after the coarse first stage. On the dev sets the mate ranked first
# by the full matcher is inside the first stage's best 20 for every probe (see bench); 20 full matches cost ~10 ms,
# which keeps a 10,000-entry search well above 20,000 comparisons per second.
SEARCH_SHORTLIST = 20
# First stage: cylinders kept per template (best quality first). Bounds the cost per gallery entry; 40 covers the
# whole usable set of most plain prints (FVC averages 30-50 usable cylinders).
FIRST_STAGE_MINUTIAE = 40
