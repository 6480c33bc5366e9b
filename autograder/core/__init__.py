"""The kit's core types and helpers: leaves every other layer may import (no torch, no kit imports)."""
