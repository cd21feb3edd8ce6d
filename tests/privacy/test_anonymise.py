"""The question log's anonymiser: each kind of personal data in each language, what must stay,
idempotence, the measured floors on the labelled sets, and the `safar anonymise` filter."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.anonymisation import STRUCTURED, load, score
from core.settings import REPO_ROOT
from privacy.anonymise import KINDS, anonymise, find_spans
from safar.report_commands import anonymise_stream

TUNING_SET = REPO_ROOT / "tests/data/anonymisation.jsonl"
HOLDOUT_SET = REPO_ROOT / "tests/data/anonymisation_holdout.jsonl"

# (language, text, anonymised text)
CASES = [
    # NAME
    ("en", "my name is Ahmad Karimi and I have a question", "my name is <NAME> and I have a question"),
    ("en", "hi, my name is karimi, when is my flight", "hi, my name is <NAME>, when is my flight"),
    ("en", "Mr Haidari said the flight is on Monday", "Mr <NAME> said the flight is on Monday"),
    ("en", "my husband Omar lost his job", "my husband <NAME> lost his job"),
    ("en", "my wife Maryam is pregnant", "my wife <NAME> is pregnant"),
    ("en", "my son Yusuf is 5", "my son <NAME> is 5"),
    ("en", "please ask Dr Okonkwo about the test", "please ask Dr <NAME> about the test"),
    ("en", "thanks, Hamid", "thanks, <NAME>"),
    ("fr", "je m'appelle Fatoumata Diallo", "je m'appelle <NAME>"),
    ("fr", "mon mari Moussa a perdu son passeport", "mon mari <NAME> a perdu son passeport"),
    ("fr", "Madame Lefebvre de l'OIM a appelé", "Madame <NAME> de l'OIM a appelé"),
    ("ar", "اسمي محمد الخطيب ومعي ثلاث اولاد", "اسمي <NAME> ومعي ثلاث اولاد"),
    ("ar", "زوجي أحمد مريض", "زوجي <NAME> مريض"),
    ("ar", "السيد الحسيني قال لازم فحص", "السيد <NAME> قال لازم فحص"),
    ("fa", "اسم من احمد کریمی است", "اسم من <NAME> است"),
    ("fa", "آقای حسینی گفت پرواز هفته بعد است", "آقای <NAME> گفت پرواز هفته بعد است"),
    ("fa", "شوهرم جواد کار ندارد", "شوهرم <NAME> کار ندارد"),
    ("uk", "Мене звати Олена Коваленко", "Мене звати <NAME>"),
    ("uk", "Мій чоловік Андрій залишився вдома", "Мій чоловік <NAME> залишився вдома"),
    ("uk", "пані Марія з МОМ сказала, що виліт у четвер", "пані <NAME> з МОМ сказала, що виліт у четвер"),
    # PHONE: international, local, Arabic-Indic and Persian digits
    ("en", "call me on +1 416 555 0123 after 5", "call me on <PHONE> after 5"),
    ("en", "whatsapp 0791234567 pls", "whatsapp <PHONE> pls"),
    ("en", "my number (416) 555-0198", "my number <PHONE>"),
    ("fr", "appelez moi au 06 12 34 56 78", "appelez moi au <PHONE>"),
    ("ar", "رقمي ٠٧٩١٢٣٤٥٦٧ ارجو الاتصال", "رقمي <PHONE> ارجو الاتصال"),
    ("ar", "واتساب +962 78 555 1234", "واتساب <PHONE>"),
    ("fa", "شماره موبایل ۰۹۱۲ ۳۴۵ ۶۷۸۹ لطفا زنگ بزنید", "شماره موبایل <PHONE> لطفا زنگ بزنید"),
    ("uk", "мій телефон +380 67 123 4567", "мій телефон <PHONE>"),
    ("uk", "дзвоніть +49 176 23456789 після 18:00", "дзвоніть <PHONE> після 18:00"),
    # EMAIL
    ("en", "send it to samir.haddad88@gmail.com please", "send it to <EMAIL> please"),
    ("fr", "écrivez à aline.mukamana@gmail.com svp", "écrivez à <EMAIL> svp"),
    ("ar", "الايميل تبعي nisreen_88@hotmail.com", "الايميل تبعي <EMAIL>"),
    ("fa", "ایمیل من mahdi.rezaei@gmail.com است", "ایمیل من <EMAIL> است"),
    ("uk", "пишіть на oksana.tkachuk@ukr.net", "пишіть на <EMAIL>"),
    # HANDLE
    ("en", "my telegram is @fatima_noori", "my telegram is <HANDLE>"),
    ("en", "my telegram is fatima_noori", "my telegram is <HANDLE>"),
    ("fr", "Mon telegram c'est @amadou_bk", "Mon telegram c'est <HANDLE>"),
    ("ar", "تلغرام @abu_yazan تواصلوا معي", "تلغرام <HANDLE> تواصلوا معي"),
    ("fa", "تلگرام من sohrab_afg است", "تلگرام من <HANDLE> است"),
    ("uk", "телеграм @iryna_kyiv", "телеграм <HANDLE>"),
    # ID
    ("en", "my case number is 123-45, any news?", "my case number is <ID>, any news?"),
    ("en", "passport N1234567 expires in 2026", "passport <ID> expires in 2026"),
    ("en", "UNHCR 123-00012345", "UNHCR <ID>"),
    ("en", "file no. 45/2023/77 was closed", "file no. <ID> was closed"),
    ("en", "my IOM ref is AMM-2024-5567", "my IOM ref is <ID>"),
    ("fr", "mon numéro de dossier est 456-78", "mon numéro de dossier est <ID>"),
    ("ar", "رقم ملفي ٥٥٤-٢١٠٠٣٤٥٦ متى السفر", "رقم ملفي <ID> متى السفر"),
    ("fa", "شماره پاسپورت P01234567 تا ۲۰۲۷ اعتبار دارد", "شماره پاسپورت <ID> تا ۲۰۲۷ اعتبار دارد"),
    ("uk", "номер паспорта ЕК 123456 старого зразка", "номер паспорта <ID> старого зразка"),
    ("uk", "номер справи UA-2023-45871", "номер справи <ID>"),
    # IBAN
    ("en", "IBAN DE89 3704 0044 0532 0130 00 ok?", "IBAN <IBAN> ok?"),
    ("fr", "IBAN FR76 3000 6000 0112 3456 7890 189 pour la CAF", "IBAN <IBAN> pour la CAF"),
    ("ar", "رقم الحساب JO94 CBJO 0010 0000 0000 0131 0003 02 صحيح؟", "رقم الحساب <IBAN> صحيح؟"),
    ("fa", "شماره حساب NO93 8601 1117 947 درست است؟", "شماره حساب <IBAN> درست است؟"),
    ("uk", "IBAN UA21 3223 1300 0002 6007 2335 6600 1 для виплат", "IBAN <IBAN> для виплат"),
    # ADDRESS
    ("en", "we live in Block 4, Tent 12, Zaatari", "we live in <ADDRESS>, Zaatari"),
    ("en", "our address is 45 Queen Street, Hamilton", "our address is <ADDRESS>, Hamilton"),
    ("en", "Apt 4B, 55 King St W, Toronto", "<ADDRESS>, Toronto"),
    ("fr", "j'habite 12 rue de la Paix à Montréal", "j'habite <ADDRESS> à Montréal"),
    ("en", "my address will be Musterstraße 5 in Berlin", "my address will be <ADDRESS> in Berlin"),
    ("ar", "ساكنين في بلوك ٤ خيمة ١٢ بالزعتري", "ساكنين في <ADDRESS> بالزعتري"),
    ("ar", "عنواني شارع الملك حسين عمارة ١٥ عمان", "عنواني <ADDRESS> عمان"),
    ("fa", "ما در خیابان ولیعصر کوچه ۱۲ پلاک ۵ زندگی می‌کنیم", "ما در <ADDRESS> زندگی می‌کنیم"),
    ("uk", "Ми живемо за адресою вул. Шевченка, 12, кв. 5, Львів", "Ми живемо за адресою <ADDRESS>, Львів"),
    # DOB
    ("en", "I was born 12/03/1990 in Aleppo", "I was born <DOB> in Aleppo"),
    ("en", "DOB 1990-03-12", "DOB <DOB>"),
    ("en", "date of birth: 14 February 2019", "date of birth: <DOB>"),
    ("fr", "je suis née le 12 mars 1992", "je suis née le <DOB>"),
    ("ar", "تاريخ الميلاد ١٢/٣/١٩٩٠", "تاريخ الميلاد <DOB>"),
    ("fa", "تاریخ تولد من ۱۳۶۹/۰۵/۱۲ است", "تاریخ تولد من <DOB> است"),
    ("uk", "я народилася 12.03.1990", "я народилася <DOB>"),
    ("uk", "дата народження 14 лютого 2001", "дата народження <DOB>"),
    # DATE: any other full date (a flight or interview date plus a destination can point to one person)
    ("en", "we fly on 12/03/2025 to Calgary", "we fly on <DATE> to Calgary"),
    # found by the fuzz test: digits before a currency sign were read as an amount, phone included
    ("en", "my number +962 79 555 0142 £50 credit", "my number <PHONE> £50 credit"),
    ("fr", "mon entretien est le 3 mai 2025 à Lyon", "mon entretien est le <DATE> à Lyon"),
    ("fr", "ma vraie date de naissance c'est le 12/03/1990", "ma vraie date de naissance c'est le <DOB>"),
    ("ar", "تزوجنا بتاريخ 12/03/2015 بالمخيم", "تزوجنا بتاريخ <DATE> بالمخيم"),
    ("fa", "مصاحبه من ۱۴۰۳/۰۲/۱۵ است", "مصاحبه من <DATE> است"),
    ("uk", "виліт 2025-06-18 до Осло", "виліт <DATE> до Осло"),
]

# Messages without personal data: they must come out unchanged.
KEEP = [
    "Housing in Toronto is expensive, where can we find a cheaper flat?",
    "Centrelink said I must report my income every two weeks",
    "Jobcenter appointment is at 9:30, what should I bring?",
    "Medicare card - how long does it take in Australia",
    "Anmeldung in Berlin: do I need an appointment?",
    "is it true that rent in Oslo is 12000 kr",
    "we arrive in 2025 with 3 kids aged 2, 5 and 9",
    "my son is 5, is daycare free in Canada?",
    "is $500 enough for the first month in Boise",
    "I have 300 euros and 1,200 dollars",
    "the ticket 450 euros is too much, my card has 300 $ left",
    "can I call 911 at night? and 988? what about 211, 311 and 811",
    "in Germany 112 and 110, in Norway 113, in Australia 000",
    "Hilfetelefon 116 123 and Kids Help Phone 1-800-668-6868 are free",
    "Lifeline in Australia is 13 11 14",
    "the flight from Amman to Toronto leaves at 23:45",
    "we are from Kabul and go to Canada, Calgary or Edmonton",
    "Canberra or Sydney, where is easier to find work?",
    "I do not understand the I-94 form and the DS-160",
    "Le vol part à 14h30 d'Amman, on arrive à Montréal",
    "le loyer est de 1 200 $ par mois à Gatineau",
    "Logement à Montréal : combien coûte un appartement?",
    "كم الايجار بتورنتو لعيلة من ٥ اشخاص؟",
    "رقم الطوارئ في كندا ٩١١ صح؟",
    "الموعد الساعة ٩:٣٠ بالسفارة، شو لازم اجيب؟",
    "ابني عمره ٥ سنين، هل الروضة مجانية بالنرويج؟",
    "کرایه خانه در تورنتو چقدر است؟",
    "شماره اورژانس در آلمان ۱۱۲ است؟",
    "ما در سال ۲۰۲۵ از کابل حرکت می‌کنیم",
    "Житло в Берліні дуже дороге, що робити?",
    "Номер екстреної допомоги в Німеччині 112?",
    "Ми з Києва, летимо до Торонто через Варшаву",
    "у нас 500 євро, вистачить на перший місяць?",
]


# Found by the fuzz tests and by review (issue 13): slashed references and data glued to letters.
CASES += [
    ("en", "my file number is LTR-88/2025/117, is it ready", "my file number is <ID>, is it ready"),
    ("en", "they gave me IRCC/2024/5521 at the office", "they gave me <ID> at the office"),
    ("en", "call a+962795550142b please", "call a<PHONE>b please"),
    ("en", "reach me at mynumber0797555014now", "reach me at mynumber<PHONE>now"),
    ("fr", "dossier OFII/2025/00417 refusé", "dossier <ID> refusé"),
]
KEEP += ["we work 40/h per week and the shop is open 24/7", "the date is 25/12 and the ratio is 2/3"]


@pytest.mark.parametrize(("language", "text", "expected"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_each_kind_in_each_language(language: str, text: str, expected: str) -> None:
    assert anonymise(text) == expected


def test_cases_cover_every_kind_in_every_language() -> None:
    covered = {(lang, kind) for lang, _, expected in CASES for kind in KINDS if f"<{kind}>" in expected}
    missing = {(lang, kind) for lang in ("en", "fr", "ar", "fa", "uk") for kind in KINDS} - covered
    assert not missing, sorted(missing)


@pytest.mark.parametrize("text", KEEP)
def test_keeps_places_topics_and_meaningful_numbers(text: str) -> None:
    assert anonymise(text) == text


def test_offsets_hold_with_arabic_indic_and_persian_digits() -> None:
    text = "رقمي ٠٧٩١٢٣٤٥٦٧ و شماره ۰۹۱۲۳۴۵۶۷۸۹"
    spans = find_spans(text)
    assert [text[s.start:s.end] for s in spans] == ["٠٧٩١٢٣٤٥٦٧", "۰۹۱۲۳۴۵۶۷۸۹"]
    assert {s.kind for s in spans} == {"PHONE"}


def test_idempotent_on_the_labelled_sets() -> None:
    for path in (TUNING_SET, HOLDOUT_SET):
        for item in load(path):
            once = anonymise(item["text"])
            assert anonymise(once) == once, item["text"]


def test_empty_and_placeholder_only_text() -> None:
    assert anonymise("") == ""
    assert anonymise("<NAME> <PHONE> <ID>") == "<NAME> <PHONE> <ID>"


def test_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        anonymise("my name is Ahmad Karimi, call +1 416 555 0123")
    assert caplog.records == []


def test_pathological_input_stays_fast() -> None:
    # Telegram messages are at most 4096 characters; no pattern may backtrack badly on them.
    for text in ("1 " * 2048, "1." * 2048, "a." * 2000 + "@", "Ahmad " * 680, "case " + ": -" * 1300):
        started = time.perf_counter()
        anonymise(text[:4096])
        assert time.perf_counter() - started < 1.0


def test_labelled_sets_are_well_formed() -> None:
    for path in (TUNING_SET, HOLDOUT_SET):
        items = load(path)
        for item in items:
            assert set(item) >= {"text", "spans"}
            for span in item["spans"]:
                assert span["kind"] in KINDS
                value = item["text"][span["start"]:span["end"]]
                assert value and value == value.strip(), (path.name, item["text"], span)
    assert len(load(TUNING_SET)) >= 300
    assert len(load(HOLDOUT_SET)) >= 80


# Floors: the targets of issue 7, and no more than a little under what was measured
# (docs in benchmarks/anonymisation.py; figures in the report of the insights work).
@pytest.mark.parametrize("path", [TUNING_SET, HOLDOUT_SET], ids=["tuning", "holdout"])
def test_targets_on_the_labelled_sets(path: Path) -> None:
    result = score(load(path))
    assert result["structured"] >= 0.98, result["misses"]
    assert result["removed"]["NAME"] >= 0.90, result["misses"]
    for kind in STRUCTURED:
        if kind in result["removed"]:
            assert result["removed"][kind] >= 0.9, (kind, result["misses"])
    assert result["words_lost"] <= 0.05, result["losses"]
    for language, (share, _) in result["words_lost_by_language"].items():
        assert share <= 0.05, (language, result["losses"])


def test_stream_keeps_lines_and_replaces_invalid_utf8() -> None:
    source = io.BytesIO("my name is Ahmad Karimi\n\nرقمي ٠٧٩١٢٣٤٥٦٧\r\n".encode() + b"bad \xff\xfe byte\nlast")
    sink = io.StringIO()
    assert anonymise_stream(source, sink) == 5
    assert sink.getvalue().split("\n") == ["my name is <NAME>", "", "رقمي <PHONE>", "bad \ufffd\ufffd byte", "last", ""]


# The command as `safar anonymise` runs it, through a parser built like safar.cli's.
_CLI = (
    "import argparse, sys\n"
    "from safar.report_commands import register\n"
    "parser = argparse.ArgumentParser(prog='safar')\n"
    "register(parser.add_subparsers(dest='command'))\n"
    "args = parser.parse_args(sys.argv[1:])\n"
    "sys.exit(args.func(args))\n"
)


def _run_cli(stdin: bytes, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-c", _CLI, *args], input=stdin, capture_output=True, cwd=REPO_ROOT, timeout=60, check=False
    )


def test_safar_anonymise_command() -> None:
    stdin = (
        "hi my name is Ahmad Karimi, case 123-45\n"
        "\n"
        "Housing in Toronto, call 911\n"
        "اسم من احمد کریمی است، شماره ۰۹۱۲۳۴۵۶۷۸۹\n"
    ).encode() + b"broken \xc3 utf8\n"
    done = _run_cli(stdin, "anonymise")
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode("utf-8").split("\n") == [
        "hi my name is <NAME>, case <ID>",
        "",
        "Housing in Toronto, call 911",
        "اسم من <NAME> است، شماره <PHONE>",
        "broken \ufffd utf8",
        "",
    ]
    assert b"Ahmad" not in done.stderr and b"Karimi" not in done.stderr


def test_safar_anonymise_help() -> None:
    done = _run_cli(b"", "anonymise", "--help")
    assert done.returncode == 0
    assert b"stdin" in done.stdout


def test_labelled_sets_are_jsonl() -> None:
    for path in (TUNING_SET, HOLDOUT_SET):
        for line in path.read_text(encoding="utf-8").splitlines():
            json.loads(line)
