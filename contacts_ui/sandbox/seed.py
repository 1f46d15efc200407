"""Repeatable, realistic Polish demo data for a sandbox account.

`seed_account()` replaces an account's groups and contacts with generated ones.
The same arguments and the same seed give byte-identical data: every random
choice comes from one `random.Random(seed)`, drawn in a fixed order, one
contact after another, so the batch size does not change the outcome.
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate

from django.db import connection, transaction

from .models import Account, BlacklistedNumber, Contact, Group, Membership, build_search_text

BATCH_SIZE = 5_000
MAX_CONTACTS = 1_000_000

# --- Word lists -----------------------------------------------------------------

# Group names with their rough relative sizes: a newsletter reaches many more
# people than the VIP list does.
GROUPS = (
    ("Klienci VIP", 2),
    ("Hurtownie", 3),
    ("Newsletter", 12),
    ("Dostawcy", 2),
    ("Kraków – oddział", 5),
    ("Klienci stali", 8),
    ("Nowi klienci", 5),
    ("Partnerzy", 2),
    ("Pracownicy", 2),
    ("Warszawa – oddział", 6),
    ("Gdańsk – oddział", 3),
    ("Wrocław – oddział", 3),
    ("Poznań – oddział", 3),
    ("Łódź – oddział", 3),
    ("Przypomnienia o wizytach", 4),
    ("Promocje weekendowe", 6),
    ("Klienci hurtowi", 3),
    ("Klienci detaliczni", 7),
    ("Serwis i gwarancje", 3),
    ("Windykacja", 1),
    ("Rekrutacja", 1),
    ("Kierowcy", 1),
    ("Handlowcy", 1),
    ("Zarząd", 0.3),
    ("Program lojalnościowy", 5),
    ("Targi 2025", 2),
    ("Szkolenia", 1),
    ("Wspólnoty mieszkaniowe", 1),
    ("Apteki", 1),
    ("Gabinety stomatologiczne", 1),
    ("Szkoły i przedszkola", 1),
    ("Rolnicy", 1),
    ("Flota", 0.5),
    ("Ankieta satysfakcji", 3),
    ("Zaległe płatności", 1),
    ("Nieaktywni", 4),
    ("Subskrybenci SMS", 8),
    ("Black Friday", 4),
    ("Życzenia świąteczne", 6),
    ("Odbiór osobisty", 2),
)

MALE_FIRST_NAMES = (
    "Adam", "Adrian", "Andrzej", "Antoni", "Arkadiusz", "Bartłomiej", "Bogdan", "Cezary",
    "Damian", "Daniel", "Dariusz", "Dawid", "Dominik", "Filip", "Franciszek", "Grzegorz",
    "Henryk", "Hubert", "Jacek", "Jakub", "Jan", "Janusz", "Jarosław", "Jerzy", "Józef",
    "Kacper", "Kamil", "Karol", "Kazimierz", "Konrad", "Krystian", "Krzysztof", "Leszek",
    "Łukasz", "Maciej", "Marcin", "Marek", "Mariusz", "Mateusz", "Michał", "Mikołaj",
    "Mirosław", "Norbert", "Patryk", "Paweł", "Piotr", "Przemysław", "Radosław", "Rafał",
    "Robert", "Roman", "Ryszard", "Sebastian", "Sławomir", "Stanisław", "Stefan", "Szymon",
    "Tadeusz", "Tomasz", "Wiesław", "Wiktor", "Witold", "Władysław", "Wojciech", "Zbigniew",
    "Zdzisław", "Zenon", "Zygmunt",
)  # fmt: skip

FEMALE_FIRST_NAMES = (
    "Agata", "Agnieszka", "Aleksandra", "Alicja", "Anna", "Barbara", "Beata", "Bożena",
    "Danuta", "Dominika", "Dorota", "Edyta", "Elżbieta", "Ewa", "Ewelina", "Gabriela",
    "Grażyna", "Halina", "Hanna", "Irena", "Iwona", "Izabela", "Jadwiga", "Janina",
    "Joanna", "Jolanta", "Julia", "Justyna", "Kamila", "Karolina", "Katarzyna", "Krystyna",
    "Lena", "Łucja", "Magdalena", "Małgorzata", "Maria", "Marianna", "Marta", "Martyna",
    "Monika", "Natalia", "Patrycja", "Paulina", "Renata", "Sylwia", "Stanisława", "Teresa",
    "Urszula", "Weronika", "Wiesława", "Wiktoria", "Zofia", "Zuzanna", "Żaneta", "Żaklina",
)  # fmt: skip

# Men's forms, most frequent first; a woman's -ski/-cki/-dzki becomes -ska/-cka/-dzka.
SURNAMES = (
    "Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski",
    "Zieliński", "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur",
    "Kwiatkowski", "Wojciechowski", "Krawczyk", "Kaczmarek", "Piotrowski", "Grabowski",
    "Zając", "Pawłowski", "Michalski", "Król", "Nowakowski", "Wieczorek", "Wróbel",
    "Jabłoński", "Wróblewski", "Majewski", "Olszewski", "Stępień", "Malinowski", "Jaworski",
    "Adamczyk", "Dudek", "Nowicki", "Pawlak", "Górski", "Witkowski", "Walczak", "Sikora",
    "Baran", "Rutkowski", "Michalak", "Szewczyk", "Ostrowski", "Tomaszewski", "Pietrzak",
    "Zalewski", "Marciniak", "Jasiński", "Zawadzki", "Bąk", "Jakubowski",
    "Sadowski", "Duda", "Włodarczyk", "Wilk", "Chmielewski", "Borkowski", "Sokołowski",
    "Szczepański", "Sawicki", "Lis", "Kucharski", "Kalinowski", "Wysocki", "Mazurek",
    "Kubiak", "Kaźmierczak", "Czarnecki", "Sobczak", "Konieczny", "Głowacki", "Zakrzewski",
    "Kowalewski", "Kołodziej", "Sikorski", "Krajewski", "Gajewski", "Szulc", "Baranowski",
    "Laskowski", "Brzeziński", "Makowski", "Ziółkowski", "Przybylski", "Domański",
    "Nowacki", "Borowski", "Błaszczyk", "Chojnacki", "Ciesielski", "Mróz", "Szczepaniak",
    "Wesołowski", "Górecki", "Krupa", "Kaczmarczyk", "Leśniak", "Kurek", "Żak", "Żukowski",
    "Łuczak", "Łapiński", "Śliwiński", "Ślusarczyk", "Cieślak", "Gołębiowski", "Ćwikliński",
)  # fmt: skip
# Zipf-like weights: Nowak and Kowalski are far more common than Ćwikliński.
SURNAME_WEIGHTS = tuple(accumulate(1 / (rank + 4) for rank in range(len(SURNAMES))))

# Cities with rough weights (population in tens of thousands).
CITIES = (
    ("Warszawa", 180), ("Kraków", 80), ("Łódź", 66), ("Wrocław", 64), ("Poznań", 54),
    ("Gdańsk", 47), ("Szczecin", 39), ("Bydgoszcz", 33), ("Lublin", 33), ("Białystok", 29),
    ("Katowice", 28), ("Gdynia", 24), ("Częstochowa", 21), ("Radom", 20), ("Toruń", 20),
    ("Sosnowiec", 19), ("Kielce", 18), ("Rzeszów", 19), ("Gliwice", 17), ("Zabrze", 16),
    ("Olsztyn", 17), ("Bielsko-Biała", 17), ("Bytom", 16), ("Zielona Góra", 14), ("Rybnik", 13),
    ("Ruda Śląska", 13), ("Opole", 12), ("Tychy", 12), ("Gorzów Wielkopolski", 12),
    ("Elbląg", 11), ("Płock", 11), ("Dąbrowa Górnicza", 11), ("Wałbrzych", 11),
    ("Włocławek", 10), ("Tarnów", 10), ("Chorzów", 10), ("Koszalin", 10), ("Kalisz", 10),
    ("Legnica", 10), ("Grudziądz", 9), ("Słupsk", 9), ("Jaworzno", 9), ("Jelenia Góra", 8),
    ("Nowy Sącz", 8), ("Jastrzębie-Zdrój", 8), ("Siedlce", 8), ("Mysłowice", 7),
    ("Konin", 7), ("Piła", 7), ("Piotrków Trybunalski", 7), ("Inowrocław", 7),
    ("Lubin", 7), ("Ostrów Wielkopolski", 7), ("Suwałki", 7), ("Gniezno", 7),
    ("Stargard", 7), ("Głogów", 7), ("Pruszków", 6), ("Zamość", 6), ("Łomża", 6),
    ("Żory", 6), ("Świdnica", 6), ("Ełk", 6), ("Przemyśl", 6), ("Zakopane", 3),
    ("Sopot", 3), ("Łowicz", 3), ("Wieliczka", 3), ("Żyrardów", 4), ("Kołobrzeg", 5),
)  # fmt: skip
CITY_NAMES = tuple(name for name, _ in CITIES)
CITY_WEIGHTS = tuple(accumulate(weight for _, weight in CITIES))

STREETS = (
    "Mickiewicza", "Słowackiego", "Kościuszki", "Sienkiewicza", "Piłsudskiego", "Żeromskiego",
    "Kopernika", "Prusa", "Reymonta", "Konopnickiej", "Chopina", "Moniuszki", "Matejki",
    "Długa", "Krótka", "Polna", "Leśna", "Ogrodowa", "Lipowa", "Brzozowa", "Kwiatowa",
    "Szkolna", "Kościelna", "Słoneczna", "Zielona", "Wiejska", "Łąkowa", "Parkowa", "Różana",
    "Jana Pawła II", "3 Maja", "11 Listopada", "Grunwaldzka", "Wojska Polskiego",
    "Armii Krajowej", "Dworcowa", "Kolejowa", "Mostowa", "Młyńska", "Ogrodnicza",
    "Żwirki i Wigury", "Świętokrzyska", "Bolesława Chrobrego", "Kazimierza Wielkiego",
    "Władysława Łokietka", "Marii Skłodowskiej-Curie", "Wyszyńskiego", "Fabryczna",
    "Przemysłowa", "Spokojna", "Górna", "Dolna", "Cicha", "Wąska", "Źródlana", "Jaśminowa",
)  # fmt: skip
# Other kinds of address than "ul.", with the places they name.
OTHER_ADDRESSES = (
    ("al.", ("Jerozolimskie", "Niepodległości", "Solidarności", "Wojska Polskiego", "Róż")),
    ("pl.", ("Wolności", "Grunwaldzki", "Kościuszki", "Targowy")),
    ("os.", ("Tysiąclecia", "Słoneczne", "Kalinowe", "Piastów", "Zawadzkiego")),
)

EMAIL_DOMAINS = (
    ("gmail.com", 30), ("wp.pl", 18), ("o2.pl", 12), ("onet.pl", 12), ("interia.pl", 10),
    ("op.pl", 5), ("poczta.onet.pl", 3), ("tlen.pl", 2), ("outlook.com", 4),
    ("yahoo.com", 2), ("icloud.com", 2),
)  # fmt: skip
EMAIL_DOMAIN_NAMES = tuple(name for name, _ in EMAIL_DOMAINS)
EMAIL_DOMAIN_WEIGHTS = tuple(accumulate(weight for _, weight in EMAIL_DOMAINS))

# (company name, its web domain); {s} is a surname, {city} a city, {slug} the
# ASCII, lower-case surname.
COMPANIES = (
    ("Usługi Remontowe {s} sp. z o.o.", "{slug}-remonty.pl"),
    ("PHU {s}", "phu-{slug}.pl"),
    ("F.H.U. {s}", "fhu{slug}.pl"),
    ("{s} i Wspólnicy sp.j.", "{slug}.com.pl"),
    ("Biuro Rachunkowe {s}", "br-{slug}.pl"),
    ("Kancelaria Prawna {s} i Partnerzy", "kancelaria-{slug}.pl"),
    ("Auto-Serwis {s}", "autoserwis-{slug}.pl"),
    ("Piekarnia {s} s.c.", "piekarnia{slug}.pl"),
    ("Transport {s} sp. z o.o.", "{slug}-transport.pl"),
    ("Zakład Stolarski {s}", "stolarnia-{slug}.pl"),
    ("Hurtownia Budowlana {s}", "hurtownia-{slug}.pl"),
    ("Gabinet Stomatologiczny {s}", "dentysta-{slug}.pl"),
    ("{s} Nieruchomości", "{slug}-nieruchomosci.pl"),
    ("Przedsiębiorstwo Handlowe {s} S.A.", "ph{slug}.pl"),
    ("Kwiaciarnia u {s}", "kwiaty-{slug}.pl"),
    ("Apteka Pod Lwem", "apteka-podlwem.pl"),
    ("Spółdzielnia Mieszkaniowa „Zacisze”", "sm-zacisze.pl"),
    ("Ogrody {city} sp. z o.o.", "ogrody-{city_slug}.pl"),
    ("Drukarnia {city}", "drukarnia-{city_slug}.pl"),
    ("Elektro-Instal {s}", "elektroinstal.pl"),
    ("Szkoła Językowa Lingwista", "lingwista.edu.pl"),
    ("Fundacja Pomocna Dłoń", "pomocnadlon.org.pl"),
)

# First three digits of real NIPs: the number of the issuing tax office.
TAX_OFFICES = (
    "525", "526", "527", "521", "113", "118", "951", "676", "677", "679", "945", "779",
    "778", "781", "782", "583", "584", "586", "587", "851", "852", "955", "554", "953",
    "712", "713", "542", "966", "634", "954", "573", "949", "796", "948", "813", "957",
)  # fmt: skip
NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)

# Two-digit starts of Polish mobile numbers.
MOBILE_PREFIXES = ("50", "51", "53", "57", "60", "66", "69", "72", "73", "78", "79", "88")

DESCRIPTIONS = (
    "Stały klient",
    "Preferuje kontakt SMS",
    "Dzwonić po 16:00",
    "Nie dzwonić w weekendy",
    "Zamówienie hurtowe co miesiąc",
    "Rabat 10%",
    "Rabat 5% na stałe",
    "Kontakt z targów w Poznaniu",
    "Płatność przelewem 14 dni",
    "Faktura na firmę",
    "Zgoda marketingowa: tak",
    "Prosi o przypomnienie dzień przed wizytą",
    "Klient z polecenia",
    "Reklamacja w toku",
    "Odbiór osobisty",
    "Dostawa tylko rano",
    "Wysyłać ofertę kwartalnie",
    "Zaległa faktura – przypomnieć",
    "Właściciel firmy",
    "Księgowa, sprawy faktur",
    "Osoba decyzyjna",
    "Były pracownik",
    "Urodziny w maju",
    "Kierownik zmiany",
)

ASCII_LETTERS = str.maketrans(
    "ąćęłńóśźżĄĆĘŁŃÓŚŹŻ",
    "acelnoszzACELNOSZZ",
)


# --- Generating one thing at a time -----------------------------------------------


def ascii_fold(text: str) -> str:
    """Polish letters to their plain ASCII base: "Łódź" -> "Lodz"."""
    return text.translate(ASCII_LETTERS)


def _slug(text: str) -> str:
    return "".join(c for c in ascii_fold(text).lower() if c.isalnum())


def nip_check_digit(first_nine: str) -> int:
    """The tenth digit of a NIP (10 means the nine digits make no valid NIP)."""
    return sum(int(d) * w for d, w in zip(first_nine, NIP_WEIGHTS, strict=True)) % 11


def is_valid_nip(nip: str) -> bool:
    return len(nip) == 10 and nip.isdigit() and nip_check_digit(nip[:9]) == int(nip[9])


def _groups(count: int) -> list[tuple[str, float]]:
    """`count` groups' distinct names and sizes; past the list, "Newsletter 2", ..."""
    groups = []
    for i in range(count):
        name, size = GROUPS[i % len(GROUPS)]
        round_ = i // len(GROUPS)
        groups.append((name, size) if round_ == 0 else (f"{name} {round_ + 1}", size))
    return groups


