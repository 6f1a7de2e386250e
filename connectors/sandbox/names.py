"""Word lists for the generated company: names, streets, towns and invoice titles by language.

Chosen to exercise what breaks letters: umlauts, accents, apostrophes, ampersands.
"""

from __future__ import annotations

__all__ = [
    "ABROAD",
    "COMPANY_FORMS",
    "COMPANY_STEMS",
    "FEMALE_FIRST_NAMES",
    "FIRST_NAMES",
    "LAST_NAMES",
    "SHOWCASE_COMPANIES",
    "STREETS",
    "TITLES",
    "TOWNS",
]

# (name_1, name_2, language): always the first contacts, so every data set shows them.
SHOWCASE_COMPANIES = [
    ("Müller & Söhne AG", None, "de"),
    ("L'Atelier d'Émilie Sàrl", None, "fr"),
    ("Caffè Nonna Lucia SA", None, "it"),
    ("Brügger Holzbau GmbH", "Zweigniederlassung Thun", "de"),
    ("O'Brien & Partners Ltd", None, "en"),
]

COMPANY_STEMS = {
    "de": [
        "Bäckerei Gerber",
        "Schreinerei Zürcher",
        "Gärtnerei Blum",
        "Elektro Känzig",
        "Malerei Hüsler",
        "Treuhand Rüegg",
        "Velo Flückiger",
        "Architekturbüro Bösch",
        "Metzgerei Jäggi",
        "Druckerei Stämpfli",
        "Sanitär Würgler",
        "Weinbau Schürch",
    ],
    "fr": [
        "Boulangerie Favre",
        "Garage du Léman",
        "Fromagerie Rochat",
        "Atelier Dubois",
        "Menuiserie Perrenoud",
        "Éditions Vaucher",
        "Café de l'Hôtel-de-Ville",
        "Fiduciaire Chappuis",
        "Vins d'Ollon",
        "Électricité Gétaz",
    ],
    "it": [
        "Panetteria Bernasconi",
        "Falegnameria Rossi",
        "Osteria dell'Angelo",
        "Tipografia Pedrazzini",
        "Ferramenta Cattaneo",
        "Studio d'Architettura Galli",
        "Gelateria Ghisletta",
        "Vini Crivelli",
    ],
    "en": [
        "Alpine Software",
        "Lakeside Design",
        "Summit Translations",
        "Glacier Analytics",
        "Matterhorn Tours",
        "Edelweiss Media",
    ],
}
COMPANY_FORMS = {
    "de": ["AG", "GmbH", "AG", "& Co.", "KLG"],
    "fr": ["SA", "Sàrl", "SA"],
    "it": ["SA", "Sagl", "SA"],
    "en": ["Ltd", "AG", "GmbH"],
}

FIRST_NAMES = {
    "de": ["Jürg", "Käthi", "Lukas", "Anna-Lena", "Reto", "Beat", "Ursula", "Mägi", "Hanspeter"],
    "fr": ["Émilie", "François", "Anaïs", "Jérôme", "Céline", "Noël", "Hélène", "Loïc"],
    "it": ["Niccolò", "Lucía", "Matteo", "Giulia", "Nicolò", "Chiara", "Fabrizio"],
    "en": ["Zoë", "Siobhan", "Liam", "Chloë", "Ethan", "Grace"],
}
FEMALE_FIRST_NAMES = frozenset(
    {"Käthi", "Anna-Lena", "Ursula", "Mägi", "Émilie", "Anaïs", "Céline", "Hélène"}
    | {"Lucía", "Giulia", "Chiara", "Zoë", "Siobhan", "Chloë", "Grace"}
)
LAST_NAMES = {
    "de": ["Müller", "Brönnimann", "Schär", "Gächter", "Zbinden", "Weibel", "Hösli", "Bühler"],
    "fr": ["Dupré", "D'Agostino", "Lefèvre", "Monnier", "de Rham", "Chevènement", "Bréguet"],
    "it": ["D'Amico", "Lüthi-Bernasconi", "Sciarè", "Pellegrini", "Dell'Oro", "Foletti"],
    "en": ["O'Connor", "McAllister", "Smith-Jones", "Brontë", "O'Hara"],
}

STREETS = {
    "de": [
        "Bahnhofstrasse",
        "Dorfstrasse",
        "Seestrasse",
        "Hauptstrasse",
        "Rütistrasse",
        "Zürcherstrasse",
        "Kirchgasse",
        "Obere Gasse",
        "Mühlebachstrasse",
        "Jungfraustrasse",
    ],
    "fr": [
        "Rue du Marché",
        "Avenue de la Gare",
        "Chemin des Vignes",
        "Rue de l'Hôpital",
        "Route de Genève",
        "Place Saint-François",
        "Rue du Lac",
    ],
    "it": [
        "Via Nassa",
        "Via Cantonale",
        "Piazza Grande",
        "Via San Gottardo",
        "Viale Stefano Franscini",
        "Via ai Mulini",
    ],
}
STREETS["en"] = STREETS["de"]

TOWNS = {
    "de": [
        ("8001", "Zürich"),
        ("3011", "Bern"),
        ("4051", "Basel"),
        ("6003", "Luzern"),
        ("9000", "St. Gallen"),
        ("8400", "Winterthur"),
        ("6300", "Zug"),
        ("7000", "Chur"),
        ("2502", "Biel/Bienne"),
        ("3600", "Thun"),
        ("5400", "Baden"),
        ("8200", "Schaffhausen"),
    ],
    "fr": [
        ("1201", "Genève"),
        ("1003", "Lausanne"),
        ("2000", "Neuchâtel"),
        ("1700", "Fribourg"),
        ("1950", "Sion"),
        ("2800", "Delémont"),
        ("1400", "Yverdon-les-Bains"),
        ("1820", "Montreux"),
    ],
    "it": [
        ("6900", "Lugano"),
        ("6500", "Bellinzona"),
        ("6600", "Locarno"),
        ("6850", "Mendrisio"),
        ("6710", "Biasca"),
    ],
}
TOWNS["en"] = TOWNS["de"]

# country -> (street, postcode, city)
ABROAD = {
    "DE": [
        ("Hauptstraße", "78462", "Konstanz"),
        ("Königstraße", "70173", "Stuttgart"),
        ("Maximilianstraße", "80539", "München"),
    ],
    "FR": [("Rue de la République", "74000", "Annecy"), ("Avenue de Colmar", "68100", "Mulhouse")],
    "IT": [("Via Garibaldi", "22100", "Como"), ("Corso Magenta", "20123", "Milano")],
}

TITLES = {
    "de": [
        "Beratung",
        "Wartung Webshop",
        "Reparatur Heizung",
        "Jahresabschluss",
        "Lieferung Büromaterial",
        "Gartenpflege",
        "Umbau Küche",
    ],
    "fr": [
        "Conseil",
        "Maintenance du site",
        "Réparation chauffage",
        "Bouclement annuel",
        "Livraison de matériel",
        "Entretien du jardin",
    ],
    "it": [
        "Consulenza",
        "Manutenzione sito",
        "Riparazione riscaldamento",
        "Chiusura annuale",
        "Fornitura materiale",
    ],
    "en": ["Consulting", "Website maintenance", "Translation services", "Annual accounts"],
}
