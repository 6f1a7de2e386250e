"""The wording of the letters and of the QR-bill payment part, per language.

Swiss usage throughout: German without "ß", "innert", "Freundliche Grüsse"; the last
level names the Swiss debt enforcement (Betreibung / poursuite / esecuzione) plainly,
without threats. Body texts take the placeholders {document_nr} {invoice_date}
{due_date} {deadline} {total_due}; the policy may replace a body per level. In a letter,
{total_due} is what the letter asks to be paid: the open amount of the invoice, which its
payment part carries; fees and interest are listed under it, as invoiced separately.
"""

from __future__ import annotations

__all__ = ["TEXTS", "PAYMENT_LABELS", "body_position"]

TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "salutation": "Sehr geehrte Damen und Herren",
        "subject": "{title} – Rechnung {document_nr}",
        "date_line": "{city}, {date}",
        "body_first": (
            "Sicher ist es Ihrer Aufmerksamkeit entgangen, dass unsere Rechnung {document_nr} "
            "vom {invoice_date}, fällig am {due_date}, noch offen ist. Wir bitten Sie, den "
            "ausstehenden Betrag von {total_due} bis zum {deadline} zu überweisen."
        ),
        "body_middle": (
            "Leider ist unsere Rechnung {document_nr} vom {invoice_date}, fällig am {due_date}, "
            "trotz unserer Erinnerung noch nicht bezahlt. Wir bitten Sie, den ausstehenden "
            "Betrag von {total_due} innert der neuen Frist bis zum {deadline} zu bezahlen."
        ),
        "body_last": (
            "Unsere Rechnung {document_nr} vom {invoice_date}, fällig am {due_date}, ist trotz "
            "unserer Mahnungen noch immer nicht bezahlt. Wir setzen Ihnen hiermit eine letzte "
            "Frist bis zum {deadline}, um den ausstehenden Betrag von {total_due} zu begleichen."
        ),
        "consequence": (
            "Geht die Zahlung nicht innert dieser Frist bei uns ein, werden wir die Betreibung "
            "einleiten."
        ),
        "col_invoice": "Rechnung",
        "col_invoice_date": "Rechnungsdatum",
        "col_due_date": "Fällig am",
        "col_amount": "Offen {currency}",
        "fee": "Mahngebühr {title}",
        "fee_level": "Mahngebühr Stufe {level}",
        "interest": "Verzugszins {rate}\xa0% auf {base} für {days} Tage",
        "interest_one": "Verzugszins {rate}\xa0% auf {base} für 1 Tag",
        "total": "Zu bezahlen bis {deadline}",
        "separately": "Separat in Rechnung gestellt (nicht im obigen Betrag)",
        "pay_qr": "Für die Zahlung verwenden Sie bitte den QR-Zahlteil dieses Schreibens.",
        "pay_iban": (
            "Bitte überweisen Sie den Betrag auf das Konto {iban} von {creditor}, "
            "mit der Referenz {reference}."
        ),
        "crossing": (
            "Sollte sich Ihre Zahlung mit diesem Schreiben gekreuzt haben, betrachten Sie es "
            "bitte als gegenstandslos."
        ),
        "contact": (
            "Bei Fragen zu dieser Rechnung oder für eine Ratenzahlung erreichen Sie uns "
            "unter {contact}."
        ),
        "contact_none": "Bei Fragen zu dieser Rechnung stehen wir Ihnen gerne zur Verfügung.",
        "closing": "Freundliche Grüsse",
        "additional_info": "{title} zu Rechnung {document_nr}",
        "page": "Seite {page} von {pages}",
        "draft": "ENTWURF",
    },
    "fr": {
        "salutation": "Madame, Monsieur,",
        "subject": "{title} – facture n° {document_nr}",
        "date_line": "{city}, le {date}",
        "body_first": (
            "Sauf erreur de notre part, notre facture {document_nr} du {invoice_date}, échue le "
            "{due_date}, n'a pas encore été réglée. Nous vous prions de bien vouloir verser le "
            "montant de {total_due} d'ici au {deadline}."
        ),
        "body_middle": (
            "Malgré notre rappel, notre facture {document_nr} du {invoice_date}, échue le "
            "{due_date}, demeure impayée. Nous vous prions de régler le montant de {total_due} "
            "dans le nouveau délai, soit d'ici au {deadline}."
        ),
        "body_last": (
            "Malgré nos rappels, notre facture {document_nr} du {invoice_date}, échue le "
            "{due_date}, n'est toujours pas réglée. Nous vous impartissons un dernier délai "
            "au {deadline} pour régler le montant de {total_due}."
        ),
        "consequence": (
            "À défaut de paiement dans ce délai, nous introduirons une réquisition de poursuite."
        ),
        "col_invoice": "Facture",
        "col_invoice_date": "Date de la facture",
        "col_due_date": "Échéance",
        "col_amount": "Ouvert {currency}",
        "fee": "Frais de rappel ({title})",
        "fee_level": "Frais de rappel (niveau {level})",
        "interest": "Intérêts moratoires {rate}\xa0% sur {base} pendant {days} jours",
        "interest_one": "Intérêts moratoires {rate}\xa0% sur {base} pendant 1 jour",
        "total": "À payer d'ici au {deadline}",
        "separately": "Facturé séparément (non compris dans le montant ci-dessus)",
        "pay_qr": "Pour le paiement, veuillez utiliser la section paiement QR de ce courrier.",
        "pay_iban": (
            "Veuillez verser le montant sur le compte {iban} de {creditor}, en indiquant la "
            "référence {reference}."
        ),
        "crossing": (
            "Si votre paiement nous est parvenu entre-temps, veuillez ne pas tenir compte de "
            "ce courrier."
        ),
        "contact": (
            "Pour toute question concernant cette facture ou pour convenir d'un paiement "
            "échelonné, vous pouvez nous joindre à {contact}."
        ),
        "contact_none": (
            "Nous restons à votre disposition pour toute question concernant cette facture."
        ),
        "closing": "Meilleures salutations",
        "additional_info": "{title} concernant la facture {document_nr}",
        "page": "Page {page} sur {pages}",
        "draft": "PROJET",
    },
    "it": {
        "salutation": "Gentili Signore e Signori,",
        "subject": "{title} – fattura n. {document_nr}",
        "date_line": "{city}, {date}",
        "body_first": (
            "Salvo errore da parte nostra, la nostra fattura {document_nr} del {invoice_date}, "
            "scaduta il {due_date}, risulta ancora aperta. Vi preghiamo di versare l'importo "
            "di {total_due} entro il {deadline}."
        ),
        "body_middle": (
            "Nonostante il nostro sollecito, la fattura {document_nr} del {invoice_date}, "
            "scaduta il {due_date}, non è ancora stata saldata. Vi invitiamo a versare "
            "l'importo di {total_due} entro il nuovo termine del {deadline}."
        ),
        "body_last": (
            "Nonostante i nostri solleciti, la fattura {document_nr} del {invoice_date}, "
            "scaduta il {due_date}, non è ancora stata saldata. Vi concediamo un ultimo "
            "termine fino al {deadline} per versare l'importo di {total_due}."
        ),
        "consequence": (
            "In mancanza del pagamento entro questo termine, avvieremo la procedura d'esecuzione."
        ),
        "col_invoice": "Fattura",
        "col_invoice_date": "Data della fattura",
        "col_due_date": "Scadenza",
        "col_amount": "Aperto {currency}",
        "fee": "Spese di sollecito ({title})",
        "fee_level": "Spese di sollecito (livello {level})",
        "interest": "Interessi di mora {rate}\xa0% su {base} per {days} giorni",
        "interest_one": "Interessi di mora {rate}\xa0% su {base} per 1 giorno",
        "total": "Da pagare entro il {deadline}",
        "separately": "Fatturato separatamente (non compreso nell'importo sopra)",
        "pay_qr": "Per il pagamento vogliate utilizzare la sezione pagamento QR di questa lettera.",
        "pay_iban": (
            "Vogliate versare l'importo sul conto {iban} di {creditor}, indicando il "
            "riferimento {reference}."
        ),
        "crossing": (
            "Qualora il Vostro pagamento si fosse incrociato con la presente, vogliate "
            "considerarla nulla."
        ),
        "contact": (
            "Per domande su questa fattura o per concordare un pagamento rateale potete "
            "contattarci a {contact}."
        ),
        "contact_none": "Restiamo volentieri a disposizione per domande su questa fattura.",
        "closing": "Cordiali saluti",
        "additional_info": "{title} relativo alla fattura {document_nr}",
        "page": "Pagina {page} di {pages}",
        "draft": "BOZZA",
    },
    "en": {
        "salutation": "Dear Sir or Madam,",
        "subject": "{title} – invoice {document_nr}",
        "date_line": "{city}, {date}",
        "body_first": (
            "Our records show that our invoice {document_nr} of {invoice_date}, due on "
            "{due_date}, is still unpaid; this may simply have been an oversight. Please pay the "
            "outstanding amount of {total_due} by {deadline}."
        ),
        "body_middle": (
            "Despite our earlier reminder, our invoice {document_nr} of {invoice_date}, due on "
            "{due_date}, remains unpaid. Please pay the outstanding amount of {total_due} by the "
            "new deadline of {deadline}."
        ),
        "body_last": (
            "Despite our reminders, our invoice {document_nr} of {invoice_date}, due on "
            "{due_date}, is still unpaid. We grant you a final deadline of {deadline} to pay "
            "the outstanding amount of {total_due}."
        ),
        "consequence": (
            "If payment is not received by then, we will initiate debt enforcement proceedings "
            "(Betreibung)."
        ),
        "col_invoice": "Invoice",
        "col_invoice_date": "Invoice date",
        "col_due_date": "Due date",
        "col_amount": "Open {currency}",
        "fee": "Reminder fee ({title})",
        "fee_level": "Reminder fee (level {level})",
        "interest": "Default interest {rate}\xa0% on {base} for {days} days",
        "interest_one": "Default interest {rate}\xa0% on {base} for 1 day",
        "total": "To pay by {deadline}",
        "separately": "Invoiced separately (not in the amount above)",
        "pay_qr": "Please use the QR payment part of this letter to pay.",
        "pay_iban": (
            "Please transfer the amount to account {iban} of {creditor}, quoting the "
            "reference {reference}."
        ),
        "crossing": "If you have already paid, please disregard this letter.",
        "contact": (
            "If you have any questions about this invoice or would like to pay in instalments, "
            "please contact us at {contact}."
        ),
        "contact_none": "Please contact us if you have any questions about this invoice.",
        "closing": "Kind regards",
        "additional_info": "{title} for invoice {document_nr}",
        "page": "Page {page} of {pages}",
        "draft": "DRAFT",
    },
}