def group_names(count: int) -> list[str]:
    """`count` distinct realistic group names."""
    return [name for name, _ in _groups(count)]


def feminine(surname: str) -> str:
    """A woman's form of a man's surname: Kowalski -> Kowalska, Nowak -> Nowak."""
    return surname[:-1] + "a" if surname.endswith("ki") else surname


class ContactMaker:
    """Makes one contact's fields after another from a seeded random generator."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.phones: set[str] = set()
        self.emails: set[str] = set()

    def phone(self) -> str:
        rng = self.rng
        while True:
            phone = f"+48{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10_000_000):07d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def nip(self) -> str:
        rng = self.rng
        while True:
            first_nine = f"{rng.choice(TAX_OFFICES)}{rng.randrange(1_000_000):06d}"
            check = nip_check_digit(first_nine)
            if check != 10:
                return f"{first_nine}{check}"

    def address(self) -> str:
        rng = self.rng
        roll = rng.random()
        number = str(rng.randint(1, 40 if roll < 0.7 else 120 if roll < 0.95 else 250))
        if rng.random() < 0.15:
            number += rng.choice("abc")
        if rng.random() < 0.45:
            number += f"/{rng.randint(1, 80)}"
        if rng.random() < 0.12:
            prefix, places = rng.choice(OTHER_ADDRESSES)
            return f"{prefix} {rng.choice(places)} {number}"
        return f"ul. {rng.choice(STREETS)} {number}"

    def email(self, first: str, last: str, company_domain: str) -> str:
        rng = self.rng
        first, last = _slug(first), _slug(last)
        if company_domain and rng.random() < 0.6:
            if rng.random() < 0.2:
                # A shared office mailbox: the one address colleagues have in common.
                return f"biuro@{company_domain}"
            domain = company_domain
            local = rng.choice((f"{first}.{last}", f"{first[0]}.{last}", first))
        else:
            domain = rng.choices(EMAIL_DOMAIN_NAMES, cum_weights=EMAIL_DOMAIN_WEIGHTS)[0]
            local = rng.choice(
                (
                    f"{first}.{last}",
                    f"{first}{last}",
                    f"{first[0]}{last}",
                    f"{last}.{first}",
                    f"{first}.{last}{rng.randint(1, 99)}",
                    f"{first}{rng.randint(1960, 2005)}",
                )
            )
        # Two people do not share a personal address: a namesake gets a number.
        email, number = f"{local}@{domain}", 1
        while email in self.emails:
            number += 1
            email = f"{local}{number}@{domain}"
        self.emails.add(email)
        return email

    def company(self, surname: str, city: str) -> tuple[str, str]:
        """A company name and its web domain."""
        rng = self.rng
        # Half the companies carry the contact's own surname, as family firms do.
        if rng.random() >= 0.5:
            surname = rng.choices(SURNAMES, cum_weights=SURNAME_WEIGHTS)[0]
        name, domain = rng.choice(COMPANIES)
        values = {"s": surname, "slug": _slug(surname), "city": city, "city_slug": _slug(city)}
        return name.format(**values), domain.format(**values)

    def description(self, blacklisted: bool) -> str:
        rng = self.rng
        if blacklisted and rng.random() < 0.7:
            return rng.choice(("Prosi o niewysyłanie SMS", "Rezygnacja z powiadomień", "STOP"))
        roll = rng.random()
        if roll < 0.55:
            return ""
        if roll < 0.6:
            if rng.random() < 0.5:
                first, last = rng.choice(FEMALE_FIRST_NAMES), feminine(rng.choice(SURNAMES))
            else:
                first, last = rng.choice(MALE_FIRST_NAMES), rng.choice(SURNAMES)
            return f"Z polecenia: {first} {last}"
        return rng.choice(DESCRIPTIONS)

    def contact(self) -> dict[str, object]:
        """One contact's fields (no account, no groups)."""
        rng = self.rng
        woman = rng.random() < 0.5
        first = rng.choice(FEMALE_FIRST_NAMES if woman else MALE_FIRST_NAMES)
        last = rng.choices(SURNAMES, cum_weights=SURNAME_WEIGHTS)[0]
        last_name = feminine(last) if woman else last
        city = rng.choices(CITY_NAMES, cum_weights=CITY_WEIGHTS)[0]
        company, company_domain, tax_id = "", "", ""
        if rng.random() < 0.35:
            company, company_domain = self.company(last, city)
            tax_id = self.nip()
        blacklist = rng.random() < 0.02
        return {
            "phone": self.phone(),
            "email": self.email(first, last_name, company_domain) if rng.random() < 0.85 else "",
            "first_name": first,
            "last_name": last_name,
            "company": company,
            "tax_id": tax_id,
            "address": self.address() if rng.random() < 0.9 else "",
            "city": city,
            "description": self.description(blacklist),
            "blacklist": blacklist,
        }

    def group_picks(self, group_count: int, cum_weights: list[float]) -> list[int]:
        """Indexes of a contact's groups: ~10% none, ~75% one, ~15% two or three."""
        rng = self.rng
        if group_count == 0:
            return []
        roll = rng.random()
        wanted = 0 if roll < 0.10 else 1 if roll < 0.85 else 2 if roll < 0.95 else 3
        wanted = min(wanted, group_count)
        picks: list[int] = []
        while len(picks) < wanted:
            index = rng.choices(range(group_count), cum_weights=cum_weights)[0]
            if index not in picks:
                picks.append(index)
        return sorted(picks)


