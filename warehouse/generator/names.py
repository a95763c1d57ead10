"""Name and place lists for the fictional borough.

Shipped as data so generation needs no network and no Faker. Every string here must encode in
cp1252 (the revenues extract's encoding); names such as O’Brien (curly apostrophe), Zoë and José
are here on purpose because only cp1252, not ASCII, can carry them.
"""

from __future__ import annotations

# Origin groups decide which forename and surname lists a household draws from, and its ethnicity.
ORIGINS: tuple[str, ...] = (
    "british", "irish", "european", "south_asian", "black_african", "caribbean", "east_asian", "other",
)
ORIGIN_WEIGHTS: tuple[float, ...] = (0.55, 0.04, 0.10, 0.12, 0.08, 0.05, 0.03, 0.03)

# DfE ethnicity codes (CIN census, SEN2) each origin group may report.
ORIGIN_ETHNICITY: dict[str, tuple[tuple[str, float], ...]] = {
    "british": (("WBRI", 0.95), ("NOBT", 0.03), ("REFU", 0.02)),
    "irish": (("WIRI", 0.9), ("WBRI", 0.1)),
    "european": (("WOTH", 0.8), ("WROM", 0.1), ("NOBT", 0.1)),
    "south_asian": (("AIND", 0.35), ("APKN", 0.35), ("ABAN", 0.2), ("AOTH", 0.1)),
    "black_african": (("BAFR", 0.9), ("BOTH", 0.1)),
    "caribbean": (("BCRB", 0.85), ("BOTH", 0.15)),
    "east_asian": (("CHNE", 0.8), ("AOTH", 0.2)),
    "other": (("OOTH", 0.6), ("AOTH", 0.2), ("REFU", 0.2)),
}
MIXED_ETHNICITY = ("MWBC", "MWBA", "MWAS", "MOTH")

# Descriptions (housing writes ethnicity as text) and NHS data dictionary letters (adult social care).
ETHNICITY_TEXT: dict[str, str] = {
    "WBRI": "White British", "WIRI": "White Irish", "WOTH": "Any other White background",
    "WROM": "Gypsy/Roma", "MWBC": "White and Black Caribbean", "MWBA": "White and Black African",
    "MWAS": "White and Asian", "MOTH": "Any other Mixed background", "AIND": "Indian",
    "APKN": "Pakistani", "ABAN": "Bangladeshi", "AOTH": "Any other Asian background",
    "BCRB": "Black Caribbean", "BAFR": "Black African", "BOTH": "Any other Black background",
    "CHNE": "Chinese", "OOTH": "Any other ethnic group", "REFU": "Refused", "NOBT": "Not known",
}
ETHNICITY_NHS: dict[str, str] = {
    "WBRI": "A", "WIRI": "B", "WOTH": "C", "WROM": "C", "MWBC": "D", "MWBA": "E", "MWAS": "F",
    "MOTH": "G", "AIND": "H", "APKN": "J", "ABAN": "K", "AOTH": "L", "BCRB": "M", "BAFR": "N",
    "BOTH": "P", "CHNE": "R", "OOTH": "S", "REFU": "Z", "NOBT": "99",
}

