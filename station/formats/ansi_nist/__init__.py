"""ANSI/NIST-ITL 1-2011 (Update 2015) traditional encoding: read, write, inspect images.

read_transaction(bytes) -> Transaction        tolerant; Transaction.problems; raises only ParseError
write_transaction(Transaction) -> bytes       strict; raises WriteError naming each broken rule
check_transaction(Transaction) -> [Problem]   the writer's rules without writing
image_infos / decode_image                    the image records and their pixels
decode_image_isolated                         the same in a child process, for untrusted files
"""

from station.formats.ansi_nist.errors import ParseError, Problem, WriteError
from station.formats.ansi_nist.images import ImageInfo, decode_image, image_info, image_infos
from station.formats.ansi_nist.isolated import decode_image_isolated
from station.formats.ansi_nist.model import BinaryRecord, Field, Record, TaggedRecord, Transaction, join_items
from station.formats.ansi_nist.reader import read_transaction
from station.formats.ansi_nist.rules import validate
from station.formats.ansi_nist.writer import check_transaction, encode_tagged, write_transaction

__all__ = [
    "BinaryRecord",
    "Field",
    "ImageInfo",
    "ParseError",
    "Problem",
    "Record",
    "TaggedRecord",
    "Transaction",
    "WriteError",
    "check_transaction",
    "decode_image",
    "decode_image_isolated",
    "encode_tagged",
    "image_info",
    "image_infos",
    "join_items",
    "read_transaction",
    "validate",
    "write_transaction",
]
