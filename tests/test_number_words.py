"""Vietnamese reading of whole numbers (workflow.number_words): hand-checked readings, boundaries, errors,
and properties of a few thousand seeded random numbers (vocabulary, mốt/tư/lăm/linh placement, parse back)."""
import random
import re

import pytest

from workflow.number_words import MAX_NUMBER, amount_in_words, number_in_words

# Every expected reading written by hand (northern/official convention: linh, tư, mốt, lăm, nghìn, tỷ).
CASES = [
    # digits and the leading group never reads "không trăm"
    (0, "không"),
    (1, "một"),
    (4, "bốn"),
    (5, "năm"),
    (9, "chín"),
    # mười: 11 một, 14 bốn, only 15 changes to lăm
    (10, "mười"),
    (11, "mười một"),
    (14, "mười bốn"),
    (15, "mười lăm"),
    (19, "mười chín"),
    # mươi: mốt, tư, lăm
    (20, "hai mươi"),
    (21, "hai mươi mốt"),
    (24, "hai mươi tư"),
    (25, "hai mươi lăm"),
    (31, "ba mươi mốt"),
    (44, "bốn mươi tư"),
    (55, "năm mươi lăm"),
    (99, "chín mươi chín"),
    # hundreds, linh before a unit after a zero tens digit (plain một/bốn/năm there)
    (100, "một trăm"),
    (101, "một trăm linh một"),
    (104, "một trăm linh bốn"),
    (105, "một trăm linh năm"),
    (110, "một trăm mười"),
    (111, "một trăm mười một"),
    (114, "một trăm mười bốn"),
    (115, "một trăm mười lăm"),
    (121, "một trăm hai mươi mốt"),
    (205, "hai trăm linh năm"),
    (999, "chín trăm chín mươi chín"),
    # thousands; inner groups read "không trăm"
    (1_000, "một nghìn"),
    (1_001, "một nghìn không trăm linh một"),
    (1_010, "một nghìn không trăm mười"),
    (1_021, "một nghìn không trăm hai mươi mốt"),
    (5_000, "năm nghìn"),
    (10_000, "mười nghìn"),
    (15_000, "mười lăm nghìn"),
    (21_000, "hai mươi mốt nghìn"),
    (100_000, "một trăm nghìn"),
    (105_000, "một trăm linh năm nghìn"),
    # millions
    (1_000_000, "một triệu"),
    (1_005_000, "một triệu không trăm linh năm nghìn"),
    (1_050_000, "một triệu không trăm năm mươi nghìn"),
    (1_300_000, "một triệu ba trăm nghìn"),
    (1_500_000, "một triệu năm trăm nghìn"),
    (2_000_000, "hai triệu"),
    (2_000_015, "hai triệu không trăm mười lăm"),
    (30_000_000, "ba mươi triệu"),
    (123_456_789, "một trăm hai mươi ba triệu bốn trăm năm mươi sáu nghìn bảy trăm tám mươi chín"),
    # billions; empty groups skipped
    (1_000_000_000, "một tỷ"),
    (1_000_000_001, "một tỷ không trăm linh một"),
    (1_000_001_000, "một tỷ không trăm linh một nghìn"),
    (1_001_000_000, "một tỷ không trăm linh một triệu"),
    (25_000_000_000, "hai mươi lăm tỷ"),
    (
        999_999_999_999,
        "chín trăm chín mươi chín tỷ chín trăm chín mươi chín triệu chín trăm chín mươi chín nghìn"
        " chín trăm chín mươi chín",
    ),
    # thousands of billions: "nghìn tỷ"
    (1_000_000_000_000, "một nghìn tỷ"),
    (2_500_000_000_000, "hai nghìn năm trăm tỷ"),
    (1_005_000_000_000, "một nghìn không trăm linh năm tỷ"),
    (1_000_000_000_005, "một nghìn tỷ không trăm linh năm"),
    (21_000_000_000_000, "hai mươi mốt nghìn tỷ"),
    (
        1_234_567_891_011,
        "một nghìn hai trăm ba mươi tư tỷ năm trăm sáu mươi bảy triệu tám trăm chín mươi mốt nghìn"
        " không trăm mười một",
    ),
    (
        999_999_999_999_999,
        "chín trăm chín mươi chín nghìn chín trăm chín mươi chín tỷ chín trăm chín mươi chín triệu"
        " chín trăm chín mươi chín nghìn chín trăm chín mươi chín",
    ),
    (10**15, "một triệu tỷ"),  # a hundred dossiers at the form's cap of 10**13 each
]


