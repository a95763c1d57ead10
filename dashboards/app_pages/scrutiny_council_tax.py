"""Demand on council tax collection: accounts in arrears, money owed, council tax reduction; for scrutiny, every table suppressed."""

from dashboards import access, demand_views

access.guard(__file__)
demand_views.service_page("council_tax")
