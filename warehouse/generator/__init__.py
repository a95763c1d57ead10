"""The fictional borough: a gazetteer, people living ten years of lives, five line-of-business
systems' extracts in their vendors' shapes, with the mess of real data, and the ground truth."""

from .core import generate
from .mess import MESS_KINDS, MessRates

__all__ = ["MESS_KINDS", "MessRates", "generate"]