_ANGLO_M = ["James", "John", "Robert", "Michael", "William", "David", "Richard", "Joseph", "Thomas", "Charles", "Christopher", "Daniel", "Matthew", "Anthony", "Mark", "Paul", "Steven", "Andrew", "Kenneth", "Joshua", "Kevin", "Brian", "George", "Timothy", "Ronald", "Edward", "Jason", "Jeffrey", "Ryan", "Jacob", "Gary", "Nicholas", "Eric", "Jonathan", "Stephen", "Benjamin", "Samuel", "Alexander", "Patrick", "Jack", "Harry", "Oliver", "Charlie", "Alfie", "Freddie", "Archie", "Leo", "Noah", "Oscar", "Henry", "Theo", "Lewis", "Callum", "Liam", "Connor", "Jake", "Kieran", "Dean", "Lee", "Wayne", "Craig", "Stuart", "Graham", "Frederick", "Peter", "Philip", "Ian", "Colin", "Derek", "Terence", "Raymond", "Alan", "Keith", "Gordon", "Seán", "Ciarán", "Declan", "Rory", "Darren", "Jamal", "Tyrone", "Marcus", "Leon"]
_ANGLO_F = ["Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica", "Sarah", "Karen", "Margaret", "Lisa", "Nancy", "Sandra", "Ashley", "Emily", "Donna", "Michelle", "Carol", "Amanda", "Melissa", "Deborah", "Stephanie", "Rebecca", "Laura", "Helen", "Amy", "Kathleen", "Anna", "Emma", "Victoria", "Samantha", "Katherine", "Catherine", "Christine", "Rachel", "Nicola", "Claire", "Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Isabella", "Rosie", "Sophia", "Grace", "Freya", "Poppy", "Ella", "Ellie", "Evie", "Charlotte", "Chloe", "Chloë", "Zoë", "Abigail", "Alexandra", "Eleanor", "Hannah", "Lucy", "Megan", "Jade", "Kelly", "Tracey", "Joanne", "Julie", "Gillian", "Pauline", "Maureen", "Jean", "Doreen", "Siobhán", "Niamh", "Aoife", "Renée", "Kimberley", "Leanne", "Shanice", "Jasmine", "Danielle", "Natalie", "Georgina", "Josephine"]
_EURO_M = ["Piotr", "Tomasz", "Krzysztof", "Andrei", "Mihai", "Ion", "José", "João", "Luca", "Marco", "Giorgos", "Dimitris", "Jakub", "Marek", "Florin", "Björn", "Stefan", "Ioan"]
_EURO_F = ["Katarzyna", "Agnieszka", "Anna", "Magdalena", "Ioana", "Elena", "Maria", "Ana", "Giulia", "Sofia", "Zoë", "Andreea", "Monika", "Joanna", "Alina", "Inês"]
_SASIA_M = ["Mohammed", "Muhammad", "Ahmed", "Ali", "Hassan", "Imran", "Bilal", "Arjun", "Rahul", "Sanjay", "Vikram", "Ravi", "Amir", "Zain", "Ibrahim", "Rohan", "Harpreet", "Tariq", "Yusuf", "Sunil"]
_SASIA_F = ["Fatima", "Aisha", "Ayesha", "Zainab", "Priya", "Anjali", "Sunita", "Nadia", "Amina", "Maryam", "Sana", "Rukhsana", "Hina", "Deepa", "Neha", "Simran", "Farzana", "Shabnam", "Layla", "Noor"]
_AFR_M = ["Chinedu", "Emeka", "Kwame", "Kofi", "Oluwaseun", "Tunde", "Abdi", "Mohamed", "Samuel", "Daniel", "Emmanuel", "Joseph", "Tobi", "Femi", "Segun", "Yaw", "Ade"]
_AFR_F = ["Chioma", "Ngozi", "Amara", "Adaeze", "Funmilayo", "Abena", "Ama", "Yetunde", "Folasade", "Hodan", "Fartun", "Blessing", "Grace", "Precious", "Esther", "Adwoa"]
_EASIA_M = ["Wei", "Jun", "Hao", "Ming", "Jian", "Chen", "Kai", "Tuan", "Minh", "Hiroshi"]
_EASIA_F = ["Mei", "Li", "Xin", "Yan", "Ling", "Hui", "Jing", "Lan", "Thu", "Yuki"]
_OTHER_M = ["Omar", "Karim", "Yusuf", "Mehmet", "Mustafa", "Ahmet", "Hamza", "Khalid", "Tariq", "Sami"]
_OTHER_F = ["Leila", "Yasmin", "Rania", "Zeynep", "Elif", "Hiba", "Mariam", "Dina", "Salma", "Amira"]

FORENAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # origin -> (female names, male names)
    "british": (tuple(_ANGLO_F), tuple(_ANGLO_M)),
    "irish": (tuple(_ANGLO_F), tuple(_ANGLO_M)),
    "caribbean": (tuple(_ANGLO_F), tuple(_ANGLO_M)),
    "european": (tuple(_EURO_F), tuple(_EURO_M)),
    "south_asian": (tuple(_SASIA_F), tuple(_SASIA_M)),
    "black_african": (tuple(_AFR_F), tuple(_AFR_M)),
    "east_asian": (tuple(_EASIA_F), tuple(_EASIA_M)),
    "other": (tuple(_OTHER_F), tuple(_OTHER_M)),
}

