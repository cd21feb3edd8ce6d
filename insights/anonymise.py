"""Replace personal data in a message with typed placeholders before anything is logged.

`anonymise(text)` returns the text with names, phone numbers, e-mail addresses, Telegram
handles, document/case/account numbers, IBANs, street and camp addresses and dates of birth
replaced by `<NAME>`, `<PHONE>`, `<EMAIL>`, `<HANDLE>`, `<ID>`, `<IBAN>`, `<ADDRESS>` and `<DOB>`.
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
  sentence that are not ordinary words in the `wordfreq` lists (likely surnames).

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

KINDS = ("NAME", "PHONE", "EMAIL", "HANDLE", "ID", "IBAN", "ADDRESS", "DOB")


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
_PLACEHOLDER = re.compile(r"<(?:NAME|PHONE|EMAIL|HANDLE|ID|IBAN|ADDRESS|DOB)>")


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
mohammed muhammad mohammad mohamed mohamad muhammed mohammod ahmad ahmed ahmet mehmet mahmoud mahmud
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
_LATIN_NAMES_CAPITAL_ONLY = _words("ana nada hala rana mina lama dina maha paul mark nur noor jana sana eva emma lucas")

_ARABIC_NAMES = frozenset(_arabic_key(w) for w in """
محمد أحمد احمد محمود مصطفى مصطفي خالد عثمان يوسف ابراهيم إبراهيم اسماعيل إسماعيل حسين حمزة حامد عبدالله
عبدالرحمن عبدالكريم عبدالعزيز عبدالقادر سامر سمير طارق وليد ياسر ياسين زياد زكريا بلال ناصر أنس أيمن فيصل فادي فراس
غسان هشام عماد عيسى جابر ماجد منصور مروان مازن مهند مهدي نزار قاسم رامي شادي سليمان طه تامر وائل وسيم يحيى يونس
زيد خليل إياد اياد باسل باسم بشار حازم حسام رائف سامي عدنان علاء عمار غياث قصي لؤي معتز مؤيد نضال هيثم
فاطمة عائشة عايشة خديجة مريم زينب زهراء سارة هناء آمنة امنة داليا دينا غادة هالة جنى لمى لانا ليلى لينا لبنى مها منال
نادية نجوى نسرين نوال رنا رانيا رندة رشا ريم ربى رلى روان سلمى سميرة سناء سوسن شيماء سمية سهى ياسمين رهف بتول
حسین مهدی جواد محسن حامد مجتبی مرتضی سجاد وحید نوید فرهاد فرید بهروز داریوش بابک بهرام کامران مهران پرویز رامین
سیامک نیما پویا احسان الهام پریسا فریبا فریده مهسا مرضیه معصومه ثریا تهمینه زهره مرسل گلالی حبیبه حمیده هما نیلوفر
صدیقه شکریه صغری زرمینه ذکیه حبیب‌الله حکمت‌الله رحمت‌الله ذبیح‌الله نجیب‌الله سمیع‌الله عبدالله محمود مصطفی یوسف
ابراهیم اسماعیل حمید شفیق ضیا ضیاء میرویس مسعود جمشید کیوان جعفر هادی یاسر عارف فهیم نصیر ناصر بشیر منیژه ملالی
نادیه فاطمه زهرا مریم زینب خدیجه سمیرا شبانه فرزانه‌ای نسرین پروین مینا
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
muslim christian islam ramadan eid christmas easter
""")
_KEEP_CYRILLIC_STEMS = tuple("""
канад німеччин німецьк норвег австралі сша америк польщ польськ україн київ києв львів львов харків
харков одес дніпр запоріж миколаїв херсон чернігів сум полтав вінниц тернопіл ужгород берлін мюнхен
гамбург франкфурт кельн торонто монреал ванкувер калгар едмонтон оттав вінніпег осло берген сідне
мельбурн брісбен перт нью-йорк чикаг європ євросоюз варшав краків праг відн туреччин стамбул франці
париж британі лондон ірланді джобцентр центрлінк медікер медікейд червон хрест оон телеграм вайбер
ватсап вотсап гугл фейсбук біблі бог господ різдв великд пасх германи канаде польше украин киев
харьков одесс берлин европ
""".split())

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
_PARTICLES = _words("bin ibn al el abu abou abdel abdul de van von ben ould bint binti da di del")

_ONLY_LETTERS = re.compile(r"^[^\W\d_]+(?:['’\-][^\W\d_]+)*$")


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
# Word frequencies (wordfreq's small lists; loaded on first use, about 0.2 s and 40 MB)

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


def _is_compound(word: str) -> bool:
    """German and Norwegian compounds of ordinary words (Bürgergeld, Wohnberechtigungsschein)."""
    if len(word) < 8:
        return False
    for cut in range(4, len(word) - 2):
        head, tail = word[:cut], word[cut:]
        if _zipf(tail, "latin") and (_zipf(head, "latin") or (head.endswith("s") and _zipf(head[:-1], "latin"))):
            return True
    return False


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
        return _zipf(self.key if self.script == "arab" else self.lower, self.script)

    @property
    def letters_only(self) -> bool:
        return bool(_ONLY_LETTERS.match(self.text))


_SENTENCE_END = re.compile(r"[.!?؟。\n:;…]\W*$|^\W*$")


def _tokens(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    prev_end = 0
    for m in _TOKEN.finditer(text):
        word = m.group(0)
        gap = text[prev_end:m.start()]
        starts = not toks or bool(_SENTENCE_END.search(gap)) and gap.strip() != "" or gap.count("\n") > 0
        starts = starts or (bool(toks) and toks[-1].text.startswith("<") is False and gap.strip() in {".", "!", "?", "؟"})
        letters = [c for c in word if c.isalpha()]
        cap = bool(letters) and word[0].isupper() and any(c.islower() for c in letters)
        allcaps = len(letters) >= 2 and all(c.isupper() for c in letters)
        toks.append(_Tok(m.start(), m.end(), word, word.lower(), _script(word), cap, allcaps, starts))
        prev_end = m.end()
    return toks


# --------------------------------------------------------------------------------------------
# Structured patterns (run on the text with ASCII digits)

_EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]+(?:@|\s?\(at\)\s?|\s?\[at\]\s?)[\w-]+(?:\.[\w-]+)*\.[a-z]{2,24}\b", re.IGNORECASE
)
_HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z][A-Za-z0-9_]{2,31}\b|\b(?:https?://)?t\.me/[A-Za-z0-9_]{3,32}\b")
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
    rf"(?<!\w)(?:{_BIRTH_WORDS})(?:\s*[:\-–=,]?\s*(?:on|the|le|in|am|den|is|was|:|في|در|في\s+تاريخ|بتاريخ|من|هو|هي|است|-)?)*\s*[:\-–]?\s*(?P<date>{_DATE})",
    re.IGNORECASE,
)
# Dates, times, amounts and the like that must stay (and must not be read as phone numbers).
_KEEP_NUMBERS = re.compile(
    rf"(?<![\d.])(?:{_DATE})"
    r"|\b\d{1,2}\s?(?::|h|\.)\s?\d{2}\s?(?:am|pm|h|uhr)?\b"
    r"|\b(?:19|20)\d{2}\s?[-–/]\s?(?:19|20)?\d{2}\b"
    r"|[$€£¥₴₹]\s?\d[\d.,\s]*\d|[$€£¥₴₹]\s?\d"
    r"|\b\d[\d.,\s]*\d\s?(?:\$|€|£|₴|euros?|eur|dollars?|usd|cad|aud|nok|kr|kroner|uah|hryvnias?|грн|гривень|гривні|jod|dinars?|lira|liras?|tl|afghanis?|afn|francs?|دينار|دولار|يورو|ليرة|تومان|ریال|افغانی|دلار|یورو)(?!\w)"
    r"|\b\d+\s?%",
    re.IGNORECASE,
)

_ID_WORDS = (
    r"case|case\s?(?:no|number|nr|#)|file|file\s?(?:no|number|nr)|dossier|passport|passeport|pass|reisepass|"
    r"id|i\.d\.|id\s?card|identity|identity\s?card|national\s?id|tazkira|tazkera|tazkereh|permit|residence\s?permit|"
    r"visa|reference|ref|application|app(?:lication)?\s?(?:no|number)|account|acct|a/c|unhcr|iom|registration|reg|"
    r"progres|ration\s?card|sin|ssn|social\s+security|a-?number|alien\s?(?:no|number)|uci|client\s?id|"
    r"tax\s?(?:id|number|file\s?number)|tfn|crn|steuer-?id|steuernummer|aktenzeichen|az|bamf|"
    r"fødselsnummer|d-?nummer|personnummer|duf|numéro|num[ée]ro\s+de\s+dossier|n°|matricule|agdref|"
    r"allocataire|titre\s+de\s+séjour|карта|card|member(?:ship)?|ticket|booking|pnr|customer|"
    r"رقم\s+(?:الملف|القضية|الجواز|جوازي|الهوية|هويتي|المفوضية|الحساب|حسابي|التسجيل|الإقامة|الاقامة|الطلب|ملفي|قضيتي)|"
    r"ملف|ملفي|القضية|قضيتي|الجواز|جواز\s+سفر|جواز\s+السفر|جوازي|الهوية|هوية|بطاقة|المفوضية|الحساب|حسابي|الإقامة|"
    r"الاقامة|الرقم\s+الوطني|الرقم\s+الشخصي|رقم\s+ملف|رقم\s+قضية|"
    r"شماره\s+(?:پرونده|پاسپورت|گذرنامه|تذکره|کارت|حساب|ملی|اقامت|ثبت|درخواست)|پرونده|پرونده‌ام|پاسپورت|گذرنامه|"
    r"تذکره|کارت\s+اقامت|کد\s+ملی|حساب|"
    r"номер\s+(?:справи|паспорта|паспорту|рахунку|картки|посвідки|заяви|справы)|справа|справи|справу|паспорт|паспорта|"
    r"закордонний\s+паспорт|посвідка|посвідки|id-картка|id-картки|рахунок|рахунку|іпн|рнокпп|ідентифікаційний\s+код|"
    r"податковий\s+номер|код"
)
_ID_FILLER = (
    r"number|numbers|no|nr|num|#|n°|n°|№|is|est|:|=|was|card|case|file|my|the|de|du|of|ref|reference|"
    r"رقم|رقمي|هو|هي|شماره|ام|است|номер|мій|моя|моєї|мого|—|-|–"
)
_ID_TOKEN = r"(?:[A-Z]{1,4}[\s-]?)?\d(?:[A-Z0-9]|[-/.](?=[A-Z0-9]))*(?:\s\d{2,}){0,3}"
_ID = re.compile(
    rf"(?<!\w)(?:{_ID_WORDS})(?!\w)(?:[\s:#=.,()\-–]*(?:{_ID_FILLER})(?!\w))*[\s:#=.,()\-–]*(?P<id>{_ID_TOKEN})(?![\w@])",
    re.IGNORECASE,
)
# Shapes that are document numbers wherever they stand: passports (N1234567, FE123456),
# UNHCR registration numbers (123-00012345, 123-21C12345), US A-numbers (A123456789).
_ID_SHAPE = re.compile(r"(?<![\w/-])(?:[A-Z]{1,3}\d{6,9}|\d{3}-\d{2}[A-Z]?\d{5,8}|\d{3}-\d{8})(?![\w/-])")

_NUMBER = re.compile(r"(?<![\w/])(?:\+|00)?\(?\d(?:[\d().\-]|[ \u00a0](?=[\d(]))*\d\)?(?![\w/])")
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
_SERVICE_NUMBERS = frozenset({"116123", "116111", "116000", "131114", "131450", "8002738255", "18002738255"})

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
    r"بلوك|بلوک|قطاع|شارع|خيمة|خيمه|کرفان|كرفان|كرافان|كارافان|کانکس|كرفانة|منزل|بيت|غرفة|عمارة|بناية|مبنى|شقة|طابق|"
    r"چادر|خیمه|اتاق|واحد|طبقه|پلاک|ساختمان|"
    r"блок|намет|кімната|будинок|буд\.?|корпус|кв\.?|квартира|секція|вагончик|модуль|поверх)"
)
_CAMP_COMPONENT = rf"{_CAMP_PART}\s*(?:no\.?|nr\.?|n°|number|#|رقم|شماره|№)?\s*\d{{1,5}}[A-Za-zА-Яа-я]?"
_CAMP_SINGLE = (
    r"(?:block|blk|bloc|tent|tente|caravan|caravane|shelter|abri|container|plot|بلوك|بلوک|خيمة|خيمه|کرفان|كرفان|"
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
            rf"(?<!\w)(?:{_UNIT}\s*[,\-]?\s*)?\d{{1,5}}[A-Za-z]?(?:[/\-]\d{{1,5}}[A-Za-z]?)?,?\s+(?:[A-Z][\w'’.\-]*\s+){{1,3}}(?-i:{_EN_STREET_CAPITAL_TYPES})\b\.?(?:,?\s*{_UNIT})?",
            # Musterstraße 5 ; Storgata 12 ; Karl Johans gate 5 ; Berliner Str. 12a
            rf"(?<!\w)(?:[A-ZÄÖÜÆØÅ][\wäöüßæøå\-]*\s+){{0,2}}[\wäöüßæøå\-]{{2,}}{_DE_NO_SUFFIX}\s*\d{{1,4}}\s?[a-zA-Z]?(?!\w)",
            rf"(?<!\w)(?:[A-ZÄÖÜÆØÅ][\wäöüßæøå\-]*\s+){{1,2}}(?:[Ss]traße|[Ss]trasse|[Ss]tr\.|[Aa]llee|[Pp]latz|[Ww]eg|gate|gata|vei|veien|vegen)\s+\d{{1,4}}\s?[a-zA-Z]?(?!\w)",
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
    r"(?:his|her|my\s+\w+'s|my\s+\w+s)\s+name\s+is|"
    r"je\s+m['’ ]?\s?app?elle|j['’]?m['’ ]?app?elle|mon\s+(?:nom|prénom|prenom)(?:\s+complet)?\s+(?:est|c['’]est|:)|nom\s*:|prénom\s*:|"
    r"(?:il|elle)\s+s['’ ]?app?elle|s['’]app?ellent|"
    r"ich\s+heiße|ich\s+heisse|mein\s+name\s+ist|"
    r"و?(?:انا\s+|أنا\s+)?(?:اسمي|اسمى|إسمي|أسمي|اسمه|اسمها|إسمه|إسمها)|"
    r"و?اسم\s+(?:زوجي|زوجتي|ابني|إبني|بنتي|ابنتي|أخي|اخي|أختي|اختي|أمي|امي|أبي|ابي|والدي|والدتي|صديقي|المحامي)|"
    r"يدعى|تدعى|المدعو|المدعوة|"
    r"و?(?:اسم|نام)\s+(?:من|شوهرم|همسرم|پسرم|دخترم|برادرم|خواهرم|مادرم|پدرم|دوستم|وکیلم)|اسمم|اسمش|نامش|"
    r"мене\s+(?:звати|звуть)|моє\s+ім['’]я|мое\s+имя|меня\s+зовут|(?:його|її|ее|его)\s+(?:звати|звуть|зовут)|"
    r"на\s+ім['’]я|ім['’]я\s*:|прізвище\s*:|піб\s*:"
    r")",
    re.IGNORECASE,
)
_TITLE_TRIGGERS = re.compile(
    r"(?<!\w)(?:mr|mrs|ms|miss|mister|dr|doctor|prof|mme|mlle|m|monsieur|madame|mademoiselle|docteur|maître|maitre|"
    r"herr|frau|"
    r"السيد|السيدة|الأستاذ|الاستاذ|الأستاذة|الاستاذة|الدكتور|الدكتورة|د|أبو|ابو|أم|ام|"
    r"آقای|اقای|خانم|دکتر|جناب|سرکار|"
    r"пан|пані|пана|панові|лікар|лікарка|д-р)(?!\w)\.?",
    re.IGNORECASE,
)
_RELATION_TRIGGERS = re.compile(
    r"(?<!\w)(?:"
    r"(?:my|our)\s+(?:husband|wife|son|daughter|brother|sister|mother|mom|mum|father|dad|uncle|aunt|cousin|friend|"
    r"neighbou?r|boss|caseworker|case\s+worker|case\s+manager|social\s+worker|lawyer|sponsor|landlord|landlady|"
    r"baby|child|kid|nephew|niece|grandmother|grandma|grandfather|grandpa|grandson|granddaughter|fianc[ée]e?|"
    r"partner|teacher|colleague|interpreter|translator|contact|employer|children|kids|sons|daughters)"
    r"(?:\s*,|\s+(?:is\s+)?(?:called|named))?|"
    r"(?:named|called|signed|sincerely|regards|thanks|thank\s+you|thx|cheers|from)\s*,?|"
    r"(?:mon|ma|notre)\s+(?:mari|femme|épouse|epouse|époux|epoux|fils|fille|frère|frere|sœur|soeur|mère|mere|père|pere|"
    r"oncle|tante|cousin|cousine|ami|amie|copain|copine|avocat|avocate|conseiller|conseillère|assistante?\s+sociale?|"
    r"bébé|bebe|enfant|voisin|voisine|propriétaire|proprietaire)(?:\s*,|\s+(?:nommée?|appelée?|qui\s+s['’]appelle))?|"
    r"(?:nommée?|appelée?|cordialement|merci)\s*,?|"
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
        return tok.lower.startswith(_KEEP_CYRILLIC_STEMS)
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
    if key.startswith("ال") and (key[2:] in _ARABIC_NAME_STEMS or _zipf(key, "arab") < 4.6):
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
    if not tok.letters_only or len(tok.text) < 3:
        return False
    if tok.zipf > 0:
        return False
    return not (tok.script == "latin" and _is_compound(tok.lower))


def _cyrillic_surname(tok: _Tok) -> bool:
    return tok.script == "cyr" and tok.cap and len(tok.text) > 4 and bool(_CYRILLIC_SURNAME.search(tok.lower))


def _name_like(tok: _Tok, how: str) -> bool:
    """Whether the token can be (part of) a name where a context of kind `how` expects one."""
    if tok.script in ("digit", "other") or tok.text.startswith("<") or not tok.letters_only or _stop(tok):
        return False
    if _in_gazetteer(tok) or _cyrillic_surname(tok):
        return not _kept(tok) or how == "strong"
    if tok.script == "arab":
        if how == "strong":
            return True
        if how == "title":
            return tok.zipf < 5.6
        return _arabic_surname(tok) if how == "next" else False
    # Latin and Cyrillic script
    if how == "strong":
        return tok.zipf < 5.0
    if _kept(tok):
        return False
    if how == "title":
        return (tok.cap and tok.zipf < 4.5) or _rare(tok)
    if how == "next":
        return (tok.cap and (tok.zipf < 4.5 or tok.script == "cyr")) or (not tok.cap and _rare(tok))
    # relation, intro
    return tok.cap and (tok.zipf < 4.0 or _rare(tok))


def _take(toks: list[_Tok], i: int, how: str, limit: int = 3) -> list[int]:
    """Indices of the name that starts at token i, if token i can start one."""
    if i >= len(toks) or not _name_like(toks[i], how):
        return []
    taken = [i]
    # Persian: "اسم من احمد کریمی است" - everything up to the copula is the name.
    if how == "strong" and toks[i].script == "arab":
        for j in range(i + 1, min(i + 5, len(toks))):
            if toks[j].key in _PERSIAN_COPULA:
                return [k for k in range(i, j) if not _stop(toks[k]) and toks[k].script == "arab"]
    j = i + 1
    while j < len(toks) and len(taken) < limit + 1:
        if toks[j].start - toks[j - 1].end > 2 or not toks[j - 1].end <= toks[j].start:
            break
        if toks[j].lower in _PARTICLES and j + 1 < len(toks) and _name_like(toks[j + 1], "next"):
            taken += [j, j + 1]
            j += 2
            continue
        if not _name_like(toks[j], "next"):
            break
        taken.append(j)
        j += 1
    return taken


def _index_after(toks: list[_Tok], starts: list[int], text: str, pos: int) -> int | None:
    """The token right after position pos, when only spaces and light punctuation lie between."""
    i = bisect.bisect_left(starts, pos)
    if i >= len(toks):
        return None
    if re.fullmatch(r"[\s:,\-–—\"'«»“”()]*", text[pos:toks[i].start]):
        return i
    return None


def _title_case_message(toks: list[_Tok]) -> bool:
    words = [t for t in toks if t.script in ("latin", "cyr") and t.letters_only]
    return len(words) >= 4 and sum(t.cap or t.allcaps for t in words) >= 0.6 * len(words)


def _name_spans(text: str, toks: list[_Tok]) -> list[tuple[int, int]]:
    names: set[int] = set()
    starts = [t.start for t in toks]
    for pattern, how, limit in (
        (_STRONG_TRIGGERS, "strong", 3),
        (_TITLE_TRIGGERS, "title", 2),
        (_RELATION_TRIGGERS, "relation", 2),
        (_INTRO_TRIGGERS, "intro", 2),
    ):
        for m in pattern.finditer(text):
            i = _index_after(toks, starts, text, m.end())
            if i is None or i in names:
                continue
            word = m.group(0).lower().rstrip(".")
            # "m", "dr", "doctor" and "ام" (also "or") are titles only before a capital or a listed name.
            if how == "title" and word in {"m", "dr", "doctor"} and not toks[i].cap and not _in_gazetteer(toks[i]):
                continue
            if how == "intro" and toks[i].script == "arab" and not _in_gazetteer(toks[i]):
                continue
            if how == "intro" and toks[i].script != "arab" and not (_in_gazetteer(toks[i]) or (toks[i].cap and _rare(toks[i]))):
                continue
            if how == "title" and toks[i].script == "arab" and m.group(0) in {"أم", "ام", "د", "أبو", "ابو"} and not _in_gazetteer(toks[i]):
                continue
            names.update(_take(toks, i, how, limit))

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
        if tok.cap and not tok.sentence_start and not title_case and _rare(tok):
            names.add(i)

    # Grow each name over the surname or given name beside it.
    for i in sorted(names):
        if i + 1 < len(toks) and i + 1 not in names and toks[i + 1].start - toks[i].end <= 2:
            grown = _take(toks, i, "strong" if toks[i].script == "arab" else "next", 3)[1:]
            if toks[i].script == "arab":
                grown = [j for j in grown if _arabic_surname(toks[j]) or _in_gazetteer(toks[j])]
            names.update(grown)
    for i in sorted(names, reverse=True):
        j = i - 1
        if j >= 0 and j not in names and toks[i].cap and toks[i].start - toks[j].end <= 2 and text[toks[j].end:toks[i].start].strip(" -") == "":
            prev = toks[j]
            if prev.cap and prev.letters_only and not _stop(prev) and not _kept(prev) and (
                _in_gazetteer(prev) or prev.zipf < 4.0 or _rare(prev)
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

_PRIORITY = {"EMAIL": 9, "HANDLE": 9, "IBAN": 8, "DOB": 8, "ADDRESS": 7, "ID": 6, "PHONE": 5, "NAME": 4}


def _overlaps(a: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(a[0] < e and s < a[1] for s, e in taken)


def find_spans(text: str) -> list[Span]:
    """The personal data in text, as non-overlapping spans in text order."""
    if not text:
        return []
    ascii_digits = text.translate(_DIGITS)
    candidates: list[tuple[int, int, str]] = []
    for m in _EMAIL.finditer(ascii_digits):
        candidates.append((m.start(), m.end(), "EMAIL"))
    for m in _HANDLE.finditer(ascii_digits):
        candidates.append((m.start(), m.end(), "HANDLE"))
    for m in _IBAN.finditer(ascii_digits):
        if sum(c.isdigit() for c in m.group(0)) >= 10 and m.group(0)[:2].isalpha():
            candidates.append((m.start(), m.end(), "IBAN"))
    for m in _DOB.finditer(ascii_digits):
        candidates.append((m.start("date"), m.end("date"), "DOB"))
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
        candidates.append((m.start(), m.end(), "ID"))

    chosen: list[tuple[int, int, str]] = []
    taken: list[tuple[int, int]] = []
    for start, end, kind in sorted(candidates, key=lambda c: (-_PRIORITY[c[2]], c[0] - c[1], c[0])):
        if not _overlaps((start, end), taken):
            chosen.append((start, end, kind))
            taken.append((start, end))

    kept_numbers = [(m.start(), m.end()) for m in _KEEP_NUMBERS.finditer(ascii_digits)]
    for m in _NUMBER.finditer(ascii_digits):
        span = (m.start(), m.end())
        if _overlaps(span, taken) or _overlaps(span, kept_numbers):
            continue
        kind = _phone_kind(m.group(0), ascii_digits[max(0, m.start() - 40):m.start()])
        if kind:
            chosen.append((span[0], span[1], kind))
            taken.append(span)

    toks = [t for t in _tokens(text) if not _overlaps((t.start, t.end), taken)]
    for start, end in _name_spans(text, toks):
        if not _overlaps((start, end), taken):
            chosen.append((start, end, "NAME"))
            taken.append((start, end))

    spans = sorted(Span(s, e, k) for s, e, k in chosen)
    merged: list[Span] = []
    for span in spans:
        if merged and merged[-1].kind == span.kind and text[merged[-1].end:span.start].strip(" ,-،") == "":
            merged[-1] = Span(merged[-1].start, span.end, span.kind)
        else:
            merged.append(span)
    return merged


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
