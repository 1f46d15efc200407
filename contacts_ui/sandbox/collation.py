"""Text sorted as a Polish user expects, on SQLite and PostgreSQL alike.

PostgreSQL has ICU's Polish collation: case does not set the order (adam and Adam sit
together), and Polish letters are letters of their own, each after its Latin one (Ł after
L, Ż after Ź after Z). Migration 0003 makes it there under the name "polish". SQLite has no
such collation, so the sandbox registers a function of that name on each SQLite connection
(`register`). The sortable columns name it (db_collation): the same order on both.

The function follows ICU's levels for the text an address book holds: first the letters
(spaces before punctuation before digits before letters), then accents (e before é), then
case (lower before upper), then the text itself, so that only equal strings are equal.
"""

import functools
import unicodedata

NAME = "polish"

POLISH_ALPHABET = "aąbcćdeęfghijklłmnńoópqrsśtuvwxyzźż"
_LETTER_RANK = {letter: rank for rank, letter in enumerate(POLISH_ALPHABET)}
# ICU's order of the punctuation and symbols on a keyboard; any other after them.
_PUNCTUATION_RANK = {mark: rank for rank, mark in enumerate("_-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$")}

SPACE, PUNCTUATION, DIGIT, LETTER, OTHER_LETTER = range(5)


def _weights(char: str) -> tuple[tuple, int, int]:
    """(primary, secondary, tertiary) weights of one character."""
    lower = char.lower()
    case = 1 if lower != char else 0
    if lower in _LETTER_RANK:
        return (LETTER, _LETTER_RANK[lower]), 0, case
    if char.isspace():
        return (SPACE, 0), 0, 0
    if char.isdigit():
        return (DIGIT, unicodedata.digit(char, 0)), 0, 0
    if char.isalpha():
        # A letter with an accent Polish does not use (é, ü): its base letter, then the accent.
        decomposed = unicodedata.normalize("NFD", lower)
        base, accents = decomposed[0], decomposed[1:]
        if base in _LETTER_RANK:
            return (LETTER, _LETTER_RANK[base]), len(accents) and ord(accents[0]), case
        return (OTHER_LETTER, ord(lower)), 0, case
    return (PUNCTUATION, _PUNCTUATION_RANK.get(char, len(_PUNCTUATION_RANK) + ord(char))), 0, 0


@functools.lru_cache(maxsize=65536)
def sort_key(text: str) -> tuple:
    weights = [_weights(char) for char in text]
    return (
        tuple(w[0] for w in weights),
        tuple(w[1] for w in weights),
        tuple(w[2] for w in weights),
        text,
    )


def compare(left: str, right: str) -> int:
    a, b = sort_key(left), sort_key(right)
    return (a > b) - (a < b)


def register(sender, connection, **kwargs) -> None:
    """connection_created receiver: give an SQLite connection the collation."""
    if connection.vendor == "sqlite":
        connection.connection.create_collation(NAME, compare)