def generate(contacts: int, groups: int, seed: int = 1) -> Iterator[tuple[dict, list[int]]]:
    """(fields, group indexes) for each contact, the same for the same arguments."""
    rng = random.Random(seed)
    maker = ContactMaker(rng)
    cum_weights = list(accumulate(size for _, size in _groups(groups)))
    for _ in range(contacts):
        fields = maker.contact()
        yield fields, maker.group_picks(groups, cum_weights)


# --- Writing to the database ------------------------------------------------------


@dataclass
class Cleared:
    contacts: int
    groups: int


@dataclass
class Seeded:
    contacts: int
    groups: int
    memberships: int


def clear_account(account: Account) -> Cleared:
    """Delete the account's contacts, groups, memberships and blacklist."""
    # The memberships go first, in one statement; then the contacts in one
    # plain DELETE. The ORM's cascading delete would fetch every contact and
    # delete them a hundred at a time: 15 s instead of 3 s at 100,000 contacts.
    Membership.objects.filter(contact__account=account).delete()
    Membership.objects.filter(group__account=account).delete()
    table = connection.ops.quote_name(Contact._meta.db_table)
    column = connection.ops.quote_name(Contact._meta.get_field("account").column)
    with connection.cursor() as cursor:
        # Both names come from the model, not from input.
        cursor.execute(f"DELETE FROM {table} WHERE {column} = %s", [account.id])  # noqa: S608
        contacts = cursor.rowcount
    groups, _ = Group.objects.filter(account=account).delete()
    BlacklistedNumber.objects.filter(account=account).delete()
    return Cleared(contacts=contacts, groups=groups)


