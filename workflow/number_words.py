"""Whole numbers read out in Vietnamese words, as official documents and accounting print amounts.

Decisions, vouchers and union accounting papers repeat every amount in words, e.g.
"30.000.000 đồng (Bằng chữ: Ba mươi triệu đồng)", so that a figure cannot be altered or misread.
`number_in_words` gives the lower-case reading ("ba mươi triệu"), `amount_in_words` the sentence
for an amount in đồng ("Ba mươi triệu đồng").

Spoken Vietnamese has variants; this module follows the northern, official convention used in
accounting documents (see e.g. en.wikipedia.org/wiki/Vietnamese_numerals, which gives
"một trăm linh một" as the standard form of 101, "mốt" for a final 1 and "tư" for a final 4
after twenty, "lăm" for a final 5; vietnamese.nil.seattle.wa.us/numbers names "linh" northern
and "lẻ" southern):

- "nghìn" (not the southern "ngàn"), "tỷ" (not "tỉ"), "linh" (not "lẻ"), always "mươi" (never
  the shortened "hai mốt");
- after "mươi" (tens digit 2..9) a final 1 reads "mốt", 4 reads "tư", 5 reads "lăm":
  21 "hai mươi mốt", 24 "hai mươi tư", 25 "hai mươi lăm";
- after "mười" (tens digit 1) only 5 changes: 11 "mười một", 14 "mười bốn", 15 "mười lăm";
- a zero tens digit before a non-zero unit reads "linh", and the unit keeps its plain form:
  101 "một trăm linh một", 104 "một trăm linh bốn", 105 "một trăm linh năm";
- numbers are read in groups of three digits named nghìn, triệu, tỷ; above a thousand billion
  the count of billions is itself read and followed by "tỷ": 10**12 "một nghìn tỷ",
  2_500_000_000_000 "hai nghìn năm trăm tỷ";
- a group after the first one whose hundreds digit is zero still reads "không trăm" so that no
  digit is silently dropped: 1_005_000 "một triệu không trăm linh năm nghìn",
  2_000_015 "hai triệu không trăm mười lăm"; the first group never does (5_000 "năm nghìn");
- a group of three zeros is skipped entirely: 1_000_000_001 "một tỷ không trăm linh một".

Valid for 0 <= n < 10**18 (a thousand million billion: far beyond any sum of a decision's amounts, which a
form caps at 10**13 each); no other dependency than the standard library.
"""

MAX_NUMBER = 10**18 - 1

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_BILLION = 1_000_000_000


def _check(n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"expected an int, got {type(n).__name__}: {n!r}")
    if not 0 <= n <= MAX_NUMBER:
        raise ValueError(f"{n} is out of range: only 0 to {MAX_NUMBER:_} can be read in words")
    return int(n)


def _group(value: int, first: bool) -> list[str]:
    """Words of one group of three digits (1..999); `first` if it is the leading group of the number."""
    hundreds, tens, units = value // 100, value // 10 % 10, value % 10
    words: list[str] = []
    if hundreds or not first:
        words += [DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            words += ["linh", DIGITS[units]] if words else [DIGITS[units]]
    elif tens == 1:
        words.append("mười")
        if units:
            words.append("lăm" if units == 5 else DIGITS[units])
    else:
        words += [DIGITS[tens], "mươi"]
        if units:
            words.append({1: "mốt", 4: "tư", 5: "lăm"}.get(units, DIGITS[units]))
    return words


def _below_billion(n: int, first: bool) -> list[str]:
    """Words of 0 <= n < 10**9 in groups triệu, nghìn, units; `first` if nothing is read before it."""
    words: list[str] = []
    for scale, name in ((1_000_000, "triệu"), (1_000, "nghìn"), (1, "")):
        value = n // scale % 1000
        if value:
            words += _group(value, first and not words)
            if name:
                words.append(name)
    return words


def number_in_words(n: int) -> str:
    """The lower-case Vietnamese reading of 0 <= n <= MAX_NUMBER, e.g. 30_000_000 -> "ba mươi triệu".

    TypeError for a bool or anything not an int, ValueError outside the range."""
    n = _check(n)
    if n == 0:
        return DIGITS[0]
    words: list[str] = []
    billions, rest = divmod(n, _BILLION)
    if billions:  # < 10**9: read like any number, then "tỷ" ("một nghìn tỷ", "một triệu tỷ")
        words += _below_billion(billions, first=True) + ["tỷ"]
    words += _below_billion(rest, first=not words)
    return " ".join(words)


def amount_in_words(vnd: int) -> str:
    """An amount in đồng as printed after "Bằng chữ:", e.g. 30_000_000 -> "Ba mươi triệu đồng", 0 -> "Không đồng"."""
    words = number_in_words(vnd)
    return f"{words[0].upper()}{words[1:]} đồng"
