"""Demand for children's social care (CIN census, SSDA903): contacts, referrals, assessments, child protection, children looked after; for scrutiny, every table suppressed."""

from dashboards import access, demand_views

access.guard(__file__)
demand_views.service_page("childrens_social_care")
