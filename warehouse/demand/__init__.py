"""Demand: evaluation of the demand marts against truth, their pandera schemas, the homelessness
prevention scorecard and the three-year projections."""
