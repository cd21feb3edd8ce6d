"""British, American and everyday spellings and words of English brought to one form before stemming.

The content is written by different people for five destinations: Canada and the United States say
"apartment", "license", "program"; Australia, Germany and Norway passages say "flat", "licence",
"programme"; people write either whatever their destination. The stemmer keeps "licenc" and
"licens" apart, so BM25 would miss "driving licence" against "driver's license". Applied to both
the passages and the questions, so the choice of form does not matter. Words whose other senses are
common in these questions (gas, chemist, nursery) are left out on purpose.
"""

from __future__ import annotations

import re

# Roots written -ise in British and -ize in American English (recognise, organisation, realised ...).
_ISE_ROOTS = ("recogn", "organ", "real", "special", "author", "apolog", "critic", "minim", "maxim", "priorit",
              "emphas", "legal", "summar", "hospital", "immun", "final", "util", "memor", "social", "stabil",
              "subsid", "civil", "familiar", "normal", "penal", "standard", "visual", "mobil", "custom", "character",
              "categor", "legitim", "naturali")
_ISE = re.compile(r"^(" + "|".join(_ISE_ROOTS) + r")is(e|ed|es|ing|ation|ations|er|ers)$")
# -our (neighbour, labour) and -re (centre, metre) words, and single words that differ.
_OUR_ROOTS = ("neighbour", "labour", "behaviour", "colour", "favour", "honour", "humour", "rumour")
_WORDS = {
    "licence": "license", "licences": "licenses", "licenced": "licensed",
    "centre": "center", "centres": "centers", "metre": "meter", "metres": "meters", "kilometre": "kilometer",
    "kilometres": "kilometers", "litre": "liter", "litres": "liters", "theatre": "theater", "fibre": "fiber",
    "programme": "program", "programmes": "programs",
    "analyse": "analyze", "analysed": "analyzed", "paediatrician": "pediatrician", "paediatric": "pediatric",
    "defence": "defense", "offence": "offense", "offences": "offenses", "practise": "practice",
    "practised": "practiced", "cheque": "check", "cheques": "checks", "tyre": "tire", "tyres": "tires",
    "aeroplane": "airplane", "mum": "mom", "mums": "moms", "enrolment": "enrollment", "maths": "math",
    "jewellery": "jewelry", "grey": "gray",
    # Same thing, different word: one form for each.
    "flat": "apartment", "flats": "apartments", "cellphone": "mobile", "cell": "mobile", "vacation": "holiday",
    "vacations": "holidays", "cv": "resume", "rubbish": "garbage", "trash": "garbage", "solicitor": "lawyer",
    "attorney": "lawyer", "nappy": "diaper", "nappies": "diapers", "dole": "unemployment",
}


def canonical(word: str) -> str:
    """One spelling for a lower-case English word (British or American, "flat" or "apartment")."""
    if word in _WORDS:
        return _WORDS[word]
    match = _ISE.match(word)
    if match:
        return f"{match.group(1)}iz{match.group(2)}"
    for root in _OUR_ROOTS:
        if word.startswith(root):
            return root[:-2] + "r" + word[len(root):]
    return word
