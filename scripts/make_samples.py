"""Write the sample portfolios in data/samples/: realistic, messy, and deterministic.

Five files, each the kind of spreadsheet a desk officer really sends (see
../shared/PORTFOLIO-FORMAT.md), with a few deliberately broken rows. The same seed gives
the same files: CSVs byte for byte, workbooks cell for cell (and byte for byte, since the
workbook properties and zip timestamps are fixed). data/samples/README.md, written by this
script too, lists every deliberate flaw with the row number Excel (or the CSV line) shows.

    .venv/bin/python scripts/make_samples.py              # into data/samples/
    .venv/bin/python scripts/make_samples.py --out /tmp/s # anywhere else
"""

from __future__ import annotations

import argparse
import csv
import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

SEED = 1325
FIXED_TIME = datetime(2025, 1, 15, 9, 0, 0)  # workbook properties and zip entry times
TODAY = date(2025, 1, 15)  # the day the portfolios were "exported": decides the status
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "data" / "samples"


# --------------------------------------------------------------------------------------
# Countries: sub-national places for the texts, Danish names, and how people spell them
# --------------------------------------------------------------------------------------

PLACES = {
    "Afghanistan": ("Kabul", "Balkh province", "Herat", "Bamyan", "Nangarhar"),
    "Uganda": ("the Acholi sub-region", "Karamoja", "West Nile", "Gulu district", "Kampala"),
    "Sudan": ("Darfur", "Blue Nile", "South Kordofan", "Khartoum", "Kassala"),
    "South Sudan": ("Jonglei", "Upper Nile", "Juba", "Unity State", "Western Equatoria"),
    "Somalia": ("Baidoa", "Mogadishu", "Puntland", "Galmudug", "Kismayo"),
    "Mali": ("Mopti", "Gao", "Timbuktu", "Ségou"),
    "DR Congo": ("North Kivu", "South Kivu", "Ituri", "Goma"),
    "Myanmar": ("Rakhine State", "Kachin State", "northern Shan State"),
    "Syria": ("north-west Syria", "Aleppo governorate", "Idlib"),
    "Yemen": ("Aden", "Taiz", "Marib"),
    "Ukraine": ("Kharkiv oblast", "Donetsk oblast", "Mykolaiv oblast"),
}
DANISH_NAMES = {"South Sudan": "Sydsudan", "Syria": "Syrien", "DR Congo": "DR Congo"}

# How the country column really reads: English and Danish names, ISO2/ISO3 in any case.
SPELLINGS = {
    "Afghanistan": ("Afghanistan", "AFG", "af"),
    "Uganda": ("Uganda", "UGA", "ug", "Ug"),
    "Sudan": ("Sudan", "SDN", "sd"),
    "South Sudan": ("South Sudan", "Sydsudan", "SSD", "ss"),
    "Somalia": ("Somalia", "SOM", "so"),
    "Mali": ("Mali", "MLI", "ml"),
    "DR Congo": ("Democratic Republic of the Congo", "DR Congo", "Den Demokratiske Republik Congo",
                 "COD", "cd"),
    "Myanmar": ("Myanmar", "MMR", "mm"),
    "Syria": ("Syria", "Syrien", "SYR", "sy"),
    "Yemen": ("Yemen", "YEM", "ye"),
    "Ukraine": ("Ukraine", "UKR", "ua"),
}
# Afghanistan: Danish development projects stopped in August 2021.
START_YEARS = {"Afghanistan": (2012, 2020)}
DEFAULT_START_YEARS = (2017, 2025)

DANISH_MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
                 "september", "oktober", "november", "december")
ENGLISH_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
                  "September", "October", "November", "December")


# --------------------------------------------------------------------------------------
# Project texts
# --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Archetype:
    """A kind of project and the phrasings desk officers use for it.

    descriptions[i] goes with titles[i % len(titles)] and sectors[i % len(sectors)].
    Templates may use {country}, {land}
    (the Danish name), {place}, {n}, {n2}, {pct}; a description may also use {title}.
    `markers` are the DAC gender markers an officer would claim for it (which may over-claim:
    that is the point of some archetypes).
    """

    kind: str
    sectors: tuple[int, ...]
    titles: tuple[str, ...]
    descriptions: tuple[str, ...]
    objectives: tuple[str, ...] = ()
    indicators: tuple[str, ...] = ()
    markers: tuple[int, ...] = (0,)
    partners: tuple[str, ...] = ("UNDP",)
    gam: tuple[int, ...] = (0,)
    clusters: tuple[str, ...] = ("",)
    countries: tuple[str, ...] = ()  # empty: any country
    danish: bool = False


WPS = (
    Archetype(
        "wps: participation in peace process", (15220,),
        ("Women's participation in the {country} peace process",
         "Women at the table: inclusive peace talks in {country}",
         "Support to women's inclusion in the political transition in {country}"),
        ("The project supports women's groups and women mediators to take part in the formal "
         "and informal peace talks on {country}. It funds a women's advisory board to the "
         "mediation team, trains {n} women negotiators from {place} and organises consultations "
         "so that women's priorities are reflected in the ceasefire and transitional "
         "arrangements, in line with UNSCR 1325.",
         "Women remain almost absent from the negotiating delegations in {country}. This "
         "engagement finances a secretariat for the women's coalition, travel and security for "
         "women delegates, and technical advice on gender provisions in the peace agreement. "
         "Local peace committees in {place} will have at least {pct}% women members.",
         "Support to Track II dialogue led by women peacebuilders from {place}, linking "
         "grassroots women's organisations to the national peace process and to the monitoring "
         "of the ceasefire."),
        ("Increased and meaningful participation of women in the peace process and in the "
         "implementation of the peace agreement.",
         "Women's priorities are reflected in the peace agreement and its implementation."),
        ("Number of women in negotiating delegations; number of gender provisions in the signed "
         "agreement; % of local peace committee members who are women.",
         "Share of women among mediators and delegates (baseline 4%, target {pct}%)."),
        markers=(2,), partners=("UN Women", "UN Peacebuilding Fund", "UNDP"),
    ),
    Archetype(
        "wps: women mediators", (15220,),
        ("Network of women mediators in {place}", "Women mediators for local conflict resolution"),
        ("Builds a network of {n} women mediators who resolve land, cattle and inter-communal "
         "disputes in {place}. Mediators receive training, small grants and a referral system to "
         "customary and formal justice; the network reports early warning signs of violence to "
         "district security committees.",
         "The project trains and accredits women insider mediators in {place} and links them to "
         "the national mediation unit, so that local peace agreements are recorded and followed "
         "up and women's voices are heard in conflict resolution."),
        ("Women mediators prevent and resolve local conflicts and are recognised by local "
         "authorities.",),
        ("Number of disputes resolved by women mediators; number of early warning reports "
         "submitted by women; % of mediation cases followed up.",),
        markers=(2, 1), partners=("UN Women", "Women's Peace and Humanitarian Fund", "UNDP"),
    ),
    Archetype(
        "wps: SGBV survivor services", (15180,),
        ("Multi-sectoral services for SGBV survivors in {place}",
         "One-stop centres for survivors of sexual and gender-based violence",
         "Prevention of and response to gender-based violence in {place}"),
        ("Survivors of sexual and gender-based violence in {place} get medical care within 72 "
         "hours, psychosocial support, legal aid and safe shelter through {n2} one-stop centres. "
         "Community dialogues with religious and traditional leaders address the social norms "
         "that sustain violence against women and girls.",
         "The programme expands clinical management of rape, case management and referral "
         "pathways for survivors of SGBV in conflict-affected {place}. Police gender desks are "
         "trained to receive complaints, and women's organisations run safe spaces for women and "
         "girls.",
         "Prevention and response to gender-based violence among refugees and host communities "
         "in {place}: safe spaces, survivor-centred case management and mobile legal clinics run "
         "with local women's rights organisations."),
        ("Reduced prevalence of SGBV and better access for survivors to survivor-centred "
         "services.",
         "Women and girls in {place} live free from violence, and survivors obtain justice."),
        ("Number of survivors receiving medical care within 72 hours (by sex and age); number "
         "of SGBV cases referred to legal aid; % of women who feel safe in their community.",),
        markers=(2,), partners=("UNFPA", "UN Women", "UNICEF"),
    ),
    Archetype(
        "wps: CRSV accountability", (15130, 15160),
        ("Accountability for conflict-related sexual violence in {country}",
         "Mobile courts and justice for survivors of sexual violence"),
        ("The project documents conflict-related sexual violence in {place}, supports "
         "investigators and prosecutors to bring cases to court and funds mobile gender courts. "
         "Survivors receive legal representation and advice on reparations, following the "
         "survivor-centred approach of UNSCR 2467.",
         "Ending impunity for sexual violence used as a tactic of war: training of military "
         "prosecutors, protection of witnesses, and support to survivor associations in {place} "
         "to take part in transitional justice."),
        ("Perpetrators of conflict-related sexual violence are held to account and survivors "
         "obtain redress.",),
        ("Number of CRSV cases investigated, prosecuted and adjudicated; number of survivors "
         "receiving legal aid; number of prosecutors trained.",),
        markers=(2, 1), partners=("UNDP", "UN Women"),
    ),
    Archetype(
        "wps: women in DDR", (15240,),
        ("Gender-responsive DDR and reintegration of female ex-combatants",
         "Reintegration of women associated with armed groups in {place}"),
        ("Supports disarmament, demobilisation and reintegration in {place} with a dedicated "
         "track for women ex-combatants and women associated with armed groups: separate "
         "reception facilities, psychosocial support, vocational training, start-up kits and "
         "work on community acceptance.",
         "The reintegration programme reaches {n} former combatants and their families. Women "
         "associated with armed forces receive tailored livelihood packages and child care so "
         "that they can attend training; {pct}% of reintegration grants are reserved for women."),
        ("Former combatants, women and men, are sustainably reintegrated into their "
         "communities.",),
        ("Number of ex-combatants reintegrated, by sex; % of female ex-combatants with an income "
         "12 months after demobilisation.",),
        markers=(1, 2), partners=("UNDP", "World Bank MDTF"),
    ),
    Archetype(
        "wps: women police officers", (15210,),
        ("Recruitment and retention of women police officers",
         "Afghan National Police: women police and family response units"),
        ("Support through LOTFA to recruit, train and retain women police officers in the Afghan "
         "National Police, including separate facilities, safe transport and mentoring. Family "
         "response units staffed by women officers handle cases of violence against women in "
         "{place}.",
         "Increase the number of women in the police from 1,800 to 5,000 by funding training "
         "centres for women, the gender unit of the Ministry of Interior and a code of conduct "
         "against harassment."),
        ("More women serve in the Afghan National Police, and women can report crimes to women "
         "officers.",),
        ("Number of women police officers recruited and retained; number of family response "
         "units functioning; cases of violence against women registered.",),
        markers=(2,), partners=("UNDP",), countries=("Afghanistan",),
    ),
    Archetype(
        "wps: 1325 national action plan", (15170,),
        ("Support to the national action plan on UNSCR 1325 in {country}",
         "1325 NAP implementation and monitoring"),
        ("Technical and financial support to the Ministry of Gender to cost, implement and "
         "monitor the national action plan on UNSCR 1325 on women, peace and security, including "
         "district coordination committees in {place} and an annual shadow report by women's "
         "civil society.",
         "The engagement helps the government and civil society localise the national action "
         "plan on women, peace and security (1325 NAP) in {place}, train district officials and "
         "set up monitoring against the global 1325 indicators."),
        ("The national action plan on UNSCR 1325 is implemented, funded and monitored.",),
        ("Share of NAP actions with a budget line; number of districts with a localised 1325 "
         "plan; annual monitoring report published.",),
        markers=(2,), partners=("UN Women", "UNDP"),
    ),
    Archetype(
        "wps: grants to local women's organisations", (15170,),
        ("Grants to local women's organisations through the WPHF",
         "Women's Peace and Humanitarian Fund, {country} window"),
        ("Danish contribution to the {country} window of the Women's Peace and Humanitarian "
         "Fund, which gives flexible grants to local women's organisations working on "
         "peacebuilding, protection and crisis response in {place}. At least {pct}% of funds go "
         "directly to women-led grassroots organisations.",
         "Core and institutional funding for women's rights organisations in {place} through "
         "the WPHF rapid response window, so that women human rights defenders and "
         "peacebuilders can continue their work during the crisis."),
        ("Local women's organisations have the resources to lead peacebuilding and crisis "
         "response.",),
        ("Number of women's organisations funded; share of funding to local women-led "
         "organisations; number of women peacebuilders supported.",),
        markers=(2,), partners=("Women's Peace and Humanitarian Fund", "UN Women"),
    ),
    Archetype(
        "wps: women's political participation", (15151, 15152),
        ("Women's political participation in local government",
         "Women candidates and voters in the coming elections"),
        ("Supports women candidates, women councillors and women voters ahead of the local "
         "elections in {place}: candidate training, voter education, security for women "
         "candidates and dialogue with political parties on quotas.",
         "The project strengthens women's leadership in district councils in {place} and the "
         "women's caucus in parliament, and works with the electoral commission on a gender "
         "policy."),
        ("More women stand for election and hold decision-making posts at local level.",),
        ("% of elected councillors who are women; number of women candidates trained; electoral "
         "commission gender policy adopted.",),
        markers=(2, 1), partners=("UNDP", "UN Women"),
    ),
)