@pytest.mark.parametrize(("n", "words"), CASES, ids=[f"{n:_}" for n, _ in CASES])
def test_number_in_words(n, words):
    assert number_in_words(n) == words


@pytest.mark.parametrize(
    ("vnd", "words"),
    [
        (0, "Không đồng"),
        (5, "Năm đồng"),
        (30_000_000, "Ba mươi triệu đồng"),
        (1_500_000, "Một triệu năm trăm nghìn đồng"),
        (1_000_000_000_000, "Một nghìn tỷ đồng"),
    ],
)
def test_amount_in_words(vnd, words):
    assert amount_in_words(vnd) == words


@pytest.mark.parametrize("function", [number_in_words, amount_in_words])
@pytest.mark.parametrize(("value", "error"), [
    (-1, ValueError),
    (10**18, ValueError),
    (MAX_NUMBER + 1, ValueError),
    (True, TypeError),
    (False, TypeError),
    (1.5, TypeError),
    (30_000_000.0, TypeError),
    ("5", TypeError),
    (None, TypeError),
])
def test_rejects(function, value, error):
    with pytest.raises(error, match="out of range|expected an int"):
        function(value)


VOCABULARY = {
    "không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín",
    "mốt", "tư", "lăm", "mười", "mươi", "linh", "trăm", "nghìn", "triệu", "tỷ",
}
DIGIT = {"không": 0, "một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9,
         "mốt": 1, "tư": 4, "lăm": 5}


def _parse(words: str) -> int:
    """An independent reader of the words back into a number."""
    total = below_billion = group = digit = 0
    for word in words.split(" "):
        if word in DIGIT:
            digit = DIGIT[word]
        elif word == "trăm":
            group, digit = group + digit * 100, 0
        elif word == "mươi":
            group, digit = group + digit * 10, 0
        elif word == "mười":
            group += 10
        elif word == "nghìn":
            below_billion, group, digit = below_billion + (group + digit) * 1_000, 0, 0
        elif word == "triệu":
            below_billion, group, digit = below_billion + (group + digit) * 1_000_000, 0, 0
        elif word == "tỷ":
            total, below_billion, group, digit = total + (below_billion + group + digit) * 10**9, 0, 0, 0
    return total + below_billion + group + digit


def _random_numbers(count: int) -> list[int]:
    """Seeded numbers of every length, rich in zero digits so that linh/không trăm/empty groups come up."""
    rng = random.Random(20240917)
    numbers = [rng.randrange(MAX_NUMBER + 1) for _ in range(count // 4)]
    while len(numbers) < count:
        length = rng.randint(1, 15)
        numbers.append(int("".join(rng.choice("00001123456789") for _ in range(length))))
    return numbers


def test_properties_of_random_numbers():
    for n in _random_numbers(4000):
        words = number_in_words(n)
        tokens = words.split(" ")
        assert "  " not in words and words == words.strip(), (n, words)
        assert set(tokens) <= VOCABULARY, (n, words)
        # mốt and tư only right after "mươi"; lăm only after mười/mươi; linh only after trăm and before a digit
        for i, token in enumerate(tokens):
            before = tokens[i - 1] if i else ""
            if token in ("mốt", "tư"):
                assert before == "mươi", (n, words)
            if token == "lăm":
                assert before in ("mười", "mươi"), (n, words)
            if token == "linh":
                assert before == "trăm" and tokens[i + 1] in DIGIT, (n, words)
        # where mốt/lăm belongs, the plain digit never appears
        assert not re.search(r"\bmươi (một|năm)\b", words), (n, words)
        assert not re.search(r"\bmười năm\b", words), (n, words)
        assert not re.search(r"\bmươi bốn\b", words), (n, words)
        # the leading group never reads "không trăm"; nothing is read for a zero digit alone except 0
        assert tokens[0] != "không" or n == 0, (n, words)
        # the words mean the number
        assert _parse(words) == n, (n, words)
        assert amount_in_words(n) == words[0].upper() + words[1:] + " đồng"
