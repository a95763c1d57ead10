"""Demand for housing and homelessness (H-CLIC): approaches, duties owed, temporary accommodation, rent arrears; for scrutiny, every table suppressed."""

from dashboards import access, demand_views

access.guard(__file__)
demand_views.service_page("housing")