MAINSTREAMED = (
    Archetype(
        "mainstreamed: agriculture", (31120, 31163),
        ("Climate-resilient agriculture and market access in {place}",
         "Smallholder value chains programme"),
        ("Supports smallholder farmers in {place} to adopt drought-tolerant seed, small-scale "
         "irrigation and collective marketing. A gender analysis during formulation showed that "
         "women farmers lack access to extension services and land titles; the programme "
         "therefore sets a target of {pct}% women among lead farmers and registers land jointly "
         "for couples.",
         "Value chain development for sesame, sorghum and dairy in {place}. Extension agents "
         "will reach {n} farmers, at least {pct}% of them women, and all results are reported "
         "disaggregated by sex and age."),
        ("Higher incomes and food security for smallholder households, women and men.",),
        ("Average household income (by sex of household head); % of women among lead farmers; "
         "number of joint land certificates issued.",),
        markers=(1,), partners=("AfDB", "World Bank MDTF", "UNDP"),
    ),
    Archetype(
        "mainstreamed: water", (14030,),
        ("Rural water supply and sanitation in {place}",
         "WASH in schools and health centres in {place}"),
        ("Construction and rehabilitation of {n2} boreholes and water points in {place}. "
         "Following a gender analysis, women make up at least half of each water user committee "
         "and hold the treasurer posts; water points are sited to shorten walking distances and "
         "the risk of violence for women and girls fetching water.",
         "Water, sanitation and hygiene in schools and health centres in {place}, including "
         "separate latrines for girls and menstrual hygiene facilities. Monitoring data are "
         "disaggregated by sex."),
        ("Sustainable access to safe water for rural and returnee households.",),
        ("Number of people with access to safe water (by sex); % of water committee members "
         "who are women; time spent fetching water.",),
        markers=(1,), partners=("UNICEF", "World Bank MDTF", "AfDB"),
    ),
    Archetype(
        "mainstreamed: education", (11220,),
        ("Primary education for displaced and host community children",
         "Education for girls and boys in {place}"),
        ("Classroom construction, teacher training and school feeding in {place} for displaced "
         "and host community children. The programme targets girls' enrolment and retention "
         "with a bursary scheme and the recruitment of female teachers; enrolment and completion "
         "are tracked by sex.",
         "Support to the education sector plan with a focus on {place}, where only {pct}% of "
         "girls complete primary school. Activities include community campaigns against early "
         "marriage and the recruitment of {n} female teachers."),
        ("More girls and boys complete primary education in conflict-affected districts.",),
        ("Gross enrolment rate by sex; girls' primary completion rate; number of female "
         "teachers recruited.",),
        markers=(1,), partners=("UNICEF",),
    ),
    Archetype(
        "mainstreamed: reproductive health", (13020, 13030),
        ("Maternal health and family planning in {place}",
         "Sexual and reproductive health and rights for young people"),
        ("Strengthens emergency obstetric care, skilled birth attendance and voluntary family "
         "planning in {place}. Midwives are trained and deployed to hard-to-reach health "
         "facilities, and adolescent girls receive youth-friendly SRHR services.",
         "Programme implemented by UNFPA to reduce maternal mortality in {place} through "
         "midwifery training, reproductive health commodities and community outreach on family "
         "planning."),
        ("Lower maternal mortality and higher use of modern contraception.",),
        ("Maternal mortality ratio; % of births attended by skilled personnel; contraceptive "
         "prevalence rate among women aged 15-49.",),
        markers=(1, 2), partners=("UNFPA",),
    ),
    Archetype(
        "mainstreamed: access to justice", (15130,),
        ("Access to justice and legal aid", "Rule of law and legal empowerment in {place}"),
        ("Legal aid clinics, paralegals and mobile courts in {place}, with a component on "
         "women's land and inheritance rights. A gender analysis of the justice chain informed "
         "the design, and {pct}% of the paralegals will be women.",),
        ("Poor and conflict-affected people, women in particular, resolve disputes through fair "
         "justice.",),
        ("Number of legal aid cases, by sex of client; number of land disputes involving women "
         "resolved; % of paralegals who are women.",),
        markers=(1,), partners=("UNDP",),
    ),
)

