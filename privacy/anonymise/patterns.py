"""The anonymiser's regular expressions, built once at import from the word lists in `words/`."""

from __future__ import annotations

import re

from privacy.anonymise.wordlists import alternation

# The vocabularies (month names, ID words, street words ...) live in words/*.txt; how they
# combine with digits, punctuation and each other stays here.

# --------------------------------------------------------------------------------------------
# Structured patterns (run on the text with ASCII digits)

EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]{1,64}(?:@|\s?\(at\)\s?|\s?\[at\]\s?)[\w-]{1,63}(?:\.[\w-]{1,63}){0,5}\.[a-z]{2,24}\b", re.IGNORECASE
)
HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z][A-Za-z0-9_]{2,31}\b|\b(?:https?://)?t\.me/[A-Za-z0-9_]{3,32}\b")
# "my telegram is fatima_noori": a user name without the @, after a word that announces one.
HANDLE_AFTER_WORD = re.compile(
    rf"(?<!\w)(?:{alternation('handle_words')})(?:\s+(?:is|est|c'est|ist|هو|هست|است|це|my|mon|mein|من|мій)){{0,2}}\s*:?\s*"
    r"(?P<handle>(?=[A-Za-z0-9_]*[_\d])[A-Za-z][A-Za-z0-9_]{4,31})(?![\w@.])",
    re.IGNORECASE,
)
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]{4}){2,7}(?:[ -]?[A-Z0-9]{1,4})?\b", re.IGNORECASE)

_MONTHS = alternation("months")
_DATE = (
    r"(?:\d{1,2}\s?[./\-]\s?\d{1,2}\s?[./\-]\s?(?:\d{4}|\d{2})(?!\d)"
    r"|\d{4}\s?[./\-]\s?\d{1,2}\s?[./\-]\s?\d{1,2}(?!\d)"
    rf"|\d{{1,2}}(?:st|nd|rd|th|er|e)?\s+(?:of\s+)?(?:{_MONTHS})\.?,?\s+\d{{4}}"
    rf"|(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})"
)
_BIRTH_WORDS = alternation("birth_words")
DOB = re.compile(
    rf"(?<!\w)(?:{_BIRTH_WORDS})(?:\s*[:\-–=,]?\s*(?:on|the|le|in|am|den|is|was|:|في|در|في\s+تاريخ|بتاريخ|من|هو|هي|است|-)?)*"
    # up to two more words: "تاریخ تولد دخترم ...", "date of birth of my son ..."
    rf"(?:\s*[^\W\d_]+(?:['’][^\W\d_]+)?){{0,3}}\s*[:\-–]?\s*(?P<date>{_DATE})",
    re.IGNORECASE,
)
FULL_DATE = re.compile(rf"(?<![\d.])(?:{_DATE})", re.IGNORECASE)
# Dates, times, amounts and the like that must stay (and must not be read as phone numbers).
KEEP_NUMBERS = re.compile(
    rf"(?<![\d.])(?:{_DATE})"
    r"|\b\d{1,2}\s?(?::|h|\.)\s?\d{2}\s?(?:am|pm|h|uhr)?\b"
    r"|\b(?:19|20)\d{2}\s?[-–/]\s?(?:19|20)?\d{2}\b"
    r"|[$€£¥₴₹]\s?\d[\d.,\s]{0,20}\d|[$€£¥₴₹]\s?\d"
    # An amount never starts inside a longer number ("+962 79 555 0142 £..." is a phone, then a sign).
    rf"|(?<!\+)(?<!\d\s)\b\d[\d.,\s]{{0,20}}\d\s?(?:{alternation('currencies')})(?!\w)"
    r"|\b\d+\s?%",
    re.IGNORECASE,
)

_ID_WORDS = alternation("id_words")
# Punctuation between the words is matched apart, so that no two ways of reading it compete.
_ID_FILLER = alternation("id_fillers")
_ID_TOKEN = (
    r"(?-i:(?:[A-ZА-ЯЄІЇҐ]{1,5}-?|[A-ZА-ЯЄІЇҐ]{1,2}\s)?)\d(?:[A-Za-z0-9]|[-/.](?=[A-Za-z0-9]))*(?:\s\d{2,}){0,3}"
)
ID = re.compile(
    rf"(?<!\w)(?:{_ID_WORDS})(?!\w)(?:[\s:#=.,()\-–]*(?:{_ID_FILLER})(?!\w))*[\s:#=.,()\-–]*(?P<id>{_ID_TOKEN})(?![\w@])",
    re.IGNORECASE,
)
# Shapes that are document numbers wherever they stand: passports (N1234567, FE123456),
# UNHCR registration numbers (123-00012345, 123-21C12345), US A-numbers (A123456789).
ID_SHAPE = re.compile(
    r"(?<![\w/-])(?:[A-Z]{1,3}\d{6,9}|\d{3}-\d{2}[A-Z]?\d{5,8}|\d{3}-\d{8}"
    r"|[A-Z]{1,5}(?:-[A-Z0-9]{1,10}){1,4}(?<=\d))(?![\w/-])"
)

