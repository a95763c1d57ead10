"""The extract contract: every source system, every table it delivers, and the shape of each file.

This is the one place the generator (which writes extracts), the loader (which reads them into
the ``raw`` schema), dbt (whose ``sources`` describe the raw tables) and the tests agree on.
Headers are written exactly as the vendor writes them; the loader turns each into a column name
with :func:`raw_column_name` ("Person ID" -> ``person_id``).

Files land as ``<data>/extracts/<system>/<extract date YYYY-MM-DD>/<table>.<csv|xlsx>``. The first
extract of a system is full; later ones are deltas carrying new rows and whole-row corrections
(upserts by primary key), so staging keeps the latest version of each key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

FileFormat = Literal["csv", "xlsx"]


@dataclass(frozen=True)
class SourceTable:
    system: str
    table: str
    description: str
    columns: tuple[str, ...]
    primary_key: tuple[str, ...]
    file_format: FileFormat = "csv"
    encoding: str = "utf-8"
    date_format: str = "%Y-%m-%d"  # strftime format the vendor writes dates in (csv only)
    # The column holding the person-level source record id, where this table is a person table.
    person_id_column: str | None = None
    # Columns the loader checks row by row; a row that fails is kept in audit.rejects with why.
    dates: tuple[str, ...] = ()  # a real date in date_format, from 1900 up to the extract date
    planned_dates: tuple[str, ...] = ()  # as dates, but may lie after the extract date (planned ends)
    amounts: tuple[tuple[str, float, float], ...] = ()  # (column, minimum, maximum)

    @property
    def file_name(self) -> str:
        return f"{self.table}.{self.file_format}"

    @property
    def raw_table(self) -> str:
        """Table name inside the ``raw`` schema."""
        return f"{self.system}__{self.table}"

    @property
    def raw_columns(self) -> tuple[str, ...]:
        return tuple(raw_column_name(c) for c in self.columns)


@dataclass(frozen=True)
class SourceSystem:
    name: str
    label: str
    vendor_style: str
    tables: tuple[SourceTable, ...]
    # Reference sources (gazetteer, population) are not line-of-business systems.
    is_reference: bool = False
    # Days between deliveries the council expects; a table whose newest extract is older is stale.
    cadence_days: int = 7


def raw_column_name(header: str) -> str:
    """Vendor header -> raw column name: lower case, runs of other characters become one '_'."""
    return re.sub(r"[^0-9a-z]+", "_", header.strip().lower()).strip("_")


# Columns every raw table carries beside the vendor's own, written by the loader.
LOAD_METADATA_COLUMNS: tuple[str, ...] = (
    "_source_file",  # path relative to the data directory
    "_file_sha256",
    "_extract_date",  # DATE, from the folder name
    "_row_number",  # 1-based data row number in the file (the header is row 0)
    "_loaded_at",  # TIMESTAMP
)


def _split(names: str) -> tuple[str, ...]:
    return tuple(c.strip() for c in names.split("|")) if names else ()


def _t(system: str, table: str, description: str, columns: str, pk: str, *, dates: str = "",
       planned_dates: str = "", amounts: dict[str, tuple[float, float]] | None = None, **kw) -> SourceTable:
    return SourceTable(
        system=system,
        table=table,
        description=description,
        columns=_split(columns),
        primary_key=_split(pk),
        dates=_split(dates),
        planned_dates=_split(planned_dates),
        amounts=tuple((column, low, high) for column, (low, high) in (amounts or {}).items()),
        **kw,
    )


# --- Housing (Northgate-style): UTF-8 CSV, upper-case headers, ISO timestamps ------------------
_HOUSING = {"date_format": "%Y-%m-%d 00:00:00"}
HOUSING = SourceSystem(
    name="housing",
    label="Housing",
    vendor_style="Northgate-like housing management: UTF-8 CSV, dates as 'YYYY-MM-DD 00:00:00'",
    tables=(
        _t("housing", "persons", "People known to housing: tenants, household members and homelessness applicants.",
           "PERSON_REF|TITLE|FORENAME|SURNAME|DATE_OF_BIRTH|GENDER|NI_NUMBER|ETHNICITY",
           "PERSON_REF", person_id_column="PERSON_REF", dates="DATE_OF_BIRTH", **_HOUSING),
        _t("housing", "tenancies", "Council tenancies. PROPERTY_UPRN is present on most but not all rows.",
           "TENANCY_REF|PROPERTY_UPRN|ADDRESS_1|ADDRESS_2|ADDRESS_3|POSTCODE|TENURE_TYPE|TENANCY_START|TENANCY_END|WEEKLY_RENT",
           "TENANCY_REF", dates="TENANCY_START", planned_dates="TENANCY_END", amounts={"WEEKLY_RENT": (0, 2_000)}, **_HOUSING),
        _t("housing", "tenancy_members", "Who is on each tenancy (lead and joint tenants, other occupants).",
           "TENANCY_REF|PERSON_REF|ROLE|START_DATE|END_DATE", "TENANCY_REF|PERSON_REF", dates="START_DATE", planned_dates="END_DATE", **_HOUSING),
        _t("housing", "rent_arrears", "Month-end rent account snapshots, one row per tenancy per month in arrears.",
           "TENANCY_REF|SNAPSHOT_DATE|ARREARS_BALANCE|WEEKS_IN_ARREARS|RECOVERY_STAGE",
           "TENANCY_REF|SNAPSHOT_DATE", dates="SNAPSHOT_DATE", amounts={"ARREARS_BALANCE": (-100_000, 100_000), "WEEKS_IN_ARREARS": (-520, 520)}, **_HOUSING),
        _t("housing", "homelessness_cases", "Homelessness casework in the shape of H-CLIC (main, prevention, relief, decision).",
           "CASE_REF|PERSON_REF|APPROACH_DATE|HOUSEHOLD_TYPE|REASON_LOSS_OF_HOME|LAST_SETTLED_ADDRESS|"
           "LAST_SETTLED_POSTCODE|PREVENTION_DUTY_DATE|RELIEF_DUTY_DATE|MAIN_DUTY_DECISION|"
           "MAIN_DUTY_DECISION_DATE|CASE_CLOSED_DATE|CLOSURE_REASON",
           "CASE_REF", dates="APPROACH_DATE|PREVENTION_DUTY_DATE|RELIEF_DUTY_DATE|MAIN_DUTY_DECISION_DATE|CASE_CLOSED_DATE", **_HOUSING),
        _t("housing", "temporary_accommodation", "Temporary accommodation placements under a homelessness case.",
           "PLACEMENT_REF|CASE_REF|TA_TYPE|PROPERTY_UPRN|PLACEMENT_START|PLACEMENT_END",
           "PLACEMENT_REF", dates="PLACEMENT_START", planned_dates="PLACEMENT_END", **_HOUSING),
    ),
)

# --- Revenues (Capita-style council tax): cp1252 CSV, dd/mm/yyyy, "SURNAME, Forename" ---------
_REVENUES = {"encoding": "cp1252", "date_format": "%d/%m/%Y"}
REVENUES = SourceSystem(
    name="revenues",
    label="Council tax",
    vendor_style="Capita-like revenues: cp1252 CSV, dates dd/mm/yyyy, names as 'SURNAME, Forename'",
    tables=(
        _t("revenues", "accounts", "Council tax accounts, one per property per period of liability. PROPERTY_REF is the UPRN where known.",
           "ACCOUNT_REF|PROPERTY_REF|ADDR1|ADDR2|ADDR3|ADDR4|POSTCODE|BAND|LIABILITY_START|LIABILITY_END",
           "ACCOUNT_REF", dates="LIABILITY_START", planned_dates="LIABILITY_END", **_REVENUES),
        _t("revenues", "liable_parties", "People liable on an account. A person who moves gets a new party record.",
           "PARTY_REF|ACCOUNT_REF|LIABLE_NAME|DATE_OF_BIRTH|NI_NUMBER|LIABLE_FROM|LIABLE_TO",
           "PARTY_REF", person_id_column="PARTY_REF", dates="DATE_OF_BIRTH|LIABLE_FROM", planned_dates="LIABLE_TO", **_REVENUES),
        _t("revenues", "discounts", "Discounts, reductions and exemptions: SPD single person discount, CTR council tax reduction, ...",
           "ACCOUNT_REF|DISCOUNT_CODE|START_DATE|END_DATE|ANNUAL_AMOUNT",
           "ACCOUNT_REF|DISCOUNT_CODE|START_DATE", dates="START_DATE", planned_dates="END_DATE", amounts={"ANNUAL_AMOUNT": (0, 100_000)}, **_REVENUES),
        _t("revenues", "arrears", "Arrears per account per financial year with the furthest recovery stage reached.",
           "ACCOUNT_REF|FINANCIAL_YEAR|ANNUAL_CHARGE|AMOUNT_PAID|BALANCE|RECOVERY_STAGE|STAGE_DATE",
           "ACCOUNT_REF|FINANCIAL_YEAR", dates="STAGE_DATE", amounts={"ANNUAL_CHARGE": (0, 100_000), "AMOUNT_PAID": (-100_000, 100_000), "BALANCE": (-100_000, 100_000)}, **_REVENUES),
    ),
)

# --- Adult social care (Mosaic-style, Client Level Data headers): UTF-8 CSV, ISO dates ---------
ADULT_SOCIAL_CARE = SourceSystem(
    name="adult_social_care",
    label="Adult social care",
    vendor_style="Mosaic-like case management in Client Level Data shape: UTF-8 CSV, ISO dates, no UPRN",
    tables=(
        _t("adult_social_care", "persons", "People known to adult social care.",
           "LA_Person_Unique_Identifier|NHS_Number|Given_Name|Family_Name|Date_of_Birth|Gender|Ethnicity|"
           "Primary_Support_Reason|Accommodation_Status|Date_of_Death",
           "LA_Person_Unique_Identifier", person_id_column="LA_Person_Unique_Identifier", dates="Date_of_Birth|Date_of_Death"),
        _t("adult_social_care", "addresses", "Address history of each person, as free text lines.",
           "Address_ID|LA_Person_Unique_Identifier|Address_Line_1|Address_Line_2|Address_Line_3|Postcode|Start_Date|End_Date",
           "Address_ID", dates="Start_Date", planned_dates="End_Date"),
        _t("adult_social_care", "events", "Requests, assessments, services and reviews (Client Level Data events).",
           "Event_Reference|LA_Person_Unique_Identifier|Event_Type|Event_Start_Date|Event_End_Date|Event_Outcome|"
           "Service_Type|Delivery_Mechanism|Unit_Cost",
           "Event_Reference", dates="Event_Start_Date", planned_dates="Event_End_Date", amounts={"Unit_Cost": (0, 100_000)}),
    ),
)

# --- Children's social care (Liquidlogic-style, CIN census / SSDA903 names): dd/mm/yyyy -------
_CSC = {"date_format": "%d/%m/%Y"}
CHILDRENS_SOCIAL_CARE = SourceSystem(
    name="childrens_social_care",
    label="Children's social care",
    vendor_style="Liquidlogic-like children's case management: UTF-8 CSV, dates dd/mm/yyyy, CIN and SSDA903 field names",
    tables=(
        _t("childrens_social_care", "children", "Children known to children's social care.",
           "LAchildID|UPN|Forename|Surname|PersonBirthDate|Sex|Ethnicity|PersonDeathDate",
           "LAchildID", person_id_column="LAchildID", dates="PersonBirthDate|PersonDeathDate", **_CSC),
        _t("childrens_social_care", "addresses", "Address history of each child, one free text line plus postcode.",
           "AddressID|LAchildID|AddressText|Postcode|StartDate|EndDate", "AddressID", dates="StartDate", planned_dates="EndDate", **_CSC),
        _t("childrens_social_care", "contacts", "Contacts to the front door and their outcome.",
           "ContactID|LAchildID|ContactDate|ContactSource|ContactOutcome", "ContactID", dates="ContactDate", **_CSC),
        _t("childrens_social_care", "referrals", "Referrals (CIN census CIN details).",
           "ReferralID|LAchildID|CINreferralDate|ReferralSource|PrimaryNeedCode|ReferralNFA|CINclosureDate|ReasonForClosure",
           "ReferralID", dates="CINreferralDate|CINclosureDate", **_CSC),
        _t("childrens_social_care", "assessments", "Child and family assessments.",
           "AssessmentID|ReferralID|LAchildID|AssessmentActualStartDate|AssessmentAuthorisationDate|AssessmentFactors",
           "AssessmentID", dates="AssessmentActualStartDate|AssessmentAuthorisationDate", **_CSC),
        _t("childrens_social_care", "cp_plans", "Child protection plans.",
           "CPPID|LAchildID|ReferralID|CPPstartDate|CPPendDate|InitialCategoryOfAbuse|LatestCategoryOfAbuse",
           "CPPID", dates="CPPstartDate|CPPendDate", **_CSC),
        _t("childrens_social_care", "looked_after_episodes", "Episodes of care (SSDA903 episodes).",
           "EpisodeID|CHILD|DECOM|RNE|LS|CIN|PLACE|PLACE_PROVIDER|DEC|REC|HOME_POST|PL_POST",
           "EpisodeID", dates="DECOM|DEC", **_CSC),
    ),
)

# --- SEND (Capita One-style): Excel workbooks, real date cells, headers with spaces -----------
_SEND = {"file_format": "xlsx"}
SEND = SourceSystem(
    name="send",
    label="SEND",
    vendor_style="Capita One-like SEND module exported to .xlsx (date cells), SEN2 field meanings",
    tables=(
        _t("send", "persons", "Children and young people known to the SEND service, with their current address.",
           "Person ID|UPN|Forename|Surname|Date of Birth|Sex|Ethnicity|Address|Postcode",
           "Person ID", person_id_column="Person ID", dates="Date of Birth", **_SEND),
        _t("send", "requests", "Requests for an EHC needs assessment and their outcomes (SEN2 requests and assessments).",
           "Request ID|Person ID|Received Date|Request Source|Request Outcome|Request Outcome Date|"
           "Assessment Outcome|Assessment Outcome Date",
           "Request ID", dates="Received Date|Request Outcome Date|Assessment Outcome Date", **_SEND),
        _t("send", "plans", "EHC plans: issue (start) and cease dates, primary need and placement.",
           "Plan ID|Request ID|Person ID|Start Date|Cease Date|Cease Reason|Primary Need|Placement Type|School URN",
           "Plan ID", dates="Start Date", planned_dates="Cease Date", **_SEND),
    ),
)

# --- Reference sources -------------------------------------------------------------------------
GAZETTEER = SourceSystem(
    name="gazetteer",
    label="Local Land and Property Gazetteer",
    vendor_style="LLPG export in BS 7666 parts: UTF-8 CSV, ISO dates",
    is_reference=True,
    cadence_days=35,  # the LLPG custodian exports monthly
    tables=(
        _t("gazetteer", "llpg", "Every addressable object (BLPU) with its UPRN; flats carry their building's PARENT_UPRN.",
           "UPRN|PARENT_UPRN|USRN|SAO_TEXT|PAO_TEXT|STREET_DESCRIPTION|LOCALITY|TOWN|POSTCODE|CLASSIFICATION_CODE|"
           "WARD_CODE|WARD_NAME|LSOA_CODE|X_COORDINATE|Y_COORDINATE|START_DATE|END_DATE|LOGICAL_STATUS",
           "UPRN", dates="START_DATE", planned_dates="END_DATE"),
    ),
)

POPULATION = SourceSystem(
    name="ons",
    label="ONS-style population and deprivation",
    vendor_style="Mid-year estimates by ward, single year of age and sex; deprivation deciles by LSOA",
    is_reference=True,
    cadence_days=400,  # published once a year
    tables=(
        _t("ons", "population_estimates", "Mid-year (30 June) population estimates by ward, single year of age (90 = 90+) and sex.",
           "YEAR|WARD_CODE|SEX|AGE|POPULATION", "YEAR|WARD_CODE|SEX|AGE", amounts={"POPULATION": (0, 1_000_000)}),
        _t("ons", "lsoa_deprivation", "Index of Multiple Deprivation decile per LSOA (1 = most deprived).",
           "LSOA_CODE|WARD_CODE|IMD_DECILE", "LSOA_CODE"),
    ),
)

SYSTEMS: tuple[SourceSystem, ...] = (HOUSING, REVENUES, ADULT_SOCIAL_CARE, CHILDRENS_SOCIAL_CARE, SEND, GAZETTEER, POPULATION)
LINE_OF_BUSINESS: tuple[SourceSystem, ...] = tuple(s for s in SYSTEMS if not s.is_reference)
TABLES: tuple[SourceTable, ...] = tuple(t for s in SYSTEMS for t in s.tables)


def system(name: str) -> SourceSystem:
    for s in SYSTEMS:
        if s.name == name:
            return s
    raise KeyError(f"unknown source system {name!r}; known: {', '.join(s.name for s in SYSTEMS)}")


def table(system_name: str, table_name: str) -> SourceTable:
    for t in system(system_name).tables:
        if t.table == table_name:
            return t
    raise KeyError(f"unknown table {table_name!r} in source system {system_name!r}")


def person_tables() -> tuple[SourceTable, ...]:
    return tuple(t for t in TABLES if t.person_id_column)
