"""The report's "Integrity / 学术诚信" section, from ``analyse``'s result.

The template is ``autograder/report/templates/integrity.html.j2`` (autoescaped: every student
id, answer line, flag and message is text, never markup); the report's page includes it with
:func:`context`, and :func:`render` gives the section alone. Neutral words only: each item
needs a person's review.
"""
from autograder.report.environment import ENV
from course.language import say
from course.messages import CATALOG


def _summary(cluster, pairs_by_key):
    best_sim, behaviour, flags = {}, {}, []
    for q in cluster["pairs"]:
        p = pairs_by_key[(q["a"], q["b"])]
        for e in p["code"]:
            if e["function"] in cluster["functions"]:
                best_sim[e["function"]] = max(best_sim.get(e["function"], 0.0), e["similarity"])
        for e in p["behaviour"]:
            if e["function"] in cluster["functions"]:
                behaviour[e["function"]] = (e["shared_wrong"], e["students_sharing"])
    for s, names in sorted(cluster.get("flags", {}).items()):
        flags.append((s, ", ".join(names)))
    return {"similarity": ", ".join(f"{fn} {v:.0%}" for fn, v in sorted(best_sim.items())) or "—",
            "behaviour": ", ".join(f"{fn}: {n} / {c} " + say("人", "students", both="人 students")
                                   for fn, (n, c) in sorted(behaviour.items()))
            or "—", "flags": flags}


def context(result, common=None, max_clusters=40, max_flags=500, max_lines=150) -> dict:
    """What the section's template reads: ``r`` (the result, clusters with their summaries),
    ``shown`` (the clusters drawn side by side), ``common`` (with their wording) and the limits."""
    by_key = {(p["a"], p["b"]): p for p in result["pairs"]}
    clusters = [dict(c, summary=_summary(c, by_key), pair_rows=[by_key[(q["a"], q["b"])] for q in c["pairs"][:20]])
                for c in result["clusters"]]
    shown_common = []
    for m in (common if common is not None else result["common"]):
        zh, en, _ = CATALOG.get(m.get("misconception") or "", ("—", "—", ""))
        shown_common.append(dict(m, zh=zh, en=en))
    return {"r": dict(result, clusters=clusters), "shown": clusters[:max_clusters], "common": shown_common[:30],
            "max_flags": max_flags, "max_lines": max_lines}


def render(result, **limits) -> str:
    """The section's HTML alone (a whole ``<section id="integrity">``)."""
    return ENV.get_template("integrity.html.j2").render(**context(result, **limits))