# Reference numbers that mix letters, digits and slashes (LTR-88/2025/117, IRCC/2024/5521): a slash, a
# letter and four digits or more, so dates (25/12/2025), fractions, "40/h" and words with slashes stay.
SLASHED_REF = re.compile(
    r"(?<![\w/-])(?=[A-Za-z0-9/-]*[A-Za-z])(?=[A-Za-z0-9/-]*\d\d)[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*"
    r"(?:/[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*)+(?![\w/-])"
)
# Personal numbers glued to letters ("a+962795550142b", "callme0797555014now"): word boundaries fail there.
GLUED_NUMBER = re.compile(r"(?<=[^\W\d_])(?:\+|00)?\d{7,15}|(?:\+|00)?\d{7,15}(?=[^\W\d_])")

NUMBER = re.compile(r"(?<![\w/])(?<![A-Za-z]-)(?:\+|00)?\(?\d(?:[\d().\-]|[ \u00a0](?=[\d(]))*\d\)?(?![\w/])")
THOUSANDS = re.compile(r"^\d{1,3}(?:[,.\s]\d{3})+$")
# A phone word at most three words before the number ("call me on", "رقمي هو").
PHONE_WORDS = re.compile(
    rf"(?:{alternation('phone_words')})\W{{0,4}}(?:\w+\W{{1,3}}){{0,3}}$",
    re.IGNORECASE,
)
ID_BEFORE = re.compile(rf"(?<!\w)(?:{_ID_WORDS})(?!\w)(?:[\s:#=.,()\-–]*(?:{_ID_FILLER})(?!\w))*[\s:#=.,()\-–]*$", re.IGNORECASE)
URL = re.compile(r"\b(?:https?://|www\.)\S+|\b[\w-]{1,63}(?:\.[\w-]{1,63}){0,5}\.(?:com|org|net|gov|int|de|no|ca|au|us|fr|ua|edu|info)(?:/\S*)?", re.IGNORECASE)

# --------------------------------------------------------------------------------------------
# Addresses

_UNIT = r"(?:apt|apartment|appt|appartement|unit|suite|flat|#)\.?\s*\d{1,5}[A-Za-z]?"
_EN_STREET_TYPES = alternation("street_types_en")
_EN_STREET_CAPITAL_TYPES = alternation("street_types_en_capital")
_STREET_NAME_WORD = r"(?!(?:and|or|in|at|on|to|for|with|near|from|is|are|but|so|et|à|a|pour|dans|avec|chez|près|pres|mais|est|je|depuis|ou|since)\b)[^\W\d_][\w'’.\-]*"
_FR_STREET = rf"(?:{alternation('street_words_fr')})"
_DE_NO_SUFFIX = rf"(?:{alternation('street_suffixes_de_no')})"
_DE_NO_STREET_WORD = alternation("street_words_de_no")
_CAMP_PART = rf"(?:{alternation('camp_words')})"
_CAMP_COMPONENT = rf"{_CAMP_PART}\s*(?:no\.?|nr\.?|n°|number|#|رقم|شماره|№)?\s*\d{{1,5}}[A-Za-zА-Яа-я]?"
_CAMP_SINGLE = rf"(?:{alternation('camp_words_single')})"
_ARAB_CYR_STREET = rf"(?:{alternation('street_words_arabic_cyrillic')})"
_NON_STOP_WORD = (
    r"(?!(?:من|في|و|منذ|عند|مع|على|الى|إلى|از|در|به|که|و|та|і|й|в|у|з|на|біля|коло)(?![^\W\d_]))[^\W\d_][^\s\d,،.]*"
)
ADDRESS = re.compile(
    "|".join(
        [
            # 12 rue de la Paix ; 3 bis, avenue Victor Hugo
            rf"(?<!\w)\d{{1,4}}\s?(?:bis|ter)?,?\s+{_FR_STREET}(?:\s+(?:de|du|des|la|le|les)\b|\s+[ldLD]['’]|\s+{_STREET_NAME_WORD}){{1,5}}",
            # 45 Queen Street ; Apt 4B, 55 King St W ; 5/12 Smith St
            rf"(?<!\w)(?:{_UNIT}\s*[,\-]?\s*)?\d{{1,5}}[A-Za-z]?(?:[/\-]\d{{1,5}}[A-Za-z]?)?,?\s+(?:{_STREET_NAME_WORD}\s+){{1,3}}(?:{_EN_STREET_TYPES})\b\.?(?:\s+(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West)\b)?(?:,?\s*{_UNIT})?",
            rf"(?<!\w)(?:{_UNIT}\s*[,\-]?\s*)?\d{{1,5}}[A-Za-z]?(?:[/\-]\d{{1,5}}[A-Za-z]?)?,?\s+(?-i:[A-Z][\w'’.\-]*\s+){{1,3}}(?-i:{_EN_STREET_CAPITAL_TYPES})\b\.?(?:,?\s*{_UNIT})?",
            # Musterstraße 5 ; Storgata 12 ; Karl Johans gate 5 ; Berliner Str. 12a
            rf"(?<!\w)(?-i:[A-ZÄÖÜÆØÅ][\wäöüßæøå\-]*\s+){{0,2}}[\wäöüßæøå\-]{{2,}}{_DE_NO_SUFFIX}\s*\d{{1,4}}\s?[a-zA-Z]?(?!\w)",
            rf"(?<!\w)(?-i:[A-ZÄÖÜÆØÅ][\wäöüßæøå\-]*\s+){{1,2}}(?-i:{_DE_NO_STREET_WORD})\s+\d{{1,4}}\s?[a-zA-Z]?(?!\w)",
            # شارع الملك حسين بناية 12 ; خیابان ولیعصر کوچه 5 پلاک 12 ; вул. Шевченка, 12, кв. 5
            rf"(?<!\w){_ARAB_CYR_STREET}\s*(?:{_NON_STOP_WORD}\s*,?\s*){{0,4}}(?:رقم\s*|پلاک\s*|№\s*|буд\.?\s*|будинок\s*)?\d{{1,5}}[A-Za-zА-Яа-я]?(?:\s*[,،\-]?\s*{_CAMP_COMPONENT})*",
            # Block 4, Tent 12 ; District 5 Street 10 ; بلوك ٤ خيمة ١٢ ; Caravan 233
            rf"(?<!\w){_CAMP_COMPONENT}(?:\s*[,،/\-]?\s*{_CAMP_COMPONENT})+",
            rf"(?<!\w){_CAMP_SINGLE}\s*(?:no\.?|nr\.?|n°|number|#|رقم|شماره|№)?\s*\d{{1,5}}[A-Za-zА-Яа-я]?(?!\w)",
            # P.O. Box 123
            r"(?<!\w)(?:p\.?\s?o\.?\s?box|post\s+office\s+box|postfach|boîte\s+postale|b\.?p\.|ص\.?\s?ب\.?|صندوق\s+بريد|صندوق\s+پستی|а/с)\s*\.?\s*\d{1,6}",
        ]
    ),
    re.IGNORECASE,
)

