"""The letter's salutation: to the person by name when bexio knows how to address them,
else the neutral form of the letter's language.

bexio gives a person's salutation and title as names from the account's own lists
("Herr", "Frau", "Dr."), in whatever language the account keeps them; they are read here
as a form of address (male, female) and an academic title, and written out in the letter's
language. A company, an unknown salutation ("Familie") or a missing last name gets the
neutral form.
"""

from __future__ import annotations

from dunning.letters.texts import TEXTS
from dunning.model import Contact

__all__ = ["salutation", "courtesy_line"]

_MALE = {"herr", "herrn", "monsieur", "m.", "mr", "mr.", "signor", "signore", "sig.", "sir"}
_FEMALE = {"frau", "madame", "mme", "mme.", "mrs", "mrs.", "ms", "ms.", "miss", "signora"}
_FEMALE |= {"sig.ra", "sig.a"}

_PERSONAL = {  # (male, female); {name} is the title (where one is used) and last name
    "de": ("Sehr geehrter Herr {name}", "Sehr geehrte Frau {name}"),
    "fr": ("Monsieur,", "Madame,"),
    "it": ("Egregio Signor {name},", "Gentile Signora {name},"),
    "en": ("Dear Mr {name},", "Dear Ms {name},"),
}


def salutation(contact: Contact, language: str) -> str:
    """`Sehr geehrte Frau Dr. Muster`, `Dear Mr Smith,`, … or the neutral form."""
    lang = language if language in _PERSONAL else "de"
    form = (contact.salutation or "").strip().lower()
    last = (contact.last_name or "").strip()
    if not last or form not in _MALE | _FEMALE:
        return TEXTS[lang]["salutation"]
    male = form in _MALE
    title = _title(contact.title, lang, male)
    if title and lang == "en":
        return f"Dear {title} {last},"
    if title and lang == "it":
        return f"{'Egregio' if male else 'Gentile'} {title} {last},"
    name = f"{title} {last}" if title else last
    return _PERSONAL[lang][0 if male else 1].replace("{name}", name)


_COURTESY = {"de": ("Herr", "Frau"), "fr": ("Monsieur", "Madame"), "it": ("Signor", "Signora")}
_COURTESY["en"] = ("Mr", "Ms")


def courtesy_line(contact: Contact, language: str) -> str | None:
    """The first line of a person's address as Swiss Post shows it ("Herr", "Madame"), in
    the letter's language; None for a company or an unknown salutation."""
    form = (contact.salutation or "").strip().lower()
    if not contact.last_name or form not in _MALE | _FEMALE:
        return None
    return _COURTESY.get(language, _COURTESY["de"])[0 if form in _MALE else 1]


def _title(title: str | None, lang: str, male: bool) -> str:
    """The title as used in a salutation: doctor and professor only, the way each
    language writes it; other titles (lic. iur., dipl. Ing.) are left out."""
    text = (title or "").strip()
    lower = text.lower().replace(" ", "")
    doctor, professor = "dr" in lower, "prof" in lower
    if lang == "de" and (doctor or professor):
        return text
    if lang == "en" and (doctor or professor):
        return "Professor" if professor else "Dr"
    if lang == "it" and doctor:
        return "Dottor" if male else "Dottoressa"
    return ""
