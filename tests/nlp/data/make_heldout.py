# ruff: noqa: E501  (a data file: long utterances stay on one line)
"""Writes demographics-heldout.jsonl: synthetic people, phrasings unlike the dev corpus.

Run from the repository root: ``python tests/nlp/data/make_heldout.py``. The
number words are rendered here by hand-written helpers (not ``nlp.speech``) so
the held-out set does not share code with the grammar it tests. NHS numbers are
valid Modulus 11 in the 9xx (never issued) range; phone numbers are Ofcom
drama numbers.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

U = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
T = [
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
ORD = [
    "_",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
]
MONTHS = [
    "_",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
NATO = {
    "A": "alpha",
    "B": "bravo",
    "C": "charlie",
    "D": "delta",
    "E": "echo",
    "F": "foxtrot",
    "G": "golf",
    "H": "hotel",
    "J": "juliet",
    "L": "lima",
    "M": "mike",
    "N": "november",
    "P": "papa",
    "Q": "quebec",
    "R": "romeo",
    "S": "sierra",
    "T": "tango",
    "U": "uniform",
    "W": "whiskey",
    "X": "x ray",
    "Y": "yankee",
    "Z": "zulu",
    "K": "kilo",
    "O": "oscar",
    "V": "victor",
    "I": "india",
}


def two(n: int) -> str:
    if n < 10:
        return U[n]
    if n < 20:
        return T[n - 10]
    return TENS[n // 10] + ("" if n % 10 == 0 else " " + U[n % 10])


def nth(n: int) -> str:
    if n <= 20:
        return ORD[n]
    return TENS[n // 10] + ("" if n % 10 == 0 else " " + ORD[n % 10]) if n % 10 else ("thirtieth")


def year(y: int, r: random.Random) -> str:
    if y < 2000:
        return f"nineteen {two(y - 1900) if y - 1900 >= 10 else 'oh ' + U[y - 1900]}"
    if r.random() < 0.5 or y < 2010:
        return "two thousand" + ("" if y == 2000 else " and " + two(y - 2000))
    return "twenty " + two(y - 2000)


def dob(d: tuple[int, int, int], style: int, r: random.Random) -> str:
    y, m, day = d
    match style:
        case 0:
            return f"the {nth(day)} of {MONTHS[m]} {year(y, r)}"
        case 1:
            return f"{MONTHS[m]} {nth(day)} {year(y, r)}"
        case 2:
            z = r.choice(["oh", "zero"])
            dd = f"{z} {U[day]}" if day < 10 else two(day)
            mm = f"{z} {U[m]}" if m < 10 else two(m)
            yy = f"{z} {U[y % 100]}" if y % 100 < 10 else two(y % 100)
            return f"{dd} {mm} {yy}"
        case 3:
            return f"{day}/{m:02d}/{y}"
        case 4:
            return f"{nth(day)} {MONTHS[m]} {y}"
        case _:
            return f"{MONTHS[m]} the {nth(day)} {year(y, r)}"


def digits(s: str, r: random.Random, *, doubles: bool = True) -> str:
    out = []
    i = 0
    while i < len(s):
        d = s[i]
        if doubles and i + 1 < len(s) and s[i + 1] == d and r.random() < 0.7:
            word = r.choice(["oh", "zero"]) if d == "0" else U[int(d)]
            out.append("double " + word)
            i += 2
            continue
        out.append(r.choice(["oh", "zero"]) if d == "0" else U[int(d)])
        i += 1
    return " ".join(out)


def postcode(pc: str, style: str) -> str:
    out, inn = pc.split()
    first_digit = next(k for k, c in enumerate(out) if c.isdigit())
    letters = list(out[:first_digit])
    nums = "".join(c for c in out if c.isdigit())
    tail = [c for c in out[out.index(nums[0]) + len(nums) :]]
    if style == "nato":
        return " ".join(
            [NATO[c] for c in letters]
            + [U[int(c)] for c in nums]
            + [NATO[c] for c in tail]
            + [U[int(inn[0])]]
            + [NATO[c] for c in inn[1:]]
        )
    if style == "written":
        return pc.lower()
    num = (
        two(int(nums))
        if style == "numbers" and len(nums) == 2
        else " ".join(U[int(c)] for c in nums)
    )
    return " ".join(
        [c.lower() for c in letters]
        + [num]
        + [c.lower() for c in tail]
        + [U[int(inn[0])]]
        + [c.lower() for c in inn[1:]]
    )


def nhs(r: random.Random) -> str:
    while True:
        first = "9" + "".join(r.choice("0123456789") for _ in range(8))
        total = sum(int(c) * w for c, w in zip(first, range(10, 1, -1), strict=True))
        check = 11 - total % 11
        if check == 11:
            check = 0
        if check != 10:
            return first + str(check)


def phone(r: random.Random) -> tuple[str, str]:
    kind = r.randrange(4)
    if kind == 0:
        national = f"07700900{r.randrange(1000):03d}"
    elif kind == 1:
        national = f"01632960{r.randrange(1000):03d}"
    elif kind == 2:
        national = f"0207946{r.randrange(10000):04d}"
    else:
        national = f"0{r.choice(['113', '117', '121', '131', '161'])}496{r.randrange(10000):04d}"
    return national, "+44" + national[1:]


PEOPLE = [
    ("oluwaseun", "adeyemi"),
    ("niamh", "o'sullivan"),
    ("bartosz", "kowalczyk"),
    ("aaliyah", "begum"),
    ("callum", "mckenzie"),
    ("rhiannon", "price"),
    ("tariq", "mahmood"),
    ("ewa", "zielinska"),
    ("hamish", "grant"),
    ("chidi", "okeke"),
    ("freya", "lindgren"),
    ("mei", "lin"),
    ("arjun", "reddy"),
    ("lorcan", "byrne"),
    ("isla", "robertson"),
    ("yasmin", "haddad"),
    ("joao", "pereira"),
    ("imogen", "fairweather"),
    ("dev", "chauhan"),
    ("carys", "lloyd"),
    ("seamus", "doherty"),
    ("anika", "bose"),
    ("kieran", "walsh"),
    ("leon", "fischer"),
    ("agnieszka", "nowicka"),
    ("ruairi", "quinn"),
    ("zainab", "hussein"),
    ("elliot", "marsh"),
    ("bethan", "pritchard"),
    ("kenji", "tanaka"),
]
POSTCODES = [
    "LS6 2QT",
    "B15 2TT",
    "EH3 9DR",
    "CF10 3AT",
    "M14 6HR",
    "G12 8QQ",
    "BT9 5AA",
    "NE1 4LP",
    "BS8 1TH",
    "PL4 8AA",
    "AB24 3FX",
    "SW1A 2AA",
    "EC2M 7PY",
    "YO10 5DD",
    "CB2 1TN",
    "OX1 3PW",
    "LL57 2DG",
    "IV2 3UJ",
    "TR1 3LJ",
    "DN31 1HU",
    "W1T 4JE",
    "KY16 9AJ",
    "SA2 8PP",
    "NR4 7TJ",
    "L3 5TR",
    "S10 2TN",
    "DE22 1GB",
    "HU6 7RX",
]

FRAMES = [
    "good evening i'm ringing about my mother her name is {g} {f} she was born on {dob} and she lives at {pc}",
    "yes it's {g} {f} here d o b {dob} post code {pc}",
    "the patient is {g} {f} date of birth {dob} nhs {nhs}",
    "hiya um my name's {g} {f} and er my birthday is {dob} my postcode's {pc}",
    "my first name is {g} and my surname is {f} date of birth {dob}",
    "surname {f} first name {g} born {dob} postcode {pc} mobile {phone}",
    "calling for my son {g} {f} he was born on {dob} his nhs number is {nhs}",
    "i'm {g} {f} born {dob} the best number to reach me on is {phone}",
    "name {g} {f} dob {dob} post code {pc}",
    "hello there this is {g} {f} i was born in {year} on the {day} of {month} and i live at {pc}",
    "{g} {f} date of birth {dob} my phone number is {phone}",
    "my name is {g} {f} my mobile number is {phone} and my nhs number is {nhs}",
    "i'm phoning on behalf of my dad {g} {f} who was born {dob} his postcode is {pc}",
    "my nhs number is {nhs} and my name is {g} {f}",
    "right my name is {g} {f} i was born {dob} the postcode is {pc} and you can get me on {phone}",
    "it's for my daughter her name's {g} {f} date of birth {dob} and we live at {pc}",
    "um hello yes my name is {g} {f} er date of birth is {dob} er postcode {pc} nhs number is {nhs} and my contact number is {phone}",
    "my wife {g} {f} date of birth {dob} she's not well",
    "i am {g} {f} i was born {dob} my address postcode is {pc}",
    "hello i'm calling about my neighbour she's called {g} {f} she was born {dob}",
]
CORRECTION_FRAMES = [
    ("it's {g} {f} my date of birth is {dob_wrong} no sorry {dob}", "dob"),
    ("my name is {g} {f} postcode {pc_wrong} sorry i mean {pc}", "pc"),
    ("this is {g} {f} you can call me back on {phone_wrong} sorry {phone}", "phone"),
    ("{g} {f} date of birth {dob} nhs number {nhs_wrong} no sorry let me start again {nhs}", "nhs"),
]


# Written by hand: phrasings the frames above do not cover.
HAND = [
    (
        "hi yeah it's for my nan really she's called doreen fletcher born twenty second of december nineteen thirty one postcode is d y one three nine q w",
        {
            "given_name": "Doreen",
            "family_name": "Fletcher",
            "date_of_birth": "1931-12-22",
            "postcode": "DY13 9QW",
        },
    ),
    (
        "my name's patrick o'neill that's o apostrophe n e i double l and i was born on the first of april nineteen fifty",
        {"given_name": "Patrick", "family_name": "O'Neill", "date_of_birth": "1950-04-01"},
    ),
    (
        "erm i'm calling for my husband his name is raymond de souza date of birth fourteenth of february nineteen forty six nhs number nine one two three four five six seven eight seven",
        {
            "given_name": "Raymond",
            "family_name": "De Souza",
            "date_of_birth": "1946-02-14",
            "nhs_number": "9123456787",
        },
    ),
    (
        "my date of birth is nineteen oh eight nineteen ninety my postcode is n w three two q g",
        {"date_of_birth": "1990-08-19", "postcode": "NW3 2QG"},
    ),
    (
        "my name is ahmed ali and my mobile is oh seven seven double oh nine hundred four five six",
        {"given_name": "Ahmed", "family_name": "Ali", "callback_number": "+447700900456"},
    ),
    (
        "this is nurse kelly from the care home calling about a resident mr arthur banks born 2nd of june 1929",
        {"given_name": "Arthur", "family_name": "Banks", "date_of_birth": "1929-06-02"},
    ),
    (
        "surname is van dijk first name is pieter",
        {"given_name": "Pieter", "family_name": "Van Dijk"},
    ),
    (
        "yeah so the nhs number is nine eight seven six five oh four three two oh and the date of birth is the twenty ninth of february two thousand",
        {"nhs_number": "9876504320", "date_of_birth": "2000-02-29"},
    ),
    (
        "hi i'm ringing for myself my name is bronwen hughes my number is oh one six three two nine six oh one two three",
        {"given_name": "Bronwen", "family_name": "Hughes", "callback_number": "+441632960123"},
    ),
    (
        "my date of birth is the thirtieth of september nineteen eighty and the post code is g four oh b a",
        {"date_of_birth": "1980-09-30", "postcode": "G4 0BA"},
    ),
    (
        "the number to call back is zero two zero seven nine four six zero nine eight seven",
        {"callback_number": "+442079460987"},
    ),
    (
        "my name is connor mcgregor and my postcode is g forty one two b e",
        {"given_name": "Connor", "family_name": "McGregor", "postcode": "G41 2BE"},
    ),
    (
        "postcode n eight seven a b my name is wendy fox",
        {"given_name": "Wendy", "family_name": "Fox", "postcode": "N8 7AB"},
    ),
    (
        "my name is sam taylor my date of birth is one two oh three eighty five",
        {"given_name": "Sam", "family_name": "Taylor", "date_of_birth": "1985-03-12"},
    ),
    (
        "i'm ringing about my little boy jack he's two born on the fifth of may twenty twenty three",
        {"given_name": "Jack", "date_of_birth": "2023-05-05"},
    ),
    (
        "can you call me back on plus four four seven seven double oh nine double oh seven eight nine",
        {"callback_number": "+447700900789"},
    ),
    (
        "my name is dr helen ward w a r d postcode b t seven one n n",
        {"given_name": "Helen", "family_name": "Ward", "postcode": "BT7 1NN"},
    ),
    (
        "i was born on christmas day nineteen sixty and my name is noel baxter",
        {"given_name": "Noel", "family_name": "Baxter", "date_of_birth": "1960-12-25"},
    ),
    (
        "it's vera lynch date of birth the ninth no the tenth of october nineteen thirty four",
        {"given_name": "Vera", "family_name": "Lynch", "date_of_birth": "1934-10-10"},
    ),
    (
        "my nhs number is nine five five five one two three four oh three my name is gwen morgan and my postcode is c f eleven nine l j",
        {
            "nhs_number": "9555123403",
            "given_name": "Gwen",
            "family_name": "Morgan",
            "postcode": "CF11 9LJ",
        },
    ),
    (
        "name's tom hardy date of birth oh one oh one two thousand and one nhs number nine double oh one one double two three three seven",
        {
            "given_name": "Tom",
            "family_name": "Hardy",
            "date_of_birth": "2001-01-01",
            "nhs_number": "9001122337",
        },
    ),
    (
        "hello my son's name is oscar bell he was born on the sixth of march twenty nineteen and we're at s e twenty three one r t",
        {
            "given_name": "Oscar",
            "family_name": "Bell",
            "date_of_birth": "2019-03-06",
            "postcode": "SE23 1RT",
        },
    ),
    (
        "i live at m twenty one nine e y my name is precious moyo and i was born on the 17th of august 1977",
        {
            "given_name": "Precious",
            "family_name": "Moyo",
            "date_of_birth": "1977-08-17",
            "postcode": "M21 9EY",
        },
    ),
    (
        "my name is jon no sorry john pike and my number is oh one one three four nine six oh two two two",
        {"given_name": "John", "family_name": "Pike", "callback_number": "+441134960222"},
    ),
    (
        "dob 14/07/1966 nhs 966 007 7114 postcode ox4 1ab name is karen holt",
        {
            "date_of_birth": "1966-07-14",
            "nhs_number": "9660077114",
            "postcode": "OX4 1AB",
            "given_name": "Karen",
            "family_name": "Holt",
        },
    ),
    (
        "this is alfie king speaking my postcode is sierra kilo one four two bravo yankee",
        {"given_name": "Alfie", "family_name": "King", "postcode": "SK14 2BY"},
    ),
    (
        "ok my postcode is e one four nine g y and the patient's name is maria santos",
        {"postcode": "E14 9GY", "given_name": "Maria", "family_name": "Santos"},
    ),
    (
        "hello it's about my grandad his name is wilfred pearson and his date of birth is the eleventh of november nineteen twenty eight his nhs number is nine two one two one two one two one seven",
        {
            "given_name": "Wilfred",
            "family_name": "Pearson",
            "date_of_birth": "1928-11-11",
            "nhs_number": "9212121217",
        },
    ),
    (
        "my name is lucy hale born nineteen ninety nine on the third of june ring me on oh one two one four nine six oh five five five",
        {
            "given_name": "Lucy",
            "family_name": "Hale",
            "date_of_birth": "1999-06-03",
            "callback_number": "+441214960555",
        },
    ),
    (
        "i'm rosa diaz and my nhs number is nine seven seven three double oh oh four five one",
        {"given_name": "Rosa", "family_name": "Diaz", "nhs_number": "9773000451"},
    ),
]


def main() -> None:
    r = random.Random(20250601)
    lines = []
    people = PEOPLE * 3
    r.shuffle(people)
    for k, (g, f) in enumerate(people[:70]):
        frame_correction = k % 7 == 6
        if frame_correction:
            frame = CORRECTION_FRAMES[(k // 7) % len(CORRECTION_FRAMES)][0]
        else:
            frame = FRAMES[k % len(FRAMES)]
        y = r.randint(1932, 2023)
        d = (y, r.randint(1, 12), r.randint(1, 28))
        pc = r.choice(POSTCODES)
        num = nhs(r)
        national, e164 = phone(r)
        style = r.randrange(6)
        values = {
            "g": g,
            "f": f,
            "dob": dob(d, style, r),
            "pc": postcode(pc, r.choice(["letters", "numbers", "nato", "written", "letters"])),
            "nhs": digits(num, r, doubles=r.random() < 0.5),
            "phone": digits(national, r),
            "year": year(y, r),
            "day": nth(d[2]),
            "month": MONTHS[d[1]],
        }
        wrong_d = (d[0], d[1], d[2] % 28 + 1)
        values["dob_wrong"] = dob(wrong_d, style, r)
        values["pc_wrong"] = postcode(r.choice([p for p in POSTCODES if p != pc]), "letters")
        values["phone_wrong"] = digits(national[:-1] + str((int(national[-1]) + 1) % 10), r)
        values["nhs_wrong"] = digits(num[:-1] + str((int(num[-1]) + 1) % 10), r)
        text = frame.format(**values)
        gold = {"given_name": g.capitalize(), "family_name": f}
        gold["family_name"] = "-".join(
            p.capitalize() if not p.startswith("mc") else "Mc" + p[2:].capitalize()
            for p in f.split("-")
        ).replace("O's", "O'S")
        if "'" in f:
            a, b = f.split("'")
            gold["family_name"] = a.capitalize() + "'" + b.capitalize()
        if "{dob}" in frame or "{day}" in frame:
            gold["date_of_birth"] = f"{d[0]:04d}-{d[1]:02d}-{d[2]:02d}"
        if "{pc}" in frame:
            gold["postcode"] = pc
        if "{nhs}" in frame:
            gold["nhs_number"] = num
        if "{phone}" in frame:
            gold["callback_number"] = e164
        lines.append({"text": text, "gold": gold})
    for text, gold in HAND:
        lines.append({"text": text, "gold": gold})
    out = Path(__file__).with_name("demographics-heldout.jsonl")
    out.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    print(f"wrote {len(lines)} lines to {out}")


if __name__ == "__main__":
    main()
