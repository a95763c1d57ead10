"""Demand for adult social care (Client Level Data): requests, assessments, long-term support; for scrutiny, every table suppressed."""

from dashboards import access, demand_views

access.guard(__file__)
demand_views.service_page("adult_social_care")
