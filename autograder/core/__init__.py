"""The kit's core: what every layer may import (the standard library only, never torch)."""