# --------------------------------------------------------------------------------------------
# Words that introduce a name

STRONG_TRIGGERS = re.compile(rf"(?<!\w)(?:{alternation('name_triggers')})", re.IGNORECASE)
TITLE_TRIGGERS = re.compile(rf"(?<!\w)(?:{alternation('titles')})(?!\w)\.?", re.IGNORECASE)
# A relation word, in each language after its possessives ("my", "mon", "mein", "мій" ...).
RELATION_TRIGGERS = re.compile(
    r"(?<!\w)(?:"
    rf"(?:my|our)\s+(?:{alternation('relations_en')})(?:[\s-]in[\s-]law)?"
    r"(?:\s*,|\s+(?:is\s+)?(?:called|named)|\s+is|'s)?|"
    rf"(?:{alternation('sign_offs_en')})\s*,?|"
    rf"(?:mon|ma|notre)\s+(?:{alternation('relations_fr')})(?:\s*,|\s+(?:nommée?|appelée?|qui\s+s['’]appelle))?|"
    rf"(?:{alternation('sign_offs_fr')})\s*,?|"
    rf"(?:mein|meine)\s+(?:{alternation('relations_de')})|"
    rf"و?(?:{alternation('relations_ar')})|"
    rf"و?(?:{alternation('relations_fa')})|"
    rf"(?:мій|моя|мого|моєї|моєму|моїй|моїм|моєю|наш|наша)\s+(?:{alternation('relations_uk')})|"
    rf"{alternation('sign_offs_uk')}"
    r")",
    re.IGNORECASE,
)
# The title pattern on one word alone: is this token a title?
TITLE_WORD = re.compile(TITLE_TRIGGERS.pattern.replace("(?<!\\w)", "^", 1) + "$", re.IGNORECASE)
# "His name is", "اسمه", "اسمش": also said of things ("a loan called ..."), so the word after
# must look like a name.
THIRD_PERSON_TRIGGERS = re.compile(rf"(?<!\w)(?:{alternation('name_triggers_third_person')})", re.IGNORECASE)
INTRO_TRIGGERS = re.compile(rf"(?<!\w)(?:{alternation('introductions')})(?!\w)", re.IGNORECASE)

# Ukrainian and Russian surnames by their endings (Шевченко, Ковальчук, Петрівна).
CYRILLIC_SURNAME = re.compile(rf"(?:{alternation('surname_endings_cyrillic')})$")