ROADS = Archetype(
    "gender-blind: roads", (21020,),
    ("Rehabilitation of feeder roads in {place}", "Trunk road maintenance programme"),
    ("Rehabilitation of {n2} km of feeder roads and bridges in {place} using labour-based "
     "methods, to connect farming areas to district markets. The project includes a road "
     "maintenance fund and training of district engineers.",
     "Periodic maintenance of the {place} trunk road, culvert replacement and axle-load control. "
     "Works are contracted through open tender and supervised by a consulting engineer."),
    ("Shorter travel times and lower vehicle operating costs on rehabilitated roads.",),
    ("Km of road rehabilitated; average travel time to the district market; road condition "
     "index.",),
    markers=(0,), partners=("AfDB", "World Bank MDTF"),
)
ENERGY = Archetype(
    "gender-blind: energy", (23230, 23210),
    ("Solar mini-grids for health centres and schools", "Off-grid energy access in {place}"),
    ("Installation of solar mini-grids in {n2} health centres and schools in {place}, with "
     "battery storage and a five-year operation and maintenance contract.",
     "Results-based financing for private companies selling solar home systems in rural "
     "{place}, with a credit guarantee facility managed by the central bank."),
    ("Reliable, clean electricity for public facilities and households.",),
    ("MW installed; number of connections; number of health facilities with 24-hour power.",),
    markers=(0,), partners=("World Bank MDTF", "AfDB", "UNDP"),
)
GENDER_BLIND = (
    ROADS,
    ENERGY,
    Archetype(
        "gender-blind: public financial management", (15111,),
        ("Public financial management reform", "Domestic revenue mobilisation and PFM"),
        ("Support to the Ministry of Finance to roll out an integrated financial management "
         "information system, strengthen the Auditor General and improve budget credibility. "
         "Technical assistance is provided through the multi-donor trust fund.",
         "Capacity development of the revenue authority: taxpayer registration, e-filing and "
         "risk-based audits, with peer support from the Danish Customs and Tax Administration."),
        ("More credible budgets and higher domestic revenue.",),
        ("Budget execution rate; tax-to-GDP ratio; number of audit reports submitted to "
         "parliament on time.",),
        markers=(0,), partners=("World Bank MDTF",),
    ),
    Archetype(
        "gender-blind: mine action", (15250,),
        ("Mine action and clearance of explosive remnants of war",
         "Humanitarian demining in {place}"),
        ("Survey and clearance of landmines and explosive remnants of war in {place}, risk "
         "education in schools and release of cleared land to communities.",
         "Non-technical survey and clearance of explosive ordnance in {place}, with risk "
         "education for returnees and handover of cleared land to local authorities."),
        ("Land is safe and returned to productive use.",),
        ("Square metres cleared; number of explosive items destroyed; number of people reached "
         "by risk education.",),
        markers=(0,), partners=("UNDP",),
    ),
)

HARD_CASES = (
    Archetype(
        "hard: cross-cutting boilerplate", (15112,),
        ("Decentralisation and local governance programme",
         "Strengthening district administrations in {place}"),
        ("The programme strengthens the planning and service delivery capacity of district "
         "local governments in {place} through performance-based grants and training of civil "
         "servants. Gender will be mainstreamed as a cross-cutting issue.",
         "Support to local governance reform and fiscal decentralisation. Cross-cutting issues, "
         "including gender, human rights and climate, will be addressed throughout "
         "implementation.",
         "Institutional support to the Ministry of Local Government. A human rights-based "
         "approach is applied and gender equality is a cross-cutting priority of the "
         "programme."),
        ("Better local service delivery and accountability.",),
        ("Number of district development plans approved on time; % of development grants "
         "spent.",),
        markers=(1, 2), partners=("UNDP",),
    ),
    Archetype(
        "hard: negated gender analysis", (31166, 14020, 23110),
        ("Livestock market infrastructure in {place}", "Urban water utility support",
         "Technical assistance to the energy regulator"),
        ("Construction of livestock markets and holding grounds in {place}. No gender analysis "
         "has been carried out at this stage and the specific needs of women traders have not "
         "been assessed; this will be considered at mid-term.",
         "Support to the urban water utility in {place} to reduce non-revenue water. The project "
         "does not target gender equality, and no sex-disaggregated data are collected.",
         "Advisory support to the energy regulator on tariffs and licensing. Gender issues are "
         "not considered relevant to this intervention and have not been analysed."),
        ("Efficient, financially sustainable service provision.",),
        ("Revenue collected; non-revenue water (%); number of licences issued.",),
        markers=(1, 0), partners=("World Bank MDTF", "AfDB"),
    ),
    Archetype(
        "hard: PSEA clause only", (12230, 12220),
        ("Construction of district hospitals", "Medical supply chain strengthening"),
        ("Construction and equipment of two district hospitals in {place}. All contractors and "
         "staff must sign a code of conduct on the prevention of sexual exploitation and abuse "
         "(PSEA), and a safeguarding focal point is appointed.",
         "Strengthening of the national medical stores and last-mile distribution of essential "
         "medicines. The partner has a zero-tolerance safeguarding policy and a PSEA complaints "
         "mechanism in line with the IASC six core principles."),
        ("Better availability of essential health services and medicines.",),
        ("Stock-out rate of tracer medicines; number of facilities constructed and equipped.",),
        markers=(1,), partners=("UNICEF", "World Bank MDTF"),
    ),
    Archetype(
        "hard: women and youth listed", (11330, 16020),
        ("Skills and jobs for returnees", "Youth employment and entrepreneurship in {place}"),
        ("Vocational training and start-up grants in {place}. Target groups: women and youth, "
         "returnees, internally displaced persons and persons with disabilities.",
         "The project creates jobs through public works and small business support for "
         "vulnerable groups, including women, youth and refugees, in {place}."),
        ("More employment and higher incomes among vulnerable groups.",),
        ("Number of people trained; number of jobs created; number of businesses started.",),
        markers=(1, 2), partners=("UNDP", "AfDB"),
    ),
    Archetype(
        "hard: Danish text, peace process", (15220,),
        ("Kvinders deltagelse i fredsprocesser i {land}",),
        ("Projektet styrker kvinders deltagelse i fredsprocesser og lokale fredsudvalg i "
         "{place}. Kvindelige mæglere uddannes, og lokale kvindeorganisationer får støtte til at "
         "bringe kvinders prioriteter ind i forhandlingerne, jf. FN's Sikkerhedsrådsresolution "
         "1325.",),
        ("Øget og reel deltagelse af kvinder i fredsprocessen.",),
        ("Andel kvinder i forhandlingsdelegationer; antal uddannede kvindelige mæglere.",),
        markers=(2,), partners=("UN Women",), danish=True,
    ),
    Archetype(
        "hard: Danish text, gender-based violence", (15180,),
        ("Forebyggelse af kønsbaseret vold i {place}",),
        ("Indsatsen forebygger og bekæmper kønsbaseret vold mod kvinder og piger i {place} "
         "gennem krisecentre, psykosocial støtte og retshjælp til overlevende. Lokale ledere og "
         "politiet inddrages i arbejdet med at ændre normer.",),
        ("Færre kvinder og piger udsættes for kønsbaseret vold, og overlevende får hjælp.",),
        ("Antal overlevende, der modtager støtte (opdelt på køn og alder); antal sager henvist "
         "til retshjælp.",),
        markers=(2,), partners=("UNFPA",), danish=True,
    ),
    Archetype(
        "hard: Danish text, roads and boilerplate", (21020, 15112),
        ("Vedligeholdelse af landeveje i {place}", "Støtte til lokal forvaltning i {land}"),
        ("Istandsættelse og vedligeholdelse af landeveje og broer i {place} for at forbedre "
         "adgangen til markeder og offentlige ydelser. Arbejdet udføres af lokale entreprenører.",
         "Støtte til decentralisering og lokal forvaltning i {land}. Ligestilling indgår som "
         "tværgående hensyn."),
        markers=(0, 1), partners=("UNDP",), danish=True,
    ),
    Archetype(
        "hard: description under 30 words", (15170, 21020, 15220, 51010),
        ("Core support to UN Women", "Road maintenance, phase II", "Support to the peace process",
         "General budget support"),
        ("Core contribution.", "{title}", "See project document.",
         "Continuation of the previous phase with the same partner."),
        markers=(0, 1, 2), partners=("UN Women", "UNDP", "World Bank MDTF"),
    ),
    replace(ROADS, kind="hard: road project claiming marker 2", markers=(2,)),
    replace(ENERGY, kind="hard: energy project claiming marker 2", markers=(2,)),
)

DEVELOPMENT = WPS + MAINSTREAMED + GENDER_BLIND + HARD_CASES