SURNAMES: dict[str, tuple[str, ...]] = {
    "british": ("Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark", "Lee", "King", "Baker", "Harrison", "Morgan", "Allen", "James", "Scott", "Phillips", "Watson", "Davis", "Parker", "Price", "Bennett", "Young", "Griffiths", "Mitchell", "Kelly", "Cook", "Carter", "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy", "Miller", "Cox", "Richards", "Khan", "Marshall", "Anderson", "Simpson", "Ellis", "Adams", "Singh", "Begum", "Wilkinson", "Foster", "Chapman", "Powell", "Webb", "Rogers", "Gray", "Mason", "Ali", "Hunt", "Hussain", "Campbell", "Matthews", "Owen", "Palmer", "Holmes", "Mills", "Barnes", "Knight", "Lloyd", "Butler", "Russell", "Barker", "Fisher", "Stevens", "Jenkins", "Murray", "Dixon", "Harvey", "Graham", "Pearson", "Ahmed", "Fletcher", "Walsh", "Kaur", "Gibson", "Howard", "Andrews", "Stewart", "Elliott", "Reynolds", "Saunders", "Payne", "Fox", "Ford", "Pearce", "Day", "Brooks", "West", "Lawrence", "Cole", "Atkinson", "Bradley", "Spencer", "Gill", "Dawson", "Ball", "Burton", "Hart", "Smith-Jones", "Lloyd-Williams", "Fairbairn", "Ashworth", "Pennington", "Whitworth", "Greenhalgh", "Ramsbottom"),
    "irish": ("O’Brien", "O’Connor", "O’Sullivan", "Murphy", "Kelly", "Byrne", "Ryan", "Walsh", "O’Neill", "McCarthy", "Doyle", "Gallagher", "Quinn", "Brennan", "Kavanagh"),
    "european": ("Nowak", "Kowalski", "Wisniewski", "Wójcik", "Kowalczyk", "Popescu", "Ionescu", "Rossi", "Russo", "Ferrari", "Silva", "Santos", "Pereira", "Müller", "Schmidt", "Papadopoulos", "Novák", "Horváth"),
    "south_asian": ("Patel", "Khan", "Ahmed", "Hussain", "Ali", "Begum", "Singh", "Kaur", "Shah", "Sharma", "Rahman", "Islam", "Iqbal", "Akhtar", "Mahmood", "Chowdhury", "Miah", "Uddin", "Gupta", "Kumar", "Malik", "Bibi"),
    "black_african": ("Okafor", "Adeyemi", "Mensah", "Osei", "Okonkwo", "Adebayo", "Owusu", "Boateng", "Abdi", "Mohamed", "Warsame", "Nwosu", "Balogun", "Asante", "Eze"),
    "caribbean": ("Campbell", "Brown", "Williams", "Francis", "Grant", "Thomas", "Clarke", "Henry", "Reid", "Gordon", "Stewart", "Lewis"),
    "east_asian": ("Chen", "Wang", "Li", "Zhang", "Liu", "Wong", "Lam", "Nguyen", "Tran", "Chan", "Yang", "Huang"),
    "other": ("Yilmaz", "Kaya", "Demir", "Hassan", "Ibrahim", "Haddad", "Mansour", "Karimi", "Rostami", "Aziz"),
}

