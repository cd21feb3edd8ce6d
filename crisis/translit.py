"""Ukrainian written in Latin letters ("ne khochu zhyty"), rendered in Cyrillic so the Ukrainian
crisis patterns can read it. People type translit when their phone has no Cyrillic keyboard."""

from __future__ import annotations

# Longest first: "shch" before "sh", "zh" before "z". Both the official Ukrainian (kh, ie, iu) and the
# Russian-influenced habits (h for х, ya/yu/ye, j) are accepted.
_MULTI = (("shch", "щ"), ("sch", "щ"), ("zh", "ж"), ("kh", "х"), ("ch", "ч"), ("sh", "ш"), ("ts", "ц"), ("tz", "ц"),
          ("ya", "я"), ("ja", "я"), ("ia", "я"), ("yu", "ю"), ("ju", "ю"), ("iu", "ю"), ("ye", "є"), ("je", "є"),
          ("ie", "є"), ("yi", "ї"), ("ji", "ї"), ("yo", "йо"))
_SINGLE = {"a": "а", "b": "б", "v": "в", "w": "в", "g": "г", "d": "д", "e": "е", "z": "з", "y": "и", "i": "і",
           "j": "й", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "r": "р", "s": "с", "t": "т",
           "u": "у", "f": "ф", "c": "ц", "x": "кс", "q": "к"}
# "h" is г in the official system and х in the Russian habit: both readings are tried.
H_READINGS = ("х", "г")


def cyrillic(text: str, h: str) -> str:
    """`text` (lower-case Latin) in Cyrillic letters, reading "h" as `h`; soft signs are never written in translit."""
    out: list[str] = []
    i = 0
    while i < len(text):
        for latin, cyr in _MULTI:
            if text.startswith(latin, i):
                out.append(cyr)
                i += len(latin)
                break
        else:
            ch = text[i]
            out.append(h if ch == "h" else _SINGLE.get(ch, ch))
            i += 1
    return "".join(out)