# The captions of the payment part, as the Swiss Implementation Guidelines word them.
PAYMENT_LABELS: dict[str, dict[str, str]] = {
    "de": {
        "receipt": "Empfangsschein",
        "payment_part": "Zahlteil",
        "account": "Konto / Zahlbar an",
        "reference": "Referenz",
        "additional": "Zusätzliche Informationen",
        "payable_by": "Zahlbar durch",
        "payable_by_blank": "Zahlbar durch (Name/Adresse)",
        "currency": "Währung",
        "amount": "Betrag",
        "acceptance": "Annahmestelle",
        "separate": "Vor der Einzahlung abzutrennen",
    },
    "fr": {
        "receipt": "Récépissé",
        "payment_part": "Section paiement",
        "account": "Compte / Payable à",
        "reference": "Référence",
        "additional": "Informations supplémentaires",
        "payable_by": "Payable par",
        "payable_by_blank": "Payable par (nom/adresse)",
        "currency": "Monnaie",
        "amount": "Montant",
        "acceptance": "Point de dépôt",
        "separate": "A détacher avant le versement",
    },
    "it": {
        "receipt": "Ricevuta",
        "payment_part": "Sezione pagamento",
        "account": "Conto / Pagabile a",
        "reference": "Riferimento",
        "additional": "Informazioni supplementari",
        "payable_by": "Pagabile da",
        "payable_by_blank": "Pagabile da (nome/indirizzo)",
        "currency": "Valuta",
        "amount": "Importo",
        "acceptance": "Punto di accettazione",
        "separate": "Da staccare prima del versamento",
    },
    "en": {
        "receipt": "Receipt",
        "payment_part": "Payment part",
        "account": "Account / Payable to",
        "reference": "Reference",
        "additional": "Additional information",
        "payable_by": "Payable by",
        "payable_by_blank": "Payable by (name/address)",
        "currency": "Currency",
        "amount": "Amount",
        "acceptance": "Acceptance point",
        "separate": "Separate before paying in",
    },
}


def body_position(level: int, level_count: int) -> str:
    """Which default body a level gets: the first is polite, later ones firmer."""
    if level <= 1:
        return "body_first"
    if level >= level_count:
        return "body_last"
    return "body_middle"