HUMANITARIAN = (
    Archetype(
        "hum: GBV prevention and response", (72010,),
        ("GBV prevention and response for IDPs in {place}",
         "Safe spaces for women and girls in {place}"),
        ("Case management, psychosocial support and referral for survivors of gender-based "
         "violence in {place}, safe spaces for women and girls, dignity kits and community-based "
         "protection committees with equal representation of women. Needs assessment data are "
         "disaggregated by sex and age.",
         "Mobile GBV response teams reach women and girls displaced by the fighting in {place}. "
         "The response was designed with women's groups, includes clinical management of rape "
         "and gives cash for protection to women at risk."),
        gam=(4, 3), clusters=("GBV AoR", "Protection"),
        partners=("UNFPA", "IRC", "Dansk Flygtningehjælp", "CARE"),
    ),
    Archetype(
        "hum: reproductive health in crisis", (72011,),
        ("Emergency reproductive health services in {place}",
         "Mobile clinics for displaced people"),
        ("Emergency primary health care and reproductive health in {place}: the Minimum Initial "
         "Service Package (MISP), clean delivery kits, clinical management of rape and referral "
         "for emergency obstetric care.",
         "Mobile clinics for displaced populations in {place}. Consultations are recorded by sex "
         "and age, and women health workers are recruited so that women and girls can access "
         "care."),
        gam=(3, 4), clusters=("Health",), partners=("UNFPA", "Médecins Sans Frontières", "WHO"),
    ),
    Archetype(
        "hum: food assistance", (72040,),
        ("Cash and food for conflict-affected households in {place}",
         "Emergency food assistance in {place}"),
        ("General food distribution and cash transfers for {n} conflict-affected households in "
         "{place}. Women-headed households are prioritised, distribution points are chosen with "
         "women to reduce protection risks, and women are registered as primary recipients.",
         "Emergency food assistance to refugees and returnees in {place}."),
        gam=(3, 2, 1), clusters=("Food Security",), partners=("WFP", "Folkekirkens Nødhjælp"),
    ),
    Archetype(
        "hum: shelter", (72010,),
        ("Emergency shelter and non-food items", "Transitional shelter for returnees in {place}"),
        ("Emergency shelter kits and non-food items for newly displaced families in {place}.",
         "Transitional shelters for returnees in {place}. Shelters have lockable doors and solar "
         "lighting, following consultations with women and girls on their safety."),
        gam=(1, 2), clusters=("Shelter",), partners=("IOM", "UNHCR", "Dansk Flygtningehjælp"),
    ),
    Archetype(
        "hum: WASH", (72010,),
        ("Emergency WASH in {place}",),
        ("Water trucking, latrine construction and hygiene promotion in {place}. Latrines are "
         "sex-segregated, lockable and lit, and menstrual hygiene kits are distributed to women "
         "and girls.",
         "Emergency water supply and cholera prevention in {place} camps."),
        gam=(3, 2), clusters=("WASH",), partners=("UNICEF", "Oxfam IBIS"),
    ),
    Archetype(
        "hum: education in emergencies", (72012,),
        ("Education in emergencies in {place}",),
        ("Temporary learning spaces, teacher incentives and learning materials for displaced "
         "children in {place}, with targets for girls' attendance and separate latrines for "
         "girls and boys.",),
        gam=(2, 3), clusters=("Education",), partners=("UNICEF", "Save the Children"),
    ),
    Archetype(
        "hum: coordination and logistics", (72050,),
        ("Humanitarian air service and logistics", "Humanitarian coordination and access"),
        ("UNHAS flights and common logistics services for the humanitarian community in "
         "{country}.",
         "Support to OCHA's coordination, access negotiation and needs assessments in "
         "{country}."),
        gam=(0, 1), clusters=("-", ""), partners=("WFP", "OCHA"),
    ),
    Archetype(
        "hum: preparedness, women listed", (74020,),
        ("Flood early warning and preparedness in {place}",),
        ("Community early warning and flood preparedness in {place}, targeting vulnerable "
         "groups including women, youth, older people and persons with disabilities.",),
        gam=(2, 3), clusters=("Shelter", "Food Security"), partners=("Dansk Røde Kors", "IOM"),
    ),
    Archetype(
        "hum: early recovery", (73010,),
        ("Rehabilitation of basic services in {place}",),
        ("Rehabilitation of boreholes, schools and health posts damaged by fighting in "
         "{place}.",),
        gam=(0, 1), clusters=("WASH", "Education"), partners=("UNDP", "Folkekirkens Nødhjælp"),
    ),
    Archetype(
        "hum: boilerplate claiming GAM 4", (72010,),
        ("Multi-purpose cash assistance in {place}",),
        ("Multi-purpose cash assistance for displaced households in {place}. Gender and age "
         "considerations are integrated throughout the project cycle.",),
        gam=(4,), clusters=("Protection", "Food Security"),
        partners=("Dansk Flygtningehjælp", "UNHCR"),
    ),
    Archetype(
        "hum: PSEA clause only", (72040,),
        ("In-kind food distributions in {place}",),
        ("In-kind food distributions in {place}. All staff and volunteers are trained on PSEA "
         "and sign the code of conduct; a complaints and feedback mechanism is in place.",),
        gam=(3,), clusters=("Food Security",), partners=("WFP", "Folkekirkens Nødhjælp"),
    ),
    Archetype(
        "hum: Danish text, protection", (72010,),
        ("Beskyttelse af kvinder og piger i {place}",),
        ("Beskyttelse af kvinder og piger i flygtningelejre i {place}: sikre rum, psykosocial "
         "støtte og henvisning af overlevende efter kønsbaseret vold.",),
        gam=(4,), clusters=("Protection", "GBV AoR"),
        partners=("Dansk Flygtningehjælp", "Dansk Røde Kors"), danish=True,
    ),
    Archetype(
        "hum: description under 30 words", (72010, 72011),
        ("Emergency response", "Cholera response in {place}"),
        ("{title}", "Emergency response, see appeal."),
        gam=(2, 0), clusters=("Health", "WASH"), partners=("WHO", "UNICEF"),
    ),
)

SUFFIXES = (
    "The engagement is aligned with the Danish strategic framework for {country}.",
    "A mid-term review is planned for {mid}.",
    "This is the second phase of a long-standing Danish engagement.",
    "Funds are pooled with other Nordic donors.",
)


@dataclass
class Project:
    """One project with clean values; each file renders it its own messy way."""

    kind: str
    country: str
    title: str
    description: str
    objectives: str
    indicators: str
    sector: int
    partner: str
    budget: float
    currency: str
    start: date
    end: date
    marker: int
    gam: int
    cluster: str

    @property
    def status(self) -> str:
        if self.start > TODAY:
            return "pipeline"
        return "completed" if self.end < TODAY else "ongoing"


def make_projects(rng: random.Random, n: int, archetypes: tuple[Archetype, ...],
                  countries: tuple[str, ...], budget_range: tuple[int, int],
                  currencies: tuple[str, ...]) -> list[Project]:
    """n projects, going through the archetypes in shuffled rounds so that every kind appears."""
    pool = [a for a in archetypes if not a.countries or set(a.countries) & set(countries)]
    deck: list[Archetype] = []
    while len(deck) < n:
        deck += rng.sample(pool, len(pool))
    return [make_project(rng, a, countries, budget_range, currencies) for a in deck[:n]]


def make_project(rng: random.Random, kind: Archetype, countries: tuple[str, ...],
                 budget_range: tuple[int, int], currencies: tuple[str, ...]) -> Project:
    country = rng.choice([c for c in countries if not kind.countries or c in kind.countries])
    first, last = START_YEARS.get(country, DEFAULT_START_YEARS)
    start = date(rng.randint(first, last), rng.randint(1, 12), rng.choice((1, 1, 1, 15)))
    end = add_months(start, rng.randint(18, 60)) - timedelta(days=1)
    budget = rng.randrange(*budget_range) * 100_000.0
    if rng.random() < 0.2:  # not every commitment is a round sum
        budget += rng.randrange(1, 99_999) + 0.5
    words = {
        "country": country, "land": DANISH_NAMES.get(country, country),
        "place": rng.choice(PLACES[country]), "n": rng.choice((60, 80, 120, 150, 250, 400)),
        "n2": rng.randint(4, 40), "pct": rng.choice((30, 35, 40, 50)),
        "mid": start.year + 2,
    }
    variant = rng.randrange(len(kind.descriptions))
    title = kind.titles[variant % len(kind.titles)].format(**words)
    description = kind.descriptions[variant].format(title=title, **words)
    if not kind.danish and "under 30 words" not in kind.kind and rng.random() < 0.4:
        description += " " + rng.choice(SUFFIXES).format(**words)
    return Project(
        kind=kind.kind, country=country, title=title, description=description,
        objectives=rng.choice(kind.objectives or ("",)).format(**words),
        indicators=rng.choice(kind.indicators or ("",)).format(**words),
        sector=kind.sectors[variant % len(kind.sectors)], partner=rng.choice(kind.partners),
        budget=budget, currency=rng.choice(currencies), start=start, end=end,
        marker=rng.choice(kind.markers), gam=rng.choice(kind.gam),
        cluster=rng.choice(kind.clusters),
    )


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1)


# --------------------------------------------------------------------------------------
# Rendering values the way people type them
# --------------------------------------------------------------------------------------

def grouped(amount: float, thousands: str, decimal: str, decimals: int) -> str:
    """1234567.5 -> '1.234.567,50' (thousands '.', decimal ',', 2 decimals), and so on."""
    return f"{amount:,.{decimals}f}".translate(str.maketrans({",": thousands, ".": decimal}))


def millions(amount: float, decimal: str) -> str:
    """2500000 -> '2.5' (or '2,5')."""
    return f"{amount / 1e6:.2f}".rstrip("0").rstrip(".").replace(".", decimal)


def excel_serial(day: date) -> int:
    return (day - date(1899, 12, 30)).days


def scuff(rng: random.Random, text: str) -> str:
    """Now and then leave what copy-paste leaves: a trailing space or a non-breaking space."""
    roll = rng.random()
    if roll < 0.08:
        return text + " "
    if roll < 0.16 and " " in text:
        return text.replace(" ", "\xa0", 1)
    return text


def blankish(rng: random.Random, text: str) -> str:
    """An optional text, sometimes replaced by what people type for 'nothing'."""
    return rng.choice(("N/A", "-", "", "n.a.")) if not text or rng.random() < 0.15 else text


