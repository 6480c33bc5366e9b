"""Known-mistake models (filled in below)."""
MODELS = {}


def identify(name, failures):
    return None


def run_model(model, case):
    return None