# More names of the smaller origin groups, commonest first, appended to the lists above.
_MORE_SURNAMES: dict[str, tuple[str, ...]] = {
    "irish": ("Kennedy", "Lynch", "Murray", "Nolan", "Daly", "Farrell", "Fitzgerald", "Maguire", "Reilly",
              "Flynn", "Power", "Dunne", "Carroll", "Hayes", "Keane", "Kenny", "McGrath", "Moran",
              "Sheridan", "Sweeney", "Higgins", "Regan", "Kearney", "Duffy", "Hogan", "Lennon"),
    "european": ("Lewandowski", "Zielinski", "Szymanski", "Wozniak", "Dabrowski", "Kaminski", "Stan",
                 "Dumitru", "Radu", "Constantin", "Esposito", "Romano", "Colombo", "Ricci", "Costa",
                 "Ferreira", "Oliveira", "Rodrigues", "Weber", "Wagner", "Becker", "Georgiou", "Dvorak",
                 "Kovacs", "Nagy", "Petrov", "Ivanov", "Jankowski", "Mazur", "Krawczyk"),
    "south_asian": ("Hossain", "Khatun", "Mistry", "Parmar", "Mehta", "Joshi", "Desai", "Sandhu", "Dhillon",
                    "Qureshi", "Siddiqui", "Sheikh", "Butt", "Chaudhry", "Anwar", "Aslam", "Bashir", "Javed",
                    "Karim", "Nawaz", "Rashid", "Raza", "Riaz", "Saleem", "Sultana", "Tahir", "Zaman",
                    "Das", "Rana", "Thakur", "Bhatti", "Choudhury", "Haque", "Kabir", "Sarkar"),
    "black_african": ("Okoro", "Obi", "Ogunleye", "Adewale", "Oyelaran", "Acheampong", "Appiah", "Darko",
                      "Ansah", "Agyeman", "Hassan", "Farah", "Ahmed", "Ismail", "Okeke", "Chukwu",
                      "Nwachukwu", "Olawale", "Bello", "Mwangi", "Otieno", "Kamara", "Sesay", "Conteh"),
    "caribbean": ("Bailey", "Johnson", "Smith", "Robinson", "Edwards", "Richards", "Samuels", "Morgan",
                  "Forbes", "Blake", "Bennett", "Simpson", "Powell", "Thompson", "Wright", "Hinds",
                  "Joseph", "Charles", "Baptiste", "Alleyne"),
    "east_asian": ("Ho", "Lau", "Leung", "Cheung", "Lim", "Tan", "Ng", "Pham", "Le", "Vu", "Hoang",
                   "Zhao", "Zhou", "Wu", "Xu", "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Lin", "Kim", "Park"),
    "other": ("Yildiz", "Celik", "Sahin", "Ozturk", "Aydin", "Arslan", "Hamdan", "Khalil", "Saleh",
              "Nasser", "Ahmadi", "Hosseini", "Mohammadi", "Rezaei", "Hakimi", "Jaber", "Darwish", "Aziz"),
}
SURNAMES = {origin: pool + tuple(n for n in _MORE_SURNAMES.get(origin, ()) if n not in pool)
            for origin, pool in SURNAMES.items()}

# English place-name elements: their compounds (Ashworth, Blackmore, Whitfield) are what most
# English surnames outside the commonest hundred look like. Without this long tail a borough of
# 1,200,000 had about 37 people under each British full name (a real one has a few), which no
# linkage, human or model, could tell apart.
_PLACE_FIRST = (
    "Ash", "Black", "Brad", "Brack", "Bram", "Brook", "Cald", "Carl", "Chad", "Church", "Clay", "Cole",
    "Crom", "Dal", "Dun", "East", "Eld", "Fair", "Farn", "Gold", "Green", "Hal", "Hard", "Hart", "Hather",
    "Haw", "Hay", "Heath", "Hol", "Horn", "Kings", "Lang", "Lid", "Lind", "Marl", "Mid", "Mill", "Moor",
    "New", "North", "Oak", "Pen", "Rad", "Red", "Ross", "Roth", "Sand", "Ship", "South", "Stan", "Stock",
    "Stow", "Sut", "Thorn", "Wal", "War", "West", "Whit", "Wick", "Win", "Wood", "Wor", "Yar", "Bur",
    "Cran", "Ever", "Fen", "Hack", "Lox", "Ryd",
)
_PLACE_LAST = (
    "ley", "ton", "worth", "field", "ford", "well", "wood", "by", "ham", "more", "dale", "stone",
    "croft", "bridge", "brook", "hurst", "combe", "don", "land", "ridge", "shaw", "wick", "thorpe",
    "stead", "cliffe", "gate", "hill", "low", "berry", "den",
)
ENGLISH_SURNAME_TAIL: tuple[str, ...] = tuple(sorted(
    {a + b for a in _PLACE_FIRST for b in _PLACE_LAST if a[-1] != b[0] and not (a[-1] == "h" and b[0] == "s")}
    - set(SURNAMES["british"])
))
# How much of each origin's people carry a name from the long tail rather than its own list.
SURNAME_TAIL_SHARE: dict[str, float] = {"british": 0.7, "irish": 0.3, "caribbean": 0.5}