def danish_budget(rng: random.Random, amount: float, currency: str) -> float | str:
    whole = amount == int(amount)
    styles = ["cell", "cell", "dotted", "prefixed"] + (["mio", "nbsp"] if whole else [])
    match rng.choice(styles):
        case "cell":
            return amount
        case "dotted":
            return grouped(amount, ".", ",", 2)
        case "prefixed":
            return f"{currency} {grouped(amount, '.', ',', 0 if whole else 2)}"
        case "mio":
            return f"{millions(amount, ',')} mio."
        case _:
            return grouped(amount, "\xa0", ",", 0)


def english_budget(rng: random.Random, amount: float, currency: str) -> float | str:
    whole = amount == int(amount)
    styles = ["cell", "commas", "commas"] + (["m", "spaces"] if whole else [])
    match rng.choice(styles):
        case "cell":
            return amount
        case "commas":
            return grouped(amount, ",", ".", 0 if whole else 2)
        case "m":
            return f"{currency} {millions(amount, '.')}m"
        case _:
            return grouped(amount, " ", ".", 0)


def danish_date(rng: random.Random, day: date) -> date | int | str:
    match rng.choice(("cell", "cell", "dashes", "dashes", "dots", "month", "long", "year")):
        case "cell":
            return day
        case "dashes":
            return f"{day:%d-%m-%Y}"
        case "dots":
            return f"{day:%d.%m.%Y}"
        case "month":
            return f"{DANISH_MONTHS[day.month - 1]} {day.year}"
        case "long":
            return f"{day.day}. {DANISH_MONTHS[day.month - 1]} {day.year}"
        case _:
            return rng.choice((day.year, str(day.year)))


def english_date(rng: random.Random, day: date) -> date | int | str:
    match rng.choice(("cell", "iso", "iso", "serial", "long")):
        case "cell":
            return day
        case "iso":
            return day.isoformat()
        case "serial":
            return excel_serial(day)
        case _:
            return f"{day.day} {ENGLISH_MONTHS[day.month - 1]} {day.year}"


DANISH_MARKERS = {0: ("Ikke målrettet", "0"), 1: ("Væsentligt", "1", "Significant"),
                  2: ("Hovedformål", "Principal", "2")}
ENGLISH_MARKERS = {0: ("Not targeted", "0"), 1: ("Significant", "1"), 2: ("Principal", "2")}
DANISH_STATUS = {"pipeline": "Planlagt", "ongoing": "Igangværende", "completed": "Afsluttet"}


def marker(rng: random.Random, value: int, words: dict[int, tuple[str, ...]]) -> int | str:
    return rng.choice((value, *words[value]))


def status(rng: random.Random, project: Project, danish: bool) -> str:
    text = DANISH_STATUS[project.status] if danish else project.status.capitalize()
    return rng.choice((text, text, text.lower(), text + " "))


# --------------------------------------------------------------------------------------
# Deliberate flaws and what the README says about them
# --------------------------------------------------------------------------------------

Row = dict[str, object]


@dataclass(frozen=True)
class Flaw:
    """Cells of one project row overwritten to break a rule on purpose."""

    index: int  # which project (0-based, in the order written)
    cells: dict[str, object]  # header -> value written instead
    rule: str  # what the reader or validation should say


@dataclass
class Table:
    """One sheet of a workbook, or one CSV file, as README.md describes it."""

    sheet: str
    header_row: int
    projects: int
    flaws: list[tuple[int, Flaw]] = field(default_factory=list)  # (row number, flaw)


@dataclass
class Sample:
    file: str
    about: str
    tables: list[Table]


def row_numbers(first_row: int, n: int, blank_after: tuple[int, ...] = ()) -> list[int]:
    """The row number each project lands on when a blank row follows each index in blank_after."""
    numbers, row = [], first_row
    for index in range(n):
        numbers.append(row)
        row += 2 if index in blank_after else 1
    return numbers


def apply_flaws(rows: list[Row], numbers: list[int], flaws: list[Flaw]) -> list[tuple[int, Flaw]]:
    for flaw in flaws:
        rows[flaw.index].update(flaw.cells)
    return [(numbers[flaw.index], flaw) for flaw in flaws]


def end_before_start(index: int, start: str, end: str, start_value: object, end_value: object,
                     ) -> Flaw:
    return Flaw(index, {start: start_value, end: end_value}, "end date before start date")


# --------------------------------------------------------------------------------------
# Writing workbooks and CSVs
# --------------------------------------------------------------------------------------

def write_rows(ws: Worksheet, headers: list[str], rows: list[Row], numbers: list[int],
               date_format: str) -> None:
    """Write each row at its row number; text is always text, even when it starts with '='."""
    for row, number in zip(rows, numbers, strict=True):
        for col, header in enumerate(headers, start=1):
            value = row.get(header)
            if value is None or value == "":
                continue
            cell = ws.cell(number, col, value)
            if isinstance(value, str):
                cell.data_type = "s"
            elif isinstance(value, date):
                cell.number_format = date_format
            elif isinstance(value, float):
                cell.number_format = "#,##0" if value == int(value) else "#,##0.00"


def write_header(ws: Worksheet, row: int, headers: list[str], widths: dict[str, int]) -> None:
    for col, header in enumerate(headers, start=1):
        cell = ws.cell(row, col, header)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[get_column_letter(col)].width = widths.get(header, 14)


def write_total(ws: Worksheet, row: int, label: str, headers: list[str], budget: str,
                first: int) -> None:
    col = get_column_letter(headers.index(budget) + 1)
    ws.cell(row, 1, label).font = Font(bold=True)
    ws.cell(row, headers.index(budget) + 1, f"=SUM({col}{first}:{col}{row - 1})")


def write_lines(ws: Worksheet, lines: tuple[str, ...]) -> None:
    for number, line in enumerate(lines, start=1):
        ws.cell(number, 1, line)
    ws.column_dimensions["A"].width = 110


