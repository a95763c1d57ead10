"""Demand for SEND (SEN2): requests, assessments, new plans and plans in force; for scrutiny, every table suppressed."""

from dashboards import access, demand_views

access.guard(__file__)
demand_views.service_page("send")
