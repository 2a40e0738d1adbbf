"""EBTS / NCIC code tables for the Type-2 descriptors of a booking.

Sources: FBI EBTS (descriptor fields reference the NCIC 2000 Code Manual) as summarised in the project's
formats.md. Codes tagged [M] there were double-checked from memory of the NCIC tables; the place-of-birth table holds
only the codes we are sure of (US states and territories, Canadian provinces); other well-formed codes are accepted
with a warning so that a booking is never blocked by our table being short.
"""

from __future__ import annotations

SEX = {"M": "male", "F": "female", "X": "unknown"}

RACE = {
    "A": "Asian or Pacific Islander",
    "B": "Black",
    "I": "American Indian or Alaskan Native",
    "W": "White",
    "U": "Unknown",
}

EYE_COLOR = {
    "BLK": "black",
    "BLU": "blue",
    "BRO": "brown",
    "GRY": "gray",
    "GRN": "green",
    "HAZ": "hazel",
    "MAR": "maroon",
    "MUL": "multicoloured",
    "PNK": "pink",
    "XXX": "unknown",
}

HAIR_COLOR = {
    "BAL": "bald",
    "BLK": "black",
    "BLN": "blond or strawberry",
    "BLU": "blue",
    "BRO": "brown",
    "GRY": "gray or partially gray",
    "GRN": "green",
    "ONG": "orange",
    "PLE": "purple",
    "PNK": "pink",
    "RED": "red or auburn",
    "SDY": "sandy",
    "WHI": "white",
    "XXX": "unknown",
}

US_STATES = {
    "AL": "Alabama",
    "AK": "Alaska",
    "AZ": "Arizona",
    "AR": "Arkansas",
    "CA": "California",
    "CO": "Colorado",
    "CT": "Connecticut",
    "DE": "Delaware",
    "DC": "District of Columbia",
    "FL": "Florida",
    "GA": "Georgia",
    "HI": "Hawaii",
    "ID": "Idaho",
    "IL": "Illinois",
    "IN": "Indiana",
    "IA": "Iowa",
    "KS": "Kansas",
    "KY": "Kentucky",
    "LA": "Louisiana",
    "ME": "Maine",
    "MD": "Maryland",
    "MA": "Massachusetts",
    "MI": "Michigan",
    "MN": "Minnesota",
    "MS": "Mississippi",
    "MO": "Missouri",
    "MT": "Montana",
    "NE": "Nebraska",
    "NV": "Nevada",
    "NH": "New Hampshire",
    "NJ": "New Jersey",
    "NM": "New Mexico",
    "NY": "New York",
    "NC": "North Carolina",
    "ND": "North Dakota",
    "OH": "Ohio",
    "OK": "Oklahoma",
    "OR": "Oregon",
    "PA": "Pennsylvania",
    "RI": "Rhode Island",
    "SC": "South Carolina",
    "SD": "South Dakota",
    "TN": "Tennessee",
    "TX": "Texas",
    "UT": "Utah",
    "VT": "Vermont",
    "VA": "Virginia",
    "WA": "Washington",
    "WV": "West Virginia",
    "WI": "Wisconsin",
    "WY": "Wyoming",
    "PR": "Puerto Rico",
    "GU": "Guam",
    "VI": "U.S. Virgin Islands",
}
CANADIAN_PROVINCES = {
    "AB": "Alberta",
    "BC": "British Columbia",
    "MB": "Manitoba",
    "NB": "New Brunswick",
    "NF": "Newfoundland",
    "NS": "Nova Scotia",
    "NT": "Northwest Territories",
    "ON": "Ontario",
    "PE": "Prince Edward Island",
    "PQ": "Quebec",
    "SN": "Saskatchewan",
    "YT": "Yukon",
}
PLACE_OF_BIRTH = {**US_STATES, **CANADIAN_PROVINCES, "YY": "unknown"}

AMPUTATION = {"XX": "amputated (a partial print may exist)", "UP": "unable to print", "SR": "scarred"}

# Finger positions of a tenprint capture and the slap each finger belongs to.
ROLLED = range(1, 11)
SLAP_FINGERS = {13: (2, 3, 4, 5), 14: (7, 8, 9, 10), 15: (1, 6)}
PLAIN_THUMBS = {11: 1, 12: 6}
MULTI_FINGER = frozenset({13, 14, 15, *range(40, 51)})
