"""Synthetic LPR3/DRG extract generator (see delivery.generate_delivery)."""

from medfin.generate.delivery import SCALES, generate_delivery

__all__ = ["SCALES", "generate_delivery"]