_MORE_FORENAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "european": (("Ewa", "Karolina", "Natalia", "Paulina", "Beata", "Mihaela", "Cristina", "Francesca",
                  "Chiara", "Beatriz", "Petra", "Eva", "Lucia", "Daria"),
                 ("Pawel", "Michal", "Lukasz", "Adam", "Alexandru", "Gabriel", "Matteo", "Pedro", "Tiago",
                  "Nikos", "Lukas", "Tomas", "Viktor", "Mateusz")),
    "south_asian": (("Shazia", "Rubina", "Nasreen", "Parveen", "Salma", "Kiran", "Pooja", "Meera", "Asma",
                     "Sadia", "Tahmina", "Jasmin", "Reena", "Mumtaz", "Sabrina", "Anika"),
                    ("Abdul", "Aziz", "Faisal", "Hamid", "Irfan", "Kamran", "Nadeem", "Rashid", "Shahid",
                     "Usman", "Jaswinder", "Gurpreet", "Manoj", "Rajesh", "Arif", "Sohail")),
    "black_african": (("Nkechi", "Ifeoma", "Bisola", "Akosua", "Efua", "Halima", "Ifrah", "Zainab",
                       "Comfort", "Patience", "Joy", "Mercy", "Temitope", "Adunni"),
                      ("Chukwuma", "Ikenna", "Obinna", "Kwabena", "Kojo", "Ahmed", "Hamza", "Isaac",
                       "David", "Michael", "Babatunde", "Olumide", "Kayode", "Nnamdi")),
    "east_asian": (("Fang", "Jie", "Qing", "Ying", "Hong", "Linh", "Hoa", "Mai", "Anh", "Akiko",
                    "Min-ji", "Ji-woo", "Xiu", "Ping"),
                   ("Lei", "Bo", "Yong", "Tao", "Feng", "Long", "Duc", "Quang", "Hung", "Takeshi",
                    "Min-jun", "Ji-ho", "Cheng", "Bin")),
    "other": (("Noor", "Sara", "Lina", "Nour", "Aylin", "Defne", "Shirin", "Maryam", "Farah", "Huda",
               "Jana", "Rana"),
              ("Ali", "Hassan", "Hussein", "Emre", "Murat", "Reza", "Amir", "Dawood", "Bilal", "Faris",
               "Majid", "Nabil")),
}
FORENAMES = {origin: tuple(pool + tuple(n for n in _MORE_FORENAMES.get(origin, ((), ()))[s] if n not in pool)
                           for s, pool in enumerate(pools))
             for origin, pools in FORENAMES.items()}


def commonest_first_weights(n: int) -> list[float]:
    """Shares of ``n`` names listed commonest first: a Zipf-like law, as real surnames follow, so
    the first names of a list are many times as common as its last (of the 138 British names,
    Smith 4.2% and Ramsbottom 0.23%; Smith is then 1.3% of British-origin people, as in England)."""
    raw = [1.0 / (rank + 8) for rank in range(n)]
    total = sum(raw)
    return [w / total for w in raw]


