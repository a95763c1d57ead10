"""Demand for services, for scrutiny: every service's headline measures, who is known to several
services, and projections. Every table has passed disclosure control (see dashboards/demand.py)."""

from dashboards import access, demand_views

user = access.guard(__file__)
demand_views.summary_page(user)
