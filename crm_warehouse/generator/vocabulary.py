"""The demo generator's vocabulary: names, streets, cities, companies, product categories,
source systems and channels the generated records and transactions are drawn from."""

import unicodedata

FIRST_NAMES = (
    "anna emma olivia sophia mia ava isabella amelia harper evelyn abigail emily ella "
    "elizabeth camila luna sofia avery mila aria scarlett penelope layla chloe victoria "
    "madison eleanor grace nora riley zoey hannah hazel lily ellie violet lillian zoe "
    "stella aurora natalie emilia everly leah aubrey willow addison lucy audrey bella "
    "nova brooklyn paisley savannah claire skylar isla genesis naomi elena caroline "
    "eliana anastasia maya valentina ruby kennedy ivy ariana aaliyah cora madelyn alice "
    "kinsley hailey gabriella allison gianna serenity samantha sarah quinn eva piper "
    "liam noah oliver elijah james william benjamin lucas henry theodore jack levi "
    "alexander jackson mateo daniel michael mason sebastian ethan logan owen samuel "
    "jacob asher aiden john joseph wyatt david leo luke julian hudson grayson matthew "
    "ezra gabriel carter isaac jayden luca anthony dylan lincoln thomas maverick elias "
    "josiah charles caleb christopher ezekiel miles jaxon isaiah andrew joshua nathan "
    "nolan adrian cameron santiago eli aaron ryan angel cooper waylon easton kai "
    "christian landon colton roman axel brooks jonathan robert jameson ian everett "
    "greyson wesley jeremiah hunter leonardo jordan jose bennett silas nicholas parker "
    "beau weston austin connor carson dominic xavier jaxson jace emmett adam declan "
    "rowan micah kayden gael river ryder kingston damian sawyer luka evan vincent "
    "legend myles harrison august bryson amir giovanni chase diego milo jasper walker "
    "jason brayden cole nathaniel george lorenzo zion luis archer enzo jonah thiago "
    "theo ayden zachary calvin braxton ashton rhett atlas jude bentley carlos ryker "
    "katherine margaret"
).split()
# The common short forms a person may give instead of their first name (`name=nick/nick`);
# a first name not listed here has none, so a nickname drift leaves it as it is.
NICKNAMES: dict[str, tuple[str, ...]] = {
    name: tuple(nicks.split("/"))
    for name, _, nicks in (
        entry.partition("=")
        for entry in (
            "abigail=abby/abbie addison=addie alexander=alex/xander allison=ally/allie amelia=millie/amy "
            "anastasia=ana/stacy andrew=andy/drew anna=annie/ann anthony=tony august=gus/augie aurora=rory "
            "benjamin=ben/benny bennett=ben brooklyn=brooke camila=cami/mila cameron=cam caroline=carrie/caro "
            "charles=charlie/chuck christian=chris christopher=chris/topher daniel=dan/danny david=dave/davy "
            "dominic=dom eleanor=ellie/nora/nell elena=lena eliana=ellie elijah=eli elizabeth=liz/beth/lizzie/eliza "
            "emily=em/emmy emma=em evelyn=evie/eve ezekiel=zeke gabriel=gabe gabriella=gabby/ella gianna=gia "
            "giovanni=gio harrison=harry henry=hank/harry isaac=ike isabella=bella/izzy jackson=jack jacob=jake "
            "james=jim/jimmy/jamie jameson=jamie jeremiah=jerry jonathan=jon/jonny joseph=joe/joey joshua=josh "
            "julian=jules katherine=kate/kathy/katie leonardo=leo lillian=lily/lil lorenzo=enzo lucas=luke "
            "madelyn=maddie madison=maddie margaret=maggie/meg/peggy matthew=matt maverick=mav michael=mike "
            "natalie=nat nathan=nate nathaniel=nate/nat nicholas=nick/nicky olivia=liv/livvy penelope=penny "
            "robert=bob/rob/bobby samantha=sam/sammy samuel=sam/sammy santiago=santi sebastian=seb "
            "sophia=sophie theodore=teddy/theo thomas=tom/tommy valentina=val victoria=vicky/tori "
            "vincent=vince/vinny violet=vi wesley=wes weston=wes william=bill/will/liam/billy xavier=xavi "
            "zachary=zach/zack"
        ).split()
    )
}
LAST_NAMES = (
    "smith johnson williams brown jones garcia miller davis rodriguez martinez "
    "hernandez lopez gonzalez wilson anderson thomas taylor moore jackson martin lee "
    "perez thompson white harris sanchez clark ramirez lewis robinson walker young "
    "allen king wright scott torres nguyen hill flores green adams nelson baker hall "
    "rivera campbell mitchell carter roberts gomez phillips evans turner diaz parker "
    "cruz edwards collins reyes stewart morris morales murphy cook rogers gutierrez "
    "ortiz morgan cooper peterson bailey reed kelly howard ramos kim cox ward richardson "
    "watson brooks chavez wood james bennett gray mendoza ruiz hughes price alvarez "
    "castillo sanders patel myers long ross foster jimenez powell jenkins perry russell "
    "sullivan bell coleman butler henderson barnes gonzales fisher vasquez simmons "
    "romero jordan patterson alexander hamilton graham reynolds griffin wallace moreno "
    "west cole hayes bryant herrera gibson ellis tran medina aguilar stevens murray "
    "ford castro marshall owens harrison fernandez mcdonald woods washington kennedy "
    "wells vargas henry chen freeman webb tucker guzman burns crawford olson simpson "
    "porter hunter gordon mendez silva shaw snyder mason dixon munoz hunt hicks holmes "
    "palmer wagner black robertson boyd rose stone salazar fox warren mills meyer rice "
    "schmidt garza daniels ferguson nichols stephens soto weaver ryan gardner payne "
    "grant dunn kelley spencer hawkins arnold pierce vazquez hansen peters santos hart "
    "bradley knight elliott cunningham duncan armstrong hudson carroll lane riley "
    "andrews alvarado ray delgado berry perkins hoffman johnston matthews pena richards "
    "willis carpenter lawrence sandoval guerrero george chapman rios estrada ortega "
    "watkins greene nunez wheeler valdez harper burke larson santiago maldonado morrison"
).split()
# Names with accents, given to a share of persons instead of a name from the lists above
# (NFC, as a first record types them; a duplicate may drop the accents or decompose them).
ACCENTED_FIRST_NAMES = tuple(
    unicodedata.normalize("NFC", name)
    for name in (
        "josé andré renée zoë chloé noël jérôme élodie inès françois agnès léa hélène björn søren joão "
        "ramón sofía lucía martín"
    ).split()
)
ACCENTED_LAST_NAMES = tuple(
    unicodedata.normalize("NFC", name)
    for name in (
        "garcía lópez pérez martínez gonzález müller núñez peña sørensen ångström fernández rodríguez "
        "sánchez ramírez gómez díaz hernández jiménez álvarez schröder böhm dvořák lefèvre gonçalves"
    ).split()
)
# Letters that Unicode does not decompose into a plain letter and an accent, as they are
# typed on a keyboard without them.
ACCENT_FALLBACKS = {"ø": "o", "æ": "ae", "ß": "ss", "ł": "l", "đ": "d"}
STREETS = (
    "main oak maple cedar pine elm washington lake hill park view sunset river spring "
    "church north south west east mill forest meadow highland jefferson lincoln madison "
    "franklin ridge valley willow cherry walnut chestnut birch laurel hickory"
).split()
# How a street kind is abbreviated when typed short
STREET_KIND_ABBREVIATIONS = {
    "street": "st",
    "avenue": "ave",
    "road": "rd",
    "lane": "ln",
    "drive": "dr",
    "boulevard": "blvd",
}
CITIES = (
    "springfield riverton fairview georgetown salem madison clinton franklin greenville "
    "bristol oakland ashland burlington dayton kingston lexington milton newport oxford "
    "dover hudson manchester marion arlington auburn centerville clayton jackson winchester"
).split()
EMAIL_DOMAINS = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "proton.me", "mail.com")
COMPANY_WORDS = (
    "acme globex initech umbrella stark wayne wonka tyrell cyberdyne soylent vandelay "
    "hooli pied piper dunder mifflin sterling cooper oscorp massive dynamic aperture "
    "black mesa gringotts monarch nakatomi virtucon zorg"
).split()
COMPANY_SUFFIXES = ("inc", "llc", "group", "holdings", "partners", "industries", "solutions", "logistics")
AGENCY_WORDS = (
    "department of transport",
    "city council",
    "county health board",
    "state university",
    "water authority",
    "school district",
    "public library",
)
# (category, share of products, min margin, max margin, median unit cost)
CATEGORIES = (
    ("electronics", 0.15, 0.06, 0.18, 350.0),
    ("appliances", 0.10, 0.12, 0.25, 420.0),
    ("furniture", 0.12, 0.30, 0.50, 260.0),
    ("garden", 0.10, 0.30, 0.55, 45.0),
    ("kitchen", 0.12, 0.35, 0.60, 25.0),
    ("office", 0.10, 0.25, 0.45, 30.0),
    ("toys", 0.08, 0.40, 0.65, 18.0),
    ("apparel", 0.13, 0.50, 0.75, 22.0),
    ("services", 0.05, 0.60, 0.85, 80.0),
    ("accessories", 0.05, 0.55, 0.80, 9.0),
)
PRODUCT_ADJECTIVES = (
    "classic premium compact deluxe eco smart ultra basic pro mini max select essential "
    "modern vintage heavy-duty portable wireless ergonomic"
).split()
SOURCE_SYSTEMS = (
    # (system, customer id prefix, usual sales channel, B2C weight, B2B/B2G weight)
    ("webshop", "WEB", "web", 0.45, 0.15),
    ("store_pos", "POS", "store", 0.35, 0.10),
    ("call_center", "CC", "phone", 0.15, 0.20),
    ("dealer_portal", "DLR", "dealer", 0.05, 0.55),
)
CHANNELS = ("store", "web", "phone", "dealer")
ACQUISITION_CHANNELS = (
    "organic_search",
    "paid_search",
    "referral",
    "store_walk_in",
    "social",
    "email_campaign",
    "trade_show",
    "partner",
)
INTERACTION_TYPES = (("call", 0.35), ("email", 0.30), ("chat", 0.18), ("visit", 0.05), ("complaint", 0.12))
# the channels of contact permissions and their shares
CONTACT_CHANNELS = (("email", 0.6), ("phone", 0.2), ("sms", 0.15), ("post", 0.05))