# Nicknames a clerk or the resident may use instead of the formal forename.
NICKNAMES: dict[str, tuple[str, ...]] = {
    "Robert": ("Bob", "Rob", "Bobby"), "William": ("Bill", "Will", "Billy"), "James": ("Jim", "Jimmy", "Jamie"),
    "John": ("Jack", "Johnny"), "Michael": ("Mike", "Mick"), "Thomas": ("Tom", "Tommy"),
    "Christopher": ("Chris",), "Daniel": ("Dan", "Danny"), "Matthew": ("Matt",), "Anthony": ("Tony",),
    "Richard": ("Rick", "Dick", "Rich"), "Joseph": ("Joe",), "Charles": ("Charlie", "Chas"),
    "Edward": ("Ed", "Ted", "Eddie"), "Samuel": ("Sam",), "Benjamin": ("Ben",), "Alexander": ("Alex",),
    "Nicholas": ("Nick",), "Jonathan": ("Jon",), "Stephen": ("Steve",), "Steven": ("Steve",),
    "David": ("Dave",), "Andrew": ("Andy", "Drew"), "Peter": ("Pete",), "Timothy": ("Tim",),
    "Kenneth": ("Ken",), "Ronald": ("Ron", "Ronnie"), "Frederick": ("Fred", "Freddie"), "Henry": ("Harry",),
    "Joshua": ("Josh",), "Philip": ("Phil",), "Terence": ("Terry",), "Raymond": ("Ray",),
    "Gordon": ("Gordy",), "Oliver": ("Ollie",), "Patrick": ("Pat", "Paddy"), "Jeffrey": ("Jeff",),
    "Elizabeth": ("Liz", "Beth", "Lizzie", "Betty"), "Margaret": ("Maggie", "Peggy", "Meg"),
    "Katherine": ("Kate", "Kathy", "Katie"), "Catherine": ("Cathy", "Kate"), "Patricia": ("Pat", "Trish"),
    "Jennifer": ("Jen", "Jenny"), "Rebecca": ("Becky", "Becca"), "Victoria": ("Vicky", "Tori"),
    "Alexandra": ("Alex", "Lexi"), "Susan": ("Sue", "Suzy"), "Deborah": ("Debbie", "Deb"),
    "Samantha": ("Sam", "Sammy"), "Abigail": ("Abi", "Abby"), "Jessica": ("Jess",), "Charlotte": ("Lottie", "Charlie"),
    "Eleanor": ("Ellie", "Nell"), "Isabella": ("Bella", "Izzy"), "Kimberley": ("Kim",), "Christine": ("Chris", "Chrissie"),
    "Josephine": ("Jo", "Josie"), "Joanne": ("Jo",), "Georgina": ("Georgie", "Gina"), "Natalie": ("Nat",),
    "Danielle": ("Dani",), "Nicola": ("Nicky",), "Barbara": ("Babs",), "Gillian": ("Gill",),
    "Amanda": ("Mandy",), "Stephanie": ("Steph",), "Sophia": ("Sophie",), "Mohammed": ("Mo",),
    "Muhammad": ("Mo",), "Ibrahim": ("Ibby",), "Oluwaseun": ("Seun",), "Folasade": ("Sade",),
    "Funmilayo": ("Funmi",), "Katarzyna": ("Kasia",), "Magdalena": ("Magda",), "Agnieszka": ("Aga",),
}

# Forenames parents give twins that are alike but not the same: a hard case for linkage.
SIMILAR_FORENAMES: dict[str, str] = {
    "Jack": "Jake", "Ella": "Ellie", "Lily": "Lucy", "Amelia": "Emilia", "Leo": "Theo",
    "Harry": "Henry", "Mia": "Maya", "Ava": "Eva", "Daniel": "Darren", "Rosie": "Ruby",
    "Oliver": "Olivia", "Sam": "Sami", "Liam": "Leon", "Aisha": "Ayesha", "Hassan": "Hussain",
}