def save_workbook(wb: Workbook, path: Path) -> None:
    """Save with fixed properties and zip timestamps, so the same cells give the same bytes."""
    wb.properties.creator = "scripts/make_samples.py"
    wb.properties.created = wb.properties.modified = FIXED_TIME
    with FixedTimeZip(path, "w", ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()


class FixedTimeZip(ZipFile):
    """A ZipFile that stamps every entry with FIXED_TIME instead of the clock or a file's mtime."""

    def writestr(self, zinfo_or_arcname: str | ZipInfo, data: str | bytes, *args, **kwargs) -> None:
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = ZipInfo(zinfo_or_arcname, FIXED_TIME.timetuple()[:6])
            zinfo_or_arcname.compress_type = ZIP_DEFLATED
        super().writestr(zinfo_or_arcname, data, *args, **kwargs)

    def write(self, filename: str, arcname: str | None = None, *args, **kwargs) -> None:
        """openpyxl writes each worksheet to a temporary file and adds it with write()."""
        self.writestr(arcname or Path(filename).name, Path(filename).read_bytes())


def write_csv(path: Path, headers: list[str], rows: list[Row], delimiter: str,
              encoding: str) -> None:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([["" if row.get(h) is None else row[h] for h in headers] for row in rows])
    path.write_bytes(text.getvalue().encode(encoding))


WIDE = {"Titel": 40, "Beskrivelse": 70, "Formål": 40, "Indikatorer": 40, "Title": 40,
        "Description": 70, "Objectives": 40, "Results indicators": 40, "Project title": 40,
        "Summary": 70, "Indicators": 40, "Project description": 70,
        "Immediate objectives": 40, "Outcome indicators": 40}


# --------------------------------------------------------------------------------------
# 1. bilateral_uganda_afghanistan.xlsx
# --------------------------------------------------------------------------------------

BILATERAL_DA = ["J.nr.", "Titel", "Beskrivelse", "Formål", "Indikatorer", "Land", "DAC-kode",
                "Bevilling\n(DKK)", "Valuta", "Startdato", "Slutdato", "Ligestillingsmarkør",
                "Status"]


def bilateral_uganda_afghanistan(out: Path) -> Sample:
    rng = random.Random(f"{SEED}:bilateral_uganda_afghanistan")
    projects = make_projects(rng, 60, DEVELOPMENT, ("Uganda", "Uganda", "Afghanistan"),
                             (20, 1500), ("DKK",))
    ids = rng.sample(range(10_000, 50_000), len(projects))
    rows = [{
        "J.nr.": f"{p.start.year}-{number}",
        "Titel": scuff(rng, p.title),
        "Beskrivelse": p.description,
        "Formål": blankish(rng, p.objectives),
        "Indikatorer": blankish(rng, p.indicators),
        "Land": scuff(rng, DANISH_NAMES.get(p.country, p.country)),
        "DAC-kode": rng.choice((p.sector, p.sector, str(p.sector))),
        "Bevilling\n(DKK)": danish_budget(rng, p.budget, p.currency),
        "Valuta": rng.choice(("DKK", "DKK", "dkk", "")),
        "Startdato": danish_date(rng, p.start),
        "Slutdato": danish_date(rng, p.end),
        "Ligestillingsmarkør": marker(rng, p.marker, DANISH_MARKERS),
        "Status": status(rng, p, danish=True),
    } for p, number in zip(projects, ids, strict=True)]

    header_row, blank_after = 4, (19, 40)
    numbers = row_numbers(header_row + 1, len(rows), blank_after)
    flaws = apply_flaws(rows, numbers, [
        Flaw(7, {"Bevilling\n(DKK)": "afventer"}, "budget is not a number"),
        Flaw(12, {"Land": "Atlantis"}, "unknown country"),
        end_before_start(23, "Startdato", "Slutdato", "01-06-2024", "31-05-2023"),
        Flaw(28, {"J.nr.": rows[5]["J.nr."]},
             f"duplicate project ID (also at row {numbers[5]})"),
        Flaw(33, {"Titel": ""}, "missing required title"),
        Flaw(37, {"Ligestillingsmarkør": "3"}, "gender marker must be 0, 1 or 2"),
        Flaw(45, {"DAC-kode": 99999}, "not a DAC purpose code"),
    ])

    wb = Workbook()
    guide = wb.active
    guide.title = "Vejledning"
    write_lines(guide, (
        "Vejledning til porteføljeoversigten",
        "",
        "1. Udfyld én linje pr. bevilling. J.nr. skal være unikt.",
        "2. Bevilling angives i DKK, fx 1.234.567,50 eller 2,5 mio.",
        "3. Ligestillingsmarkør (OECD DAC): 0 = ikke målrettet, 1 = væsentligt, 2 = hovedformål.",
        "4. Datoer skrives dd-mm-åååå. Kendes kun året, skriv året.",
        "5. Slet ikke linjen 'I alt' nederst.",
    ))
    ws = wb.create_sheet("Bilateral")
    ws["A1"] = "Danida portfolio – Uganda og Afghanistan – FY2025"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = "Opdateret 15-01-2025, Afrika, Politik og Udvikling (APD)"
    write_header(ws, header_row, BILATERAL_DA, WIDE)
    ws.row_dimensions[header_row].height = 32
    write_rows(ws, BILATERAL_DA, rows, numbers, "dd-mm-yyyy")
    write_total(ws, numbers[-1] + 1, "I alt", BILATERAL_DA, "Bevilling\n(DKK)", numbers[0])
    ws.freeze_panes = ws.cell(header_row + 1, 3)

    lists = wb.create_sheet("Lister")
    lists.sheet_state = "hidden"
    choices = (
        ("Ligestillingsmarkør", "0", "1", "2", "Ikke målrettet", "Væsentligt", "Hovedformål"),
        ("Status", "Planlagt", "Igangværende", "Afsluttet"),
        ("Land", "Uganda", "Afghanistan"),
    )
    for col, values in enumerate(choices, start=1):
        for row, value in enumerate(values, start=1):
            lists.cell(row, col, value)
    validation = DataValidation(type="list", formula1="=Lister!$A$2:$A$7", allow_blank=True)
    marker_col = get_column_letter(BILATERAL_DA.index("Ligestillingsmarkør") + 1)
    validation.add(f"{marker_col}{numbers[0]}:{marker_col}{numbers[-1]}")
    ws.add_data_validation(validation)
    save_workbook(wb, out / "bilateral_uganda_afghanistan.xlsx")

    return Sample("bilateral_uganda_afghanistan.xlsx", (
        "Danish-style bilateral portfolio for Uganda and Afghanistan. Sheets: `Vejledning` "
        "(instructions, skip), `Bilateral` (the portfolio), `Lister` (hidden drop-down lists, "
        "skip). Title block in rows 1-2, blank row 3, Danish header on row 4 with a two-line "
        "cell `Bevilling\\n(DKK)`. Blank rows at rows "
        f"{numbers[19] + 1} and {numbers[40] + 1}; closing `I alt` row {numbers[-1] + 1} with "
        "a `SUM` formula (no cached value: openpyxl does not compute formulas). Budgets as "
        "numeric cells and as text (`1.234.567,50`, `2,5 mio.`, `DKK 4.500.000`, "
        "non-breaking-space thousands); dates as date cells, `01-03-2024`, `01.03.2024`, "
        "`marts 2024`, `1. april 2023`, a year alone (number or text); markers as digits "
        "(number or text) and words (`Væsentligt`, `Hovedformål`, `Principal`, `Ikke "
        "målrettet`); `N/A`, `-`, `n.a.` in Formål/Indikatorer; `Valuta` sometimes blank or "
        "lower case; trailing and non-breaking spaces in titles and countries; Danish statuses "
        "with stray case and trailing spaces; a few descriptions in Danish."
    ), [Table("Bilateral", header_row, len(rows), flaws)])


# --------------------------------------------------------------------------------------
# 2. multilateral_sudan_somalia.xlsx
# --------------------------------------------------------------------------------------

MULTILATERAL_EN = ["Project ID", "Title", "Description", "Objectives", "Results indicators",
                   "Country", "Purpose code", "Implementing partner", "Commitment", "Currency",
                   "Start date", "End date", "Gender marker", "Status"]
# Group labels on the row above the header: (first header, last header, label).
MULTILATERAL_GROUPS = (("Project ID", "Results indicators", "Project"),
                       ("Country", "Implementing partner", "Where and with whom"),
                       ("Commitment", "Currency", "Financials"),
                       ("Start date", "End date", "Timeline"))
# Headers merged down into the group row: their text sits in the group row only.
MULTILATERAL_TALL = ("Gender marker", "Status")


def multilateral_sudan_somalia(out: Path) -> Sample:
    rng = random.Random(f"{SEED}:multilateral_sudan_somalia")
    projects = make_projects(rng, 50, DEVELOPMENT, ("Sudan", "Somalia"), (5, 250),
                             ("USD", "USD", "USD", "EUR", "DKK"))
    ids = rng.sample(range(1, 400), len(projects))
    rows = [{
        "Project ID": f"MUL-{SPELLINGS[p.country][1]}-{p.start.year}-{number:03d}",
        "Title": p.title,
        "Description": p.description,
        "Objectives": p.objectives,
        "Results indicators": p.indicators,
        "Country": rng.choice((p.country, p.country, SPELLINGS[p.country][1])),
        "Purpose code": p.sector,
        "Implementing partner": p.partner,
        "Commitment": english_budget(rng, p.budget, p.currency),
        "Currency": p.currency,
        "Start date": english_date(rng, p.start),
        "End date": english_date(rng, p.end),
        "Gender marker": marker(rng, p.marker, ENGLISH_MARKERS),
        "Status": status(rng, p, danish=False),
    } for p, number in zip(projects, ids, strict=True)]
    rows[45].update({"Country": "Africa, regional", "Implementing partner": "AfDB"})

    title_row, group_row, header_row = 1, 2, 3
    numbers = row_numbers(header_row + 1, len(rows))
    flaws = apply_flaws(rows, numbers, [
        Flaw(6, {"Implementing partner": ""}, "missing partner (required for multilateral)"),
        Flaw(14, {"Gender marker": "High"}, "gender marker must be 0, 1 or 2"),
        Flaw(21, {"Project ID": rows[2]["Project ID"]},
             f"duplicate project ID (also at row {numbers[2]})"),
        Flaw(27, {"Country": "Norway"}, "not an ODA recipient"),
        Flaw(33, {"Commitment": "-500,000"}, "negative budget"),
        end_before_start(40, "Start date", "End date", "2023-07-01", "2022-12-31"),
    ])

    wb = Workbook()
    ws = wb.active
    ws.title = "Multilateral"
    ws.cell(title_row, 1, "Multilateral and multi-bi commitments: Sudan and Somalia").font = Font(
        bold=True, size=14)
    ws.merge_cells(start_row=title_row, start_column=1, end_row=title_row,
                   end_column=len(MULTILATERAL_EN))
    write_header(ws, header_row, MULTILATERAL_EN, WIDE)
    for first, last, label in MULTILATERAL_GROUPS:
        start, end = MULTILATERAL_EN.index(first) + 1, MULTILATERAL_EN.index(last) + 1
        ws.cell(group_row, start, label).font = Font(bold=True)
        ws.cell(group_row, start).alignment = Alignment(horizontal="center")
        ws.merge_cells(start_row=group_row, start_column=start, end_row=group_row, end_column=end)
    for header in MULTILATERAL_TALL:
        col = MULTILATERAL_EN.index(header) + 1
        ws.cell(group_row, col, header).font = Font(bold=True)
        ws.merge_cells(start_row=group_row, start_column=col, end_row=header_row, end_column=col)
    write_rows(ws, MULTILATERAL_EN, rows, numbers, "yyyy-mm-dd")
    write_total(ws, numbers[-1] + 1, "Total", MULTILATERAL_EN, "Commitment", numbers[0])
    save_workbook(wb, out / "multilateral_sudan_somalia.xlsx")

    return Sample("multilateral_sudan_somalia.xlsx", (
        "Earmarked funding through UN agencies, the World Bank, AfDB and pooled funds (UN Women, "
        "UNFPA, UNDP, UNICEF, World Bank MDTF, WPHF, UN Peacebuilding Fund) in Sudan and "
        "Somalia. One sheet, `Multilateral`. Row 1 is a title merged across all columns; row 2 "
        "holds merged group labels (`Project`, `Where and with whom`, `Financials` over "
        "`Commitment` and `Currency`, `Timeline`); the header is row 3, except `Gender marker` "
        "and `Status`, which are merged vertically over rows 2-3 so their text sits in row 2. "
        "Amounts as numeric cells and text (`1,250,000`, `1 250 000`, `USD 2.5m`); currencies "
        "USD, EUR, DKK; dates as date cells, ISO text, `1 March 2024` and bare Excel serial "
        "numbers; markers as digits and words; countries as names and ISO3 codes. Valid edge "
        f"case: row {numbers[45]} is `Africa, regional`. Closing `Total` row "
        f"{numbers[-1] + 1} with a `SUM` formula."
    ), [Table("Multilateral", header_row, len(rows), flaws)])


# --------------------------------------------------------------------------------------
# 3. humanitarian_south_sudan.csv
# --------------------------------------------------------------------------------------

HUMANITARIAN_CSV = ["Project ID", "Title", "Description", "Country", "Purpose code", "Partner",
                    "Budget", "Currency", "Start date", "End date", "GAM", "Cluster", "Status"]


def danish_decimal_amount(rng: random.Random, amount: float) -> str:
    return rng.choice((grouped(amount, ".", ",", 2), grouped(amount, "", ",", 2),
                       grouped(amount, "", ",", 0)))


def humanitarian_south_sudan(out: Path) -> Sample:
    rng = random.Random(f"{SEED}:humanitarian_south_sudan")
    projects = make_projects(rng, 40, HUMANITARIAN, ("South Sudan",), (5, 300),
                             ("DKK", "DKK", "USD"))
    ids = rng.sample(range(1, 300), len(projects))
    rows = [{
        "Project ID": f"HUM-SSD-{p.start.year}-{number:03d}",
        "Title": p.title,
        "Description": p.description,
        "Country": rng.choice(("South Sudan", "South Sudan", "Sydsudan", "SSD", "South Sudan ")),
        "Purpose code": p.sector,
        "Partner": p.partner,
        "Budget": danish_decimal_amount(rng, p.budget),
        "Currency": p.currency,
        "Start date": rng.choice((f"{p.start:%d-%m-%Y}", p.start.isoformat())),
        "End date": rng.choice((f"{p.end:%d-%m-%Y}", p.end.isoformat())),
        "GAM": p.gam,
        "Cluster": p.cluster,
        "Status": status(rng, p, danish=rng.random() < 0.3),
    } for p, number in zip(projects, ids, strict=True)]

    numbers = row_numbers(2, len(rows))
    flaws = apply_flaws(rows, numbers, [
        Flaw(4, {"GAM": 7}, "GAM code must be 0-4"),
        Flaw(9, {"Budget": "12,5 mio kr?"}, "budget is not a number"),
        end_before_start(15, "Start date", "End date", "01-10-2024", "30-09-2024"),
        Flaw(20, {"Partner": ""}, "missing partner (required for humanitarian)"),
        Flaw(26, {"Project ID": rows[11]["Project ID"]},
             f"duplicate project ID (also on line {numbers[11]})"),
        Flaw(31, {"Country": "Denmark"}, "not an ODA recipient"),
        Flaw(36, {"Description": ""}, "missing required description"),
    ])
    write_csv(out / "humanitarian_south_sudan.csv", HUMANITARIAN_CSV, rows, ";", "cp1252")

    return Sample("humanitarian_south_sudan.csv", (
        "Humanitarian projects in South Sudan as exported from a Danish Excel: semicolon "
        "separated, Windows-1252 encoded (`Dansk Flygtningehjælp`, `Folkekirkens Nødhjælp`, "
        "`Médecins Sans Frontières`), CRLF line ends. DAC purpose codes 72010, 72011, 72012, "
        "72040, 72050, 73010, 74020; GAM codes 0-4; clusters Protection, GBV AoR, Health, Food "
        "Security, Shelter, WASH, Education (blank or `-` for coordination); amounts with "
        "Danish decimal commas (`1.500.000,00`, `750000,50`); DKK and USD; dates `01-03-2024` "
        "and ISO; country as `South Sudan`, `Sydsudan`, `SSD` and with a trailing space; "
        "statuses in English and Danish. No channel column: upload it as humanitarian. Row "
        "numbers below are CSV line numbers (the header is line 1)."
    ), [Table("humanitarian_south_sudan", 1, len(rows), flaws)])


# --------------------------------------------------------------------------------------
# 4. portfolio_multi_sheet.xlsx
# --------------------------------------------------------------------------------------

ALL_COUNTRIES = tuple(PLACES)
DESK_OFFICERS = ("Mette Kjær Hansen", "Lars Østergaard", "Anna Sørensen", "Peter Holm",
                 "Sofie Nielsen (barsel)", "+45 3392 0000")
NOTES = ("", "", "", "-", "Se aftale af 12.03.2024", "Phase II under preparation",
         '=HYPERLINK("http://intranet/x")', "Call the embassy: +45 3392 0000",
         "Audit report pending")

MULTI_BILATERAL = ["Project no.", "Project title", "Summary", "Objectives", "Indicators",
                   "Recipient country", "CRS code", "Budget", "Currency", "Start", "End",
                   "GE marker", "Status", "Desk officer"]
MULTI_MULTILATERAL = ["Activity ID", "Title", "Project description", "Immediate objectives",
                      "Outcome indicators", "Country", "Sector code", "Channel of delivery",
                      "Amount", "Currency", "Start date", "End date", "DAC gender marker",
                      "Project status", "Notes"]
MULTI_HUMANITARIAN = ["Projekt nr.", "Titel", "Beskrivelse", "Land", "Sektorkode",
                      "Implementerende partner", "Beløb", "Valuta", "Startdato", "Slutdato",
                      "GAM", "Klynge", "Status", "Bemærkninger"]


def spelled(rng: random.Random, country: str) -> str:
    return scuff(rng, rng.choice(SPELLINGS[country]))


def multi_bilateral_rows(rng: random.Random) -> list[Row]:
    projects = make_projects(rng, 45, DEVELOPMENT, ALL_COUNTRIES, (20, 1000), ("DKK",))
    ids = rng.sample(range(100, 999), len(projects))
    return [{
        "Project no.": f"{p.start.year}-{number}.BIL",
        "Project title": p.title,
        "Summary": p.description,
        "Objectives": blankish(rng, p.objectives),
        "Indicators": blankish(rng, p.indicators),
        "Recipient country": spelled(rng, p.country),
        "CRS code": p.sector,
        "Budget": rng.choice((english_budget(rng, p.budget, p.currency),
                              danish_budget(rng, p.budget, p.currency))),
        "Currency": p.currency,
        "Start": rng.choice((p.start, p.start.isoformat(), danish_date(rng, p.start))),
        "End": rng.choice((p.end, p.end.isoformat(), danish_date(rng, p.end))),
        "GE marker": marker(rng, p.marker, rng.choice((ENGLISH_MARKERS, DANISH_MARKERS))),
        "Status": status(rng, p, danish=rng.random() < 0.5),
        "Desk officer": rng.choice(DESK_OFFICERS),
    } for p, number in zip(projects, ids, strict=True)]


def multi_multilateral_rows(rng: random.Random) -> list[Row]:
    projects = make_projects(rng, 40, DEVELOPMENT, ALL_COUNTRIES, (5, 200),
                             ("USD", "EUR", "DKK"))
    ids = rng.sample(range(1000, 9999), len(projects))
    return [{
        "Activity ID": f"DK-1-{number}",
        "Title": p.title,
        "Project description": p.description,
        "Immediate objectives": p.objectives,
        "Outcome indicators": blankish(rng, p.indicators),
        "Country": spelled(rng, p.country),
        "Sector code": rng.choice((p.sector, str(p.sector))),
        "Channel of delivery": p.partner,
        "Amount": english_budget(rng, p.budget, p.currency),
        "Currency": p.currency,
        "Start date": english_date(rng, p.start),
        "End date": english_date(rng, p.end),
        "DAC gender marker": marker(rng, p.marker, ENGLISH_MARKERS),
        "Project status": status(rng, p, danish=False),
        "Notes": rng.choice(NOTES),
    } for p, number in zip(projects, ids, strict=True)]


def multi_humanitarian_rows(rng: random.Random) -> list[Row]:
    projects = make_projects(rng, 40, HUMANITARIAN, ALL_COUNTRIES, (5, 300), ("DKK", "USD"))
    ids = rng.sample(range(100, 999), len(projects))
    return [{
        "Projekt nr.": f"HUM-{p.start.year % 100:02d}-{number}",
        "Titel": p.title,
        "Beskrivelse": p.description,
        "Land": spelled(rng, p.country),
        "Sektorkode": p.sector,
        "Implementerende partner": p.partner,
        "Beløb": danish_budget(rng, p.budget, p.currency),
        "Valuta": p.currency,
        "Startdato": danish_date(rng, p.start),
        "Slutdato": danish_date(rng, p.end),
        "GAM": rng.choice((p.gam, str(p.gam))),
        "Klynge": p.cluster,
        "Status": status(rng, p, danish=True),
        "Bemærkninger": rng.choice(NOTES[:6]),
    } for p, number in zip(projects, ids, strict=True)]


def portfolio_multi_sheet(out: Path) -> Sample:
    rng = random.Random(f"{SEED}:portfolio_multi_sheet")
    wb = Workbook()
    guide = wb.active
    guide.title = "Instructions"
    write_lines(guide, (
        "Portfolio overview, all channels",
        "One sheet per channel: Bilateral, Multilateral, Humanitær.",
        "Budgets in the currency given in the Currency column (DKK if blank).",
        "Gender marker: OECD DAC 0/1/2. Humanitarian projects: IASC Gender with Age Marker 0-4.",
        "Desk officer and Notes are for internal use.",
    ))
    sheets = (
        ("Bilateral", MULTI_BILATERAL, multi_bilateral_rows(rng), lambda rows, n: [
            Flaw(5, {"GE marker": "3"}, "gender marker must be 0, 1 or 2"),
            Flaw(8, {"CRS code": 99999}, "not a DAC purpose code"),
            Flaw(15, {"CRS code": 15164},
                 "withdrawn purpose code (IATI Sector list; 15170 took its place): a warning, "
                 "the row loads"),
            Flaw(22, {"Summary": ""}, "missing required description"),
            Flaw(30, {"Budget": "afventer"}, "budget is not a number"),
        ]),
        ("Multilateral", MULTI_MULTILATERAL, multi_multilateral_rows(rng), lambda rows, n: [
            Flaw(3, {"Channel of delivery": "-"}, "missing partner (required for multilateral)"),
            Flaw(11, {"Activity ID": rows[1]["Activity ID"]},
                 f"duplicate project ID (also at row {n[1]})"),
            Flaw(19, {"Country": "Norway"}, "not an ODA recipient"),
            Flaw(27, {"DAC gender marker": "High"}, "gender marker must be 0, 1 or 2"),
        ]),
        ("Humanitær", MULTI_HUMANITARIAN, multi_humanitarian_rows(rng), lambda rows, n: [
            Flaw(2, {"GAM": "7"}, "GAM code must be 0-4"),
            Flaw(9, {"Titel": ""}, "missing required title"),
            end_before_start(17, "Startdato", "Slutdato", "1. maj 2024", "marts 2024"),
            Flaw(25, {"Land": "Atlantis"}, "unknown country"),
        ]),
    )
    tables = []
    for name, headers, rows, flaws_for in sheets:
        ws = wb.create_sheet(name)
        numbers = row_numbers(2, len(rows))
        flaws = apply_flaws(rows, numbers, flaws_for(rows, numbers))
        write_header(ws, 1, headers, WIDE)
        write_rows(ws, headers, rows, numbers, "dd-mm-yyyy")
        tables.append(Table(name, 1, len(rows), flaws))
    wb.create_sheet("Ark1")
    save_workbook(wb, out / "portfolio_multi_sheet.xlsx")

    return Sample("portfolio_multi_sheet.xlsx", (
        "One workbook, one sheet per channel: `Instructions` (skip), `Bilateral`, "
        "`Multilateral`, `Humanitær`, and an empty `Ark1` (skip). Headers on row 1, different "
        "on every sheet (English on two, Danish on `Humanitær`). All eleven countries "
        "(Afghanistan, Uganda, Sudan, South Sudan, Somalia, Mali, DR Congo, Myanmar, Syria, "
        "Yemen, Ukraine) as English names, Danish names (`Sydsudan`, `Syrien`, `Den "
        "Demokratiske Republik Congo`) and ISO2/ISO3 codes in varying case. Unknown columns to "
        "keep as extra attributes: `Desk officer` (Bilateral), `Notes` (Multilateral), "
        "`Bemærkninger` (Humanitær). Text that looks like a formula is stored as text: "
        "`=HYPERLINK(\"http://intranet/x\")` in Notes (cell type `s`), `+45 3392 0000` as a desk "
        "officer and inside notes. Budgets mix English and Danish styles, dates mix cells, ISO, "
        "Danish text and serial numbers."
    ), tables)


# --------------------------------------------------------------------------------------
# 5. bilateral_uganda_export.csv
# --------------------------------------------------------------------------------------

EXPORT_EN = ["Project number", "Project title", "Description", "Objectives", "Indicators",
             "Recipient country", "Sector code", "Budget", "Currency", "Start date", "End date",
             "Gender equality marker", "Status"]


def bilateral_uganda_export(out: Path) -> Sample:
    rng = random.Random(f"{SEED}:bilateral_uganda_export")
    projects = make_projects(rng, 30, DEVELOPMENT, ("Uganda",), (20, 1200), ("DKK",))
    ids = rng.sample(range(1, 999), len(projects))
    rows = [{
        "Project number": f"104.Uganda.{p.start.year}.{number}",
        "Project title": p.title,
        "Description": p.description,
        "Objectives": p.objectives,
        "Indicators": p.indicators,
        "Recipient country": rng.choice(("Uganda", "Uganda", "UGA", "UG", "uganda")),
        "Sector code": p.sector,
        "Budget": grouped(p.budget, ",", ".", 2),
        "Currency": p.currency,
        "Start date": rng.choice((p.start.isoformat(),
                                  f"{p.start.day} {ENGLISH_MONTHS[p.start.month - 1]} "
                                  f"{p.start.year}")),
        "End date": p.end.isoformat(),
        "Gender equality marker": marker(rng, p.marker, ENGLISH_MARKERS),
        "Status": status(rng, p, danish=False),
    } for p, number in zip(projects, ids, strict=True)]

    numbers = row_numbers(2, len(rows))
    flaws = apply_flaws(rows, numbers, [
        Flaw(3, {"Recipient country": "Denmark"}, "not an ODA recipient"),
        end_before_start(9, "Start date", "End date", "2024-01-01", "2023-12-31"),
        Flaw(14, {"Budget": "-1,200,000.00"}, "negative budget"),
        Flaw(19, {"Project title": ""}, "missing required title"),
        Flaw(24, {"Gender equality marker": "3"}, "gender marker must be 0, 1 or 2"),
        Flaw(27, {"Project number": rows[2]["Project number"]},
             f"duplicate project ID (also on line {numbers[2]})"),
    ])
    write_csv(out / "bilateral_uganda_export.csv", EXPORT_EN, rows, ",", "utf-8-sig")

    return Sample("bilateral_uganda_export.csv", (
        "Bilateral Uganda portfolio exported from a grants system: comma separated, UTF-8 with "
        "BOM, CRLF line ends, English headers, amounts with English separators "
        "(`1,250,000.00`, quoted because of the commas), ISO dates and `1 March 2024`, country "
        "as `Uganda`, `uganda`, `UGA`, `UG`. No channel column: upload it as bilateral. Row "
        "numbers below are CSV line numbers (the header is line 1)."
    ), [Table("bilateral_uganda_export", 1, len(rows), flaws)])


# --------------------------------------------------------------------------------------
# README and command line
# --------------------------------------------------------------------------------------

BUILDERS: tuple[Callable[[Path], Sample], ...] = (
    bilateral_uganda_afghanistan, multilateral_sudan_somalia, humanitarian_south_sudan,
    portfolio_multi_sheet, bilateral_uganda_export,
)

README_INTRO = """\
# Sample portfolios

Generated by `scripts/make_samples.py` (`make samples`); do not edit by hand:
`tests/test_samples.py` regenerates them and fails when they differ. Change the script
and rerun it instead.

Each file is the kind of spreadsheet desk officers really send (see
`../shared/PORTFOLIO-FORMAT.md`, "What real workbooks look like"): awkward layouts that must
read correctly, plus a few rows broken on purpose, listed below with the row number Excel
shows (for CSV files, the line number). Every other row should load.

The project texts mix clear WPS projects (women in peace processes, women mediators, SGBV
survivor services, CRSV accountability, women in DDR, women police officers in Afghanistan,
1325 national action plans, WPHF grants to local women's organisations), gender-mainstreamed
projects, gender-blind infrastructure, PFM and energy, and hard cases for the screening:
cross-cutting boilerplate, negated gender analysis, PSEA clauses only, "women and youth"
beneficiary lists, Danish-language texts, descriptions under 30 words (or the title
repeated), and road and energy projects that claim marker 2.
"""


def render_value(value: object) -> str:
    return "(blank)" if value == "" else f"`{value}`"


def readme(samples: list[Sample]) -> str:
    parts = [README_INTRO]
    for sample in samples:
        total = sum(table.projects for table in sample.tables)
        parts.append(f"\n## {sample.file} ({total} projects)\n\n{sample.about}\n")
        for table in sample.tables:
            parts.append(f"\n**{table.sheet}**: header on row {table.header_row}, "
                         f"{table.projects} projects. Deliberate flaws:\n\n"
                         "| row | cells | flaw |\n|---|---|---|\n")
            parts.extend(
                f"| {number} | "
                + "; ".join(f"{col.replace(chr(10), ' ')} = {render_value(value)}"
                            for col, value in flaw.cells.items())
                + f" | {flaw.rule} |\n"
                for number, flaw in table.flaws
            )
    return "".join(parts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Write the sample portfolios (3 workbooks, 2 CSVs and README.md) "
                    "deterministically.",
        epilog="Example: .venv/bin/python scripts/make_samples.py --out /tmp/samples",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"folder to write into (default: {DEFAULT_OUT})")
    out = parser.parse_args(argv).out
    out.mkdir(parents=True, exist_ok=True)
    samples = [build(out) for build in BUILDERS]
    (out / "README.md").write_text(readme(samples), encoding="utf-8", newline="\n")
    for sample in samples:
        print(f"{out / sample.file}: {sum(t.projects for t in sample.tables)} projects")


if __name__ == "__main__":
    main()