def seed_account(
    account: Account, contacts: int, groups: int, seed: int = 1, batch_size: int = BATCH_SIZE
) -> tuple[Cleared, Seeded]:
    """Replace the account's groups and contacts with generated ones, in one transaction."""
    if not 0 <= contacts <= MAX_CONTACTS:
        raise ValueError(f"contacts must be between 0 and {MAX_CONTACTS}")
    if groups < 0:
        raise ValueError("groups must not be negative")
    with transaction.atomic():
        cleared = clear_account(account)
        group_rows = Group.objects.bulk_create(
            [Group(account=account, name=name) for name in group_names(groups)],
            batch_size=batch_size,
        )
        group_ids = [group.id for group in group_rows]
        memberships = 0
        batch: list[tuple[Contact, list[int]]] = []
        listed = set()
        for fields, picks in generate(contacts, groups, seed):
            if fields.pop("blacklist"):
                listed.add(fields["phone"])
            contact = Contact(account_id=account.id, **fields)
            contact.search_text = build_search_text(contact)
            batch.append((contact, picks))
            if len(batch) == batch_size:
                memberships += _write(batch, group_ids)
                batch = []
        if batch:
            memberships += _write(batch, group_ids)
        # The blacklist is the account's, by phone: the flagged contacts' numbers are on it.
        BlacklistedNumber.objects.bulk_create(
            [BlacklistedNumber(account=account, phone=phone) for phone in sorted(listed)],
            batch_size=batch_size,
            ignore_conflicts=True,
        )
    refresh_statistics()
    return cleared, Seeded(contacts=contacts, groups=groups, memberships=memberships)


def refresh_statistics() -> None:
    """Let the query planner see the tables as they now are.

    Right after a bulk load neither SQLite nor PostgreSQL knows the tables' sizes
    (PostgreSQL's autovacuum catches up only later), and the planner picks poor
    plans: at 100,000 contacts a `contacts/index` filtered by group took 63 ms
    instead of 37 ms on SQLite, and twice as long on PostgreSQL.
    """
    with connection.cursor() as cursor:
        for model in (Contact, Membership, Group):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _write(batch: list[tuple[Contact, list[int]]], group_ids: list[int]) -> int:
    # bulk_create sets the primary keys on SQLite and PostgreSQL, which the
    # memberships need.
    Contact.objects.bulk_create([contact for contact, _ in batch])
    rows = [
        Membership(contact_id=contact.id, group_id=group_ids[index])
        for contact, picks in batch
        for index in picks
    ]
    Membership.objects.bulk_create(rows)
    return len(rows)