STREET_WORDS: tuple[str, ...] = ("Ash", "Oak", "Elm", "Birch", "Beech", "Rowan", "Willow", "Hazel", "Holly", "Maple", "Cedar", "Alder", "Poplar", "Chestnut", "Sycamore", "Laurel", "Yew", "Juniper", "Linden", "Hawthorn", "Blackthorn", "Elder", "Larch", "Pine", "Cherry", "Plum", "Apple", "Pear", "Walnut", "Mulberry", "Victoria", "Albert", "Alexandra", "Queens", "Kings", "Princes", "Regent", "Windsor", "Grosvenor", "Cavendish", "Salisbury", "Gladstone", "Wellington", "Nelson", "Marlborough", "Clarence", "Stanley", "Palmerston", "Cromwell", "Milton", "Byron", "Shelley", "Keats", "Wordsworth", "Tennyson", "Chaucer", "Dickens", "Hardy", "Austen", "Bronte", "Eliot", "Blake", "Turner", "Constable", "Gainsborough", "Reynolds", "Hogarth", "Darwin", "Newton", "Faraday", "Stephenson", "Brunel", "Telford", "Mill", "Church", "Chapel", "School", "Station", "Market", "Bridge", "Park", "Green", "Field", "Meadow", "Brook", "River", "Well", "Spring", "Hill", "Vale", "Dale", "Moor", "Heath", "Common", "Orchard", "Grange", "Manor", "Priory", "Abbey", "Castle", "Tower", "Croft", "Farm", "Wharf", "Canal", "Quarry", "Forge", "Kiln", "Tannery", "Brewery", "Foundry", "Ropewalk", "Weavers", "Dyers", "Cobden", "Peel", "Pitt", "Fox", "Eden", "Baldwin", "Attlee", "Bevan", "Lansbury", "Morris", "Ruskin", "Owen", "Howard", "Fairfield", "Greenfield", "Springfield", "Highfield", "Longfield", "Broadfield", "Westfield", "Northfield", "Ashford", "Oakley", "Elmwood", "Birchwood", "Beechwood", "Woodside", "Parkside", "Brookside", "Riverside", "Hillside", "Lancaster", "York", "Tudor", "Stuart", "Hanover", "Norman", "Saxon", "Mercia", "Wessex", "Albion", "Britannia", "Cotton", "Wool", "Silk", "Linen", "Coal", "Iron", "Copper", "Tin", "Salt", "Stone", "Flint", "Slate", "Chalk", "Clay", "Lark", "Wren", "Robin", "Finch", "Swallow", "Swift", "Heron", "Kestrel", "Falcon", "Plover", "Thrush", "Starling", "Linnet", "Primrose", "Bluebell", "Daisy", "Violet", "Lavender", "Heather", "Clover", "Foxglove", "Poppy", "Marigold", "Tulip", "Iris")
STREET_SUFFIXES: tuple[tuple[str, float], ...] = (
    ("Road", 0.28), ("Street", 0.2), ("Avenue", 0.1), ("Grove", 0.07), ("Close", 0.08), ("Lane", 0.06),
    ("Way", 0.05), ("Gardens", 0.04), ("Crescent", 0.04), ("Drive", 0.03), ("Place", 0.02),
    ("Terrace", 0.02), ("Walk", 0.01),
)
# How clerks shorten street types: the variants DOMAIN.md quotes ("Ash Gr.", "Rd", "St", "Ave").
STREET_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "Road": ("Rd", "Rd."), "Street": ("St", "St."), "Avenue": ("Ave", "Av."), "Grove": ("Gr.", "Gro"),
    "Close": ("Cl",), "Lane": ("Ln",), "Gardens": ("Gdns",), "Crescent": ("Cres",), "Drive": ("Dr",),
    "Place": ("Pl",), "Terrace": ("Terr",), "Way": ("Wy",), "Walk": ("Wlk",),
}
BLOCK_SUFFIXES: tuple[str, ...] = ("Court", "House", "Tower", "Lodge", "Point", "Mansions")
HOUSE_NAMES: tuple[str, ...] = (
    "Rose Cottage", "The Cottage", "Ivy House", "The Old School House", "Orchard View", "Mill House",
    "The Lodge", "Fern Villa", "The Old Bakery", "Hillcrest",
)
LOCALITIES: tuple[str, ...] = (
    "Ashbury", "Brookfield", "Castlemere", "Dunmore", "Eastwick", "Fernhill", "Greystone", "Hollins",
    "Ironbridge Vale", "Kingsmead", "Longford", "Marsh End", "Northcote", "Oakhurst", "Pendle Green",
    "Queensbury Park", "Redbank", "Stonegate", "Thornbury", "Upperton", "Wexcombe", "Yarrow",
)
TOWN = "Kingsmere"
POSTCODE_AREA = "KQ"  # A well-formed but unissued postcode area, so no real address is implied.
TITLES_F = ("Mrs", "Miss", "Ms")
TITLES_M = ("Mr",)
